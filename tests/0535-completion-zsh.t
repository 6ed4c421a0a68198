#!/bin/sh
# zsh completion: the syntax, and completions offered by an interactive zsh
# on a pseudo-terminal (tests/zcomp.zsh) for options, formats, files, log
# ids, ratings, session ids and models from the database named by -d or
# VASDOM_DB. Skipped without zsh (scripts/install-deps installs it).
. "$(dirname "$0")/lib.sh"
bins="ask rate embed similar stats export review serve log"
plan 25
if ! command -v zsh >/dev/null 2>&1; then
	i=0; while [ $i -lt 25 ]; do i=$((i + 1)); skip "zsh is not installed"; done
	exit 0
fi
check "zsh -n completions/_vasdom" zsh -n "$top/completions/_vasdom"
check "#compdef names every binary" \
	test "$(sed -n '1s/^#compdef //p' "$top/completions/_vasdom" | tr ' ' '\n' | sort | tr '\n' ' ')" = \
	"$(for b in $bins; do echo vasdom-$b; done | sort | tr '\n' ' ')"

i=0
while [ $i -lt 12 ]; do i=$((i + 1)); echo "Вопрос $i"; done | vasdom-ask -s office-42 >/dev/null
vasdom-ask -s other-session 'Ещё вопрос' >/dev/null
vasdom-embed -q >/dev/null
vasdom-ask -d "$T/other.db" 'один' 'два' >/dev/null
touch "$T/my.rules"

set -- 'vasdom-export -f ' 'vasdom-export --format=trl' 'vasdom-stats -f ' 'vasdom-stats --by ' \
	'vasdom-ask -i ' 'vasdom-ask --re' 'vasdom-rate ' 'vasdom-rate 1' 'vasdom-rate 12 ' \
	"vasdom-rate -d $T/other.db " 'vasdom-ask -s ' 'vasdom-similar -m ' "vasdom-ask --rules=$T/my.r"
for b in $bins; do set -- "$@" "vasdom-$b -"; done
zsh -f "$top/tests/zcomp.zsh" "$top/completions" "$T/z" "$@" </dev/null >/dev/null 2>&1
# compinit's dump went to the test's folder, never over /dev/null
check "compinit dumped into the test's folder" test -s "$T/z.zcompdump"
# got LINE: the matches offered for LINE, sorted, on one line
got() { awk -v l="## $1" '$0 == l { f = 1; next } /^## / { f = 0 } f && NF' "$T/z" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

check_same "vasdom-export -f <TAB>" "csv dpo jsonl openai trl-dpo trl-kto tsv" "$(got 'vasdom-export -f ')"
check_same "vasdom-export --format=trl<TAB>" "trl-dpo trl-kto" "$(got 'vasdom-export --format=trl')"
check_same "vasdom-stats -f <TAB>" "csv jsonl prometheus" "$(got 'vasdom-stats -f ')"
check_same "vasdom-stats --by <TAB>" "day topic week" "$(got 'vasdom-stats --by ')"
check_same "vasdom-ask -i <TAB>" "auto csv jsonl text" "$(got 'vasdom-ask -i ')"
check_same "vasdom-ask --re<TAB>" "--record --rejects" "$(got 'vasdom-ask --re')"
check_same "vasdom-rate <TAB>: log ids" "1 10 11 12 13 2 3 4 5 6 7 8 9" "$(got 'vasdom-rate ')"
check_same "vasdom-rate 1<TAB>" "1 10 11 12 13" "$(got 'vasdom-rate 1')"
check_same "vasdom-rate 12 <TAB>: a rating" "1 2 3 4 5" "$(got 'vasdom-rate 12 ')"
check_same "vasdom-rate -d other.db <TAB>: its log ids" "1 2" "$(got "vasdom-rate -d $T/other.db ")"
check_same "vasdom-ask -s <TAB>: sessions" "office-42 other-session" "$(got 'vasdom-ask -s ')"
check_same "vasdom-similar -m <TAB>: models" "builtin" "$(got 'vasdom-similar -m ')"
check "vasdom-ask --rules=<TAB>: files" sh -c "echo ' $(got "vasdom-ask --rules=$T/my.r") ' | grep -q ' my.rules '"
for b in $bins; do
	want=$(options_of vasdom-$b | tr '\n' ' ' | sed 's/ $//')
	check_same "vasdom-$b -<TAB>: every option it accepts" "$want" "$(got "vasdom-$b -")"
done
done_testing
