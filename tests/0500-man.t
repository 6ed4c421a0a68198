#!/bin/sh
# The man pages: mandoc -Tlint clean, the sections every page must have,
# the shared exit status table (and vasdom-stats --evaluate's own status,
# taken from the binary), cross references that resolve, and every setting
# the code and the scripts read documented in vasdom(5), and no other.
. "$(dirname "$0")/lib.sh"
man=$top/man
bins="ask rate embed similar stats export review serve log"
plan 71

for p in "$man"/vasdom-*.1 "$man"/vasdom.5 "$man"/vasdom.7; do
	out=$(mandoc -Tlint -W warning "$p" 2>&1)
	st=$?
	if [ $st -eq 0 ] && [ -z "$out" ]; then ok "mandoc -Tlint -W warning: ${p##*/} is clean"
	else not_ok "mandoc -Tlint -W warning: ${p##*/} is clean"; printf '%s\n' "$out" | sed 's/^/# /'; fi
done

# groff too (what man-db uses): no warnings, and nothing mdoc-specific
# garbles it (a macro such as Lk eating the words after it): the links
# come out in the order mandoc gives them
for p in "$man"/vasdom-*.1 "$man"/vasdom.5 "$man"/vasdom.7; do
	out=$(groff -k -Tutf8 -mandoc -ww -z "$p" 2>&1)
	check_same "groff -mandoc -ww: ${p##*/} renders without warnings" "" "$out"
	links() { grep -oE 'https?://[^ ,;)]*[^ ,;).]' | tr '\n' ' '; }
	check_same "...and its links as mandoc does" "$(mandoc -Tutf8 "$p" | sed 's/.\x08//g' | links)" \
		"$(groff -k -Tutf8 -mandoc "$p" 2>/dev/null | sed 's/.\x08//g' | links)"
done

# vasdom.5 names the schema version the code has
check_same "vasdom.5: schema version now as in vd_db.h" \
	"$(sed -n 's/^#define VD_SCHEMA_VERSION //p' "$top/common/vd_db.h")" "$(sed -n 's/^now \([0-9]*\)\.$/\1/p' "$man/vasdom.5")"

# sections: the list the issue asks for, in this order
want="NAME SYNOPSIS DESCRIPTION INPUT OUTPUT ENVIRONMENT FILES EXIT_STATUS EXAMPLES SEE_ALSO"
for b in $bins; do
	got=$(sed -n 's/^\.Sh //p' "$man/vasdom-$b.1" | tr ' ' _ | tr '\n' ' ' | sed 's/ $//')
	check_same "vasdom-$b.1 has the sections $want" "$want" "$got"
done
for p in vasdom.5 vasdom.7; do
	check "$p has NAME, DESCRIPTION, EXAMPLES, SEE ALSO" \
		test "$(grep -c -e '^\.Sh NAME$' -e '^\.Sh DESCRIPTION$' -e '^\.Sh EXAMPLES$' -e '^\.Sh SEE ALSO$' "$man/$p")" -eq 4
done

# the shared exit status table, word for word, in every page that has one
shared='.Bl -tag -width Ds
.It 0
Success.
.It 1
Some input lines were rejected, or nothing was found.
.It 2
Usage error.
.It 3
Database or configuration error.'
for p in vasdom-ask.1 vasdom-rate.1 vasdom-embed.1 vasdom-similar.1 vasdom-stats.1 vasdom-export.1 vasdom-review.1 vasdom-serve.1 vasdom-log.1 vasdom.7; do
	check_same "$p: the shared exit status table" "$shared" \
		"$(sed -n '/^\.Sh EXIT STATUS$/,/^\.Sh /p' "$man/$p" | grep -v '^\.Sh' | sed -n '/^\.Bl/,$p' | head -9)"
done

# vasdom-stats --evaluate: the status it really gives for "retraining
# needed" is the one its page documents
i=0
while [ $i -lt 5 ]; do i=$((i + 1)); printf '{"message":"q%s","response":"a","rating":1}\n' $i; done |
	vasdom-ask --record >/dev/null
VASDOM_EVAL_MIN_RATED=5 vasdom-stats --evaluate --dry-run >"$T/ev"
st=$?
check_same "--evaluate on poorly rated answers asks for retraining" true "$(jq .requires_retraining "$T/ev")"
check "vasdom-stats.1 documents its status $st as retraining needed" \
	sh -c "sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' '$man/vasdom-stats.1' | grep -A2 '^\.It $st\$' | grep -q retraining"
check "vasdom-stats -h says the same" sh -c "vasdom-stats -h | grep -q ' $st --evaluate found that the model'"

# cross references: every Xr vasdom page exists
bad=
for r in $(cat "$man"/*.[157] | sed -n 's/^\.Xr \(vasdom[-a-z]*\) \([0-9]\).*/\1.\2/p' | sort -u); do
	[ -f "$man/$r" ] || bad="$bad $r"
done
check_same "every .Xr vasdom* reference has a page" "" "$bad"
for p in vasdom-ask.1 vasdom-rate.1 vasdom-embed.1 vasdom-similar.1 vasdom-stats.1 vasdom-export.1 vasdom-review.1 vasdom-serve.1 vasdom-log.1; do
	check "$p refers to vasdom(5) and vasdom(7)" \
		sh -c "sed -n '/^\.Sh SEE ALSO/,\$p' '$man/$p' | grep -q '^\.Xr vasdom 5' &&
			sed -n '/^\.Sh SEE ALSO/,\$p' '$man/$p' | grep -q '^\.Xr vasdom 7'"
done

# settings: what the code and the scripts read is documented, and what is
# documented is read somewhere
read_by_code=$( {
	sed -n 's/.*env[a-z_0-9]*("\([A-Z_]*\)", *"\([A-Z_]*\)".*/\1 \2/p; s/.*env[a-z_0-9]*("\([A-Z_]*\)", *NULL.*/\1/p' \
		"$top/common/vd_config.c"
	cat "$top/scripts/check-retraining" "$top"/scripts/cron/* | grep -o '\${VASDOM_[A-Z_]*' | tr -d '${'
} | tr ' ' '\n' | grep . | sort -u)
documented=$(sed -n '/^\.Sh SETTINGS/,/^\.Sh /s/^\.It Ev //p' "$man/vasdom.5" | tr -d ',' | tr ' ' '\n' | grep . | sort -u)
check "vd_config.c reads at least 15 variables (the parse above works)" \
	test "$(printf '%s\n' "$read_by_code" | grep -c '^VASDOM_')" -ge 15
check_same "vasdom.5 SETTINGS documents every variable read, and only those" \
	"$read_by_code" "$documented"
check "...the old service's names among them" \
	sh -c "printf '%s\n' '$documented' | grep -qx MIN_RATING_THRESHOLD"
done_testing
