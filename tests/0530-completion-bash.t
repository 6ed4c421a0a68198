#!/bin/sh
# bash completion: registered for every binary, and a scripted completion
# (COMP_WORDS, COMP_CWORD, the function, COMPREPLY) for options, formats,
# files, log ids, ratings, session ids and models from the database named
# by -d, VASDOM_DB or the default location; never creating a database.
. "$(dirname "$0")/lib.sh"
bins="ask rate embed similar stats export review serve log"
plan 37
comp=$top/completions/vasdom.bash

# comp WORD...: complete the last WORD of the command line WORD...; prints
# COMPREPLY sorted, one per line
comp() {
	bash --norc --noprofile -c '
		. "$0" || exit 9
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_vasdom "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' "$comp" "$@" | grep . | sort
}
words() { tr '\n' ' ' | sed 's/ $//'; }

out=$(bash --norc --noprofile -c '. "$0" && complete -p vasdom-ask vasdom-rate vasdom-embed vasdom-similar vasdom-stats vasdom-export vasdom-review vasdom-serve vasdom-log' "$comp" 2>&1)
check_same "complete -p: _vasdom for every binary" \
	"$(for b in $bins; do echo "complete -F _vasdom vasdom-$b"; done)" "$out"

# the options offered are exactly those the binary takes (options_of: its
# -h, which lists its option table)
for b in $bins; do
	want=$(options_of vasdom-$b | words)
	check_same "vasdom-$b -<TAB>: every option it accepts" "$want" "$(comp vasdom-$b - | words)"
done
check_same "vasdom-ask --re<TAB>" "--record --rejects" "$(comp vasdom-ask --re | words)"

# formats
check_same "vasdom-export -f <TAB>" "csv dpo jsonl openai trl-dpo trl-kto tsv" "$(comp vasdom-export -f '' | words)"
fmts=$(vasdom-export -h | sed -n '1s/.*\[-f \([^]]*\)\].*/\1/p' | tr '|' '\n' | sort | words)
check "...every format of its -h ($fmts)" sh -c "for f in $fmts; do echo ' $(comp vasdom-export -f '' | words) ' | grep -q \" \$f \" || exit 1; done"
check_same "vasdom-export --format=trl<TAB>" "trl-dpo trl-kto" "$(comp vasdom-export --format = trl | words)"
check_same "vasdom-export -ftrl<TAB> (joined)" "-ftrl-dpo -ftrl-kto" "$(comp vasdom-export -ftrl | words)"
check_same "vasdom-stats -f <TAB>" "csv jsonl prometheus" "$(comp vasdom-stats -f '' | words)"
check_same "vasdom-stats --by <TAB>" "day topic week" "$(comp vasdom-stats --by '' | words)"
for b in ask rate embed similar; do
	check_same "vasdom-$b -i <TAB>" "auto csv jsonl text" "$(comp vasdom-$b -i '' | words)"
done
check_same "vasdom-ask -f <TAB>" "csv jsonl" "$(comp vasdom-ask -f '' | words)"

# files
touch "$T/my.rules" "$T/my.jsonl"
check_same "vasdom-ask --rules=<TAB> a file" "$T/my.rules" "$(comp vasdom-ask --rules = "$T/my.r")"
check_same "vasdom-export --validate <TAB> a file" "$T/my.jsonl" "$(comp vasdom-export --validate "$T/my.j")"

# nothing from a database that is not there, and none is created
check_same "no database: no log ids" "" "$(comp vasdom-rate '')"
check "...and none created" test ! -e "$VASDOM_DB"

# log ids, ratings, sessions and models from VASDOM_DB
i=0
while [ $i -lt 12 ]; do i=$((i + 1)); echo "Вопрос $i"; done | vasdom-ask -s office-42 >/dev/null
vasdom-ask -s 'другая сессия' 'Ещё вопрос' >/dev/null
vasdom-embed -q >/dev/null
check_same "vasdom-rate <TAB>: the log ids" "1 10 11 12 13 2 3 4 5 6 7 8 9" "$(comp vasdom-rate '' | words)"
check_same "vasdom-rate 1<TAB>: those beginning with 1" "1 10 11 12 13" "$(comp vasdom-rate 1 | words)"
check_same "vasdom-rate 12 <TAB>: a rating" "1 2 3 4 5" "$(comp vasdom-rate 12 '' | words)"
check_same "vasdom-rate 12 5 <TAB>: nothing (feedback)" "" "$(comp vasdom-rate 12 5 '' | words)"
check_same "vasdom-rate -f csv 1<TAB>: options skipped" "1 10 11 12 13" "$(comp vasdom-rate -f csv 1 | words)"
check_same "vasdom-similar 3 1<TAB>: more log ids" "1 10 11 12 13" "$(comp vasdom-similar 3 1 | words)"
check_same "vasdom-ask -s <TAB>: the sessions" "office-42|другая сессия" "$(comp vasdom-ask -s '' | tr '\n' '|' | sed 's/|$//')"
check_same "vasdom-ask -s off<TAB>" "office-42" "$(comp vasdom-ask -s off)"
check_same "vasdom-similar -m <TAB>: the models" "builtin" "$(comp vasdom-similar -m '')"

# -d names another database; the default is $XDG_DATA_HOME/vasdom/vasdom.db
vasdom-ask -d "$T/other.db" 'один' 'два' >/dev/null
check_same "vasdom-rate -d other.db <TAB>: its log ids" "1 2" "$(comp vasdom-rate -d "$T/other.db" '' | words)"
unset VASDOM_DB
vasdom-ask 'только один' >/dev/null
check_same "without -d and VASDOM_DB: the default database" "1" "$(comp vasdom-rate '' | words)"
done_testing
