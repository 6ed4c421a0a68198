#!/bin/sh
# What one message costs beyond a search: vasdom-ask writes no temporary
# file (its insert's sub-journal kept in memory); it and vasdom-similar
# read the database through a map of the file.
. "$(dirname "$0")/lib.sh"
plan 6

vasdom-ask --record </dev/null >/dev/null
"$top/scripts/gen-exchanges" "$VASDOM_DB" 300
vasdom-embed -q >/dev/null
vasdom-ask "уборка подъезд" >/dev/null
# a file made and removed in a folder changes the folder's time
mkdir "$T/sqltmp"
touch -d '2001-01-01 00:00:00' "$T/sqltmp"
before=$(stat -c %Y "$T/sqltmp")
SQLITE_TMPDIR=$T/sqltmp vasdom-ask "график уборки лифт" >"$T/out"
check "one message answered and logged" sh -c "jq -e '.log_id > 300' '$T/out' >/dev/null"
check_same "...with no temporary file made (the folder SQLite would use unchanged)" \
	"$before" "$(stat -c %Y "$T/sqltmp")"

# a running process (a coprocess: standard input left open) has the
# database file mapped once it has answered
mapped() {
	tool=$1; shift
	rm -f "$T/in" "$T/o"
	mkfifo "$T/in"
	"$tool" "$@" <"$T/in" >"$T/o" &
	pid=$!
	exec 3>"$T/in"
	echo "график уборки лифт" >&3
	i=0
	while [ ! -s "$T/o" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	grep -c " $VASDOM_DB\$" "/proc/$pid/maps"
	exec 3>&-
	wait "$pid"
}
m=$(mapped vasdom-ask)
check "vasdom-ask answered with its input open" test -s "$T/o"
check "...reading the database through a map of it ($m mappings)" test "$m" -ge 1
m=$(mapped vasdom-similar)
check "vasdom-similar answered with its input open" test -s "$T/o"
check "...reading the database through a map of it ($m mappings)" test "$m" -ge 1
