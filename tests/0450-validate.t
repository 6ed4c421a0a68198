#!/bin/sh
# vasdom-export --validate: every line JSON of the layout, roles in order,
# non-empty content, at least 10 examples for OpenAI; the first problems
# with their line numbers.
. "$(dirname "$0")/lib.sh"
plan 30

i=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	printf '{"message":"Вопрос %s","response":"Ответ %s","rating":5}\n' $i $i
done | vasdom-ask --record >/dev/null
vasdom-export -o "$T/good.jsonl" >/dev/null
vasdom-export --validate "$T/good.jsonl" >"$T/v" 2>"$T/err"
check_same "an export of 12 is valid: exit 0, quiet" "0 " "$? $(cat "$T/err")"
check_same "summary" '{"file":"'"$T"'/good.jsonl","format":"openai","valid":true,"lines":12,"examples":12,"errors":0}' "$(cat "$T/v")"
check_same "with a system message too" true \
	"$(vasdom-export --system 'Ты помощник' | vasdom-export --validate - | jq .valid)"
jq -c '.messages += [{"role":"user","content":"Ещё"},{"role":"assistant","content":"Да"}]' "$T/good.jsonl" >"$T/turns.jsonl"
check_same "a well formed file with several turns" "true 12" \
	"$(vasdom-export --validate - <"$T/turns.jsonl" | jq -r '"\(.valid) \(.examples)"')"

# bad LINE REPLACEMENT: good.jsonl with line LINE replaced
bad() { awk -v n="$1" -v r="$2" 'NR == n { print r; next } { print }' "$T/good.jsonl" >"$T/bad.jsonl"; }
# rejects DESC LINE REPLACEMENT MESSAGE: exit 1, the message (its start) with
# the line number
rejects() {
	bad "$2" "$3"
	vasdom-export --validate "$T/bad.jsonl" >"$T/v" 2>"$T/err"
	st=$?
	if [ $st -eq 1 ] && grep -qF "vasdom-export: $T/bad.jsonl: line $2: $4" "$T/err" && jqe '.valid == false and .errors == 1' "$T/v"; then
		ok "$1"
	else
		not_ok "$1 (exit $st)"; sed 's/^/# /' "$T/err"
	fi
}
rejects "a broken line" 3 '{"messages":[{"role":"user","content":"x"}' \
	"not JSON: "
rejects "not an object" 2 '[1, 2]' "not a JSON object"
rejects "an empty line" 4 '' "empty line"
rejects "assistant before user" 5 '{"messages":[{"role":"assistant","content":"Ответ"},{"role":"user","content":"Вопрос"}]}' \
	"messages[0]: role 'assistant' where 'user' was expected"
rejects "two users in a row" 6 '{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}' \
	"messages[1]: role 'user' where 'assistant' was expected"
rejects "a system message not first" 7 '{"messages":[{"role":"user","content":"a"},{"role":"system","content":"b"},{"role":"assistant","content":"c"}]}' \
	"messages[1]: role 'system' where 'assistant' was expected"
rejects "ending with the user" 8 '{"messages":[{"role":"user","content":"a"}]}' \
	"messages: the last message must be the assistant's"
rejects "empty content" 9 '{"messages":[{"role":"user","content":"Вопрос"},{"role":"assistant","content":""}]}' \
	"messages[1]: empty content"
rejects "blank content" 9 '{"messages":[{"role":"user","content":"   "},{"role":"assistant","content":"a"}]}' \
	"messages[0]: empty content"
rejects "no content" 10 '{"messages":[{"role":"user"},{"role":"assistant","content":"a"}]}' \
	"messages[0]: no content"
rejects "an unknown role" 11 '{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"}]}' \
	"messages[1]: unknown role 'bot'"
rejects "no messages" 12 '{"metadata":{}}' "messages: missing or not an array"
rejects "an empty list" 1 '{"messages":[]}' "messages: no messages"

# fewer than 10 examples, the first 10 problems only
head -9 "$T/good.jsonl" >"$T/nine.jsonl"
check_fails "9 examples: exit 1" 1 sh -c 'vasdom-export --validate "$1" >/dev/null 2>"$2"' sh "$T/nine.jsonl" "$T/err"
check_same "...OpenAI's minimum named" "vasdom-export: $T/nine.jsonl: 9 valid examples, OpenAI requires at least 10" "$(cat "$T/err")"
{ cat "$T/good.jsonl"; for i in $(seq 1 15); do echo '{"messages":[]}'; done; } >"$T/many.jsonl"
vasdom-export --validate "$T/many.jsonl" >"$T/v" 2>"$T/err"
check_same "15 bad lines: 10 reported, all counted" "10 15 12" \
	"$(wc -l <"$T/err" | tr -d ' ') $(jq -r '"\(.errors) \(.examples)"' "$T/v")"
check "...the first ones, by line number" grep -q "^vasdom-export: $T/many.jsonl: line 13: messages: no messages\$" "$T/err"

# other layouts: guessed from the first line, or given with -f
vasdom-export -f trl-kto >"$T/kto"
check_same "trl-kto guessed and valid" "trl-kto true" "$(vasdom-export --validate "$T/kto" | jq -r '"\(.format) \(.valid)"')"
sed '2s/"label":true/"label":"yes"/' "$T/kto" >"$T/kto.bad"
check_fails "trl-kto with a label that is not true/false: exit 1" 1 sh -c 'vasdom-export --validate "$1" >/dev/null 2>"$2"' sh "$T/kto.bad" "$T/err"
check "...named" grep -q 'line 2: label: missing or not true/false$' "$T/err"
check_fails "-f dpo on a chat file: every line wrong" 1 sh -c 'vasdom-export -f dpo --validate "$1" >/dev/null 2>"$2"' sh "$T/good.jsonl" "$T/err"
check "...the input is missing" grep -q 'line 1: input: missing or not an object$' "$T/err"

# unreadable files: exit 2, nothing on stdout
vasdom-export --validate "$T/missing.jsonl" >"$T/v" 2>"$T/err"
check_same "a missing file: exit 2" "2 " "$? $(cat "$T/v")"
check_same "...said so" "vasdom-export: --validate: $T/missing.jsonl: No such file or directory" "$(cat "$T/err")"
check_fails "a folder: exit 2" 2 vasdom-export --validate "$T" 2>/dev/null
check_fails "-f csv cannot be validated: exit 2" 2 vasdom-export -f csv --validate "$T/good.jsonl" 2>/dev/null
done_testing
