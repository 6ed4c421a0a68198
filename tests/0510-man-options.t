#!/bin/sh
# Docs that cannot drift from the code: each binary's -h usage is its man
# page's SYNOPSIS (every form, option and operand, whitespace aside); every
# option the binary accepts (its getopt string and long options, read from
# cmd/vasdom-*.c) is an item of the page's option list, and every option the
# page or -h lists is one the binary accepts.
. "$(dirname "$0")/lib.sh"
bins="ask rate embed similar stats export review serve log"
plan 63

# norm: one line per synopsis form, blanks collapsed, none inside brackets
# or around |, so line breaks and mdoc spacing do not matter
norm() {
	tr -s ' \t\n' '   ' | sed -e 's/ *| */|/g' -e 's/\[ /[/g' -e 's/ \]/]/g' -e 's/^ //' -e 's/ $//' |
		awk -v n="$1" '{ gsub(" " n " ", "\n" n " "); print }'
}
# the usage lines of -h: "usage: " and the lines indented after it
usage_of() {
	"$1" -h | awk 'NR == 1 { if (!sub(/^usage: /, "")) exit; print; next } /^[ \t]/ { print; next } { exit }'
}
# the SYNOPSIS of the rendered page
synopsis_of() {
	mandoc -Tascii "$top/man/$1.1" | sed 's/.\x08//g' | awk '/^SYNOPSIS/ { f = 1; next } /^[A-Z]/ { f = 0 } f'
}
# the options the source accepts: -x for each getopt letter, --name for
# each long option
accepted() {
	src=$top/cmd/$1.c
	sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' "$src" | tr -d ':' | sed 's/./-&\n/g' | grep .
	sed -n 's/^[[:space:]]*{ "\([a-z][-a-z]*\)", *\(no\|required\|optional\)_argument.*/--\1/p' "$src"
}
# the options the page lists as items: every Fl of an .It line
listed() {
	awk '/^\.It .*Fl / { for (i = 1; i < NF; i++) if ($i == "Fl") print "-" $(i + 1) }' "$top/man/$1.1" |
		tr -d ',' | sort -u
}
# the options -h explains: the first word of each indented option line
helped() { # the options an -h line starts with: "  -f, --format format"
	"$1" -h | sed -n 's/^  \(-[-a-z]*\)\(, \(--[-a-z]*\)\)\{0,1\}.*/\1 \3/p' | tr ' ' '\n' | grep . | sort -u
}

for b in $bins; do
	bin=vasdom-$b
	"$bin" -h >/dev/null 2>&1
	check_same "$bin -h exits 0" 0 $?
	u=$(usage_of "$bin" | norm "$bin")
	s=$(synopsis_of "$bin" | norm "$bin")
	if [ -n "$u" ] && [ "$u" = "$s" ]; then ok "$bin: -h usage = SYNOPSIS of $bin.1 ($(printf '%s\n' "$u" | wc -l | tr -d ' ') forms)"
	else not_ok "$bin: -h usage = SYNOPSIS of $bin.1"
		printf '%s\n' "$u" | sed 's/^/#  -h: /'; printf '%s\n' "$s" | sed 's/^/# man: /'; fi

	accepted "$bin" | sort -u >"$T/$b.acc"
	listed "$bin" >"$T/$b.man"
	helped "$bin" >"$T/$b.help"
	check "$bin: the source parse finds -h, --help and --version" \
		sh -c "grep -qx -- -h '$T/$b.acc' && grep -qx -- --help '$T/$b.acc' && grep -qx -- --version '$T/$b.acc'"
	missing=$(comm -23 "$T/$b.acc" "$T/$b.man" | tr '\n' ' ')
	check_same "$bin: every option it accepts is in the option list of $bin.1" "" "$missing"
	extra=$(comm -13 "$T/$b.acc" "$T/$b.man" | tr '\n' ' ')
	check_same "$bin: every option $bin.1 lists is accepted" "" "$extra"
	extra=$(comm -13 "$T/$b.acc" "$T/$b.help" | tr '\n' ' ')
	check_same "$bin: every option -h explains is accepted" "" "$extra"
	# --help and --version are the usual silent ones; others must be in -h
	missing=$(comm -23 "$T/$b.acc" "$T/$b.help" | grep -vx -e -h -e --help -e --version | tr '\n' ' ')
	d="$bin: every option it accepts but -h/--help/--version is explained by -h"
	if [ -z "$missing" ]; then ok "$d"; else not_ok "$d"; echo "# not in -h: $missing"; fi
done
done_testing
