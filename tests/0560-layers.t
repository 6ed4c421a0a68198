#!/bin/sh
# The seams of issue 15 that a change could quietly undo: no include or
# call cycle between the library's files (a call cycle read from the
# objects' symbols with nm), no SQLite call and no SQL in cmd/, settings
# read (getenv) only in common/vd_config.c.
. "$(dirname "$0")/lib.sh"
plan 4

# prints each cycle, one a line ("a -> b -> a"); nothing when there is none
cycles() {
	python3 -c '
import sys
g = {}
for line in sys.stdin:
    a, b = line.split()
    g.setdefault(a, set()).add(b); g.setdefault(b, set())
seen, out = {}, []
def walk(v, path):
    seen[v] = 1
    for w in sorted(g[v]):
        if seen.get(w) == 1:
            out.append(" -> ".join(path[path.index(w):] + [w]))
        elif w not in seen:
            walk(w, path + [w])
    seen[v] = 2
for v in sorted(g):
    if v not in seen:
        walk(v, [v])
print("\n".join(out))'
}

# the include graph of common/ and cmd/ headers
for h in "$top"/common/*.h "$top"/cmd/*.h; do
	sed -n 's/^#include "\(.*\)"/\1/p' "$h" | while read -r inc; do
		echo "$(basename "$h") $inc"
	done
done >"$T/includes"
check_same "no include cycle between headers" "" "$(cycles <"$T/includes")"

# the call graph between the library's objects: who defines what another uses
objs=$VASDOM_BIN/common
for o in "$objs"/*.o; do
	nm "$o" | awk -v f="$(basename "$o")" '$2 ~ /^[TDBR]$/ { print "D", f, $3 } $1 == "U" { print "U", f, $2 }'
done >"$T/symbols"
awk '$1 == "D" { def[$3] = $2 } $1 == "U" { use[NR] = $2 " " $3 }
	END { for (i in use) { split(use[i], u, " "); if ((u[2] in def) && def[u[2]] != u[1]) print u[1], def[u[2]] } }' \
	"$T/symbols" | sort -u >"$T/calls"
check "the library's objects were read ($(wc -l <"$T/calls") calls between files)" \
	test "$(wc -l <"$T/calls")" -gt 50
check_same "no call cycle between the library's files" "" "$(cycles <"$T/calls")"

check_same "cmd/ calls no SQLite function and getenv is read only in vd_config.c" \
	"common/vd_config.c" \
	"$(cd "$top" && { grep -l 'sqlite3_[a-z]*(' cmd/*.c; grep -l 'getenv(' cmd/*.c common/*.c; } | sort -u | tr '\n' ' ' | sed 's/ $//')"
