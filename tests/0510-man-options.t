#!/bin/sh
# Docs that cannot drift from the code: each binary's -h usage is its man
# page's SYNOPSIS (every form, option and operand, whitespace aside); the
# options -h lists (built from the tool's option table, as getopt_long's
# arguments are) are the items of the page's option list, each one the
# binary really takes, and no other letter is taken (a long-only option's
# key must not be a letter getopt takes).
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
# the options the page lists as items: every Fl of an .It line
listed() {
	awk '/^\.It .*Fl / { for (i = 1; i < NF; i++) if ($i == "Fl") print "-" $(i + 1) }' "$top/man/$1.1" |
		tr -d ',' | sort -u
}
# refused BIN OPT...: those OPTs that BIN's getopt does not know. Each is
# given an argument and then an unknown option, so that the binary stops
# at that one, having run nothing; the binary itself, not a wrapper (this
# is about the command line, and hundreds of runs)
refused() {
	b=$VASDOM_BIN/$1; shift
	for o; do
		"$b" "$o" "$T/arg" --no-such-option </dev/null >/dev/null 2>"$T/err"
		grep -q -e "unrecognized option '$o'" -e "invalid option -- '${o#-}'" "$T/err" && printf '%s\n' "$o"
	done
}
letters=$(printf '%s\n' a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z | sed 's/^/-/')

for b in $bins; do
	bin=vasdom-$b
	"$bin" -h >/dev/null 2>&1
	check_same "$bin -h exits 0" 0 $?
	u=$(usage_of "$bin" | norm "$bin")
	s=$(synopsis_of "$bin" | norm "$bin")
	if [ -n "$u" ] && [ "$u" = "$s" ]; then ok "$bin: -h usage = SYNOPSIS of $bin.1 ($(printf '%s\n' "$u" | wc -l | tr -d ' ') forms)"
	else not_ok "$bin: -h usage = SYNOPSIS of $bin.1"
		printf '%s\n' "$u" | sed 's/^/#  -h: /'; printf '%s\n' "$s" | sed 's/^/# man: /'; fi

	options_of "$bin" >"$T/$b.help"
	listed "$bin" >"$T/$b.man"
	check "$bin: -h lists -d (the parse above works)" grep -qx -- -d "$T/$b.help"
	missing=$(comm -23 "$T/$b.help" "$T/$b.man" | tr '\n' ' ')
	check_same "$bin: every option -h lists is in the option list of $bin.1" "" "$missing"
	extra=$(comm -13 "$T/$b.help" "$T/$b.man" | tr '\n' ' ')
	check_same "$bin: every option $bin.1 lists is in -h" "" "$extra"
	check_same "$bin: takes every option -h lists" "" "$(refused "$bin" $(cat "$T/$b.help") | tr '\n' ' ')"
	others=$(printf '%s\n' "$letters" | grep -vxF -f "$T/$b.help")
	check_same "$bin: takes no other letter" "$others" "$(refused "$bin" $others)"
done
done_testing
