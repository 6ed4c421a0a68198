#!/bin/sh
# The profile: the company's texts and model settings are data. A second
# company set up with only a profile and a rules file never shows VasDom's
# texts: not in a prompt (the fake server sees them), not in a default
# answer, not in a rating reply. A bad profile is a configuration error
# naming the file and line.
. "$(dirname "$0")/lib.sh"
plan 35

# --- the shipped profile keeps the old service's texts --------------------
check_same "default answer from data/profile" \
	"По вопросу 'Что такое зонд?' обратитесь к нашим специалистам. VasDom - клининговая компания с опытом работы в 348 домах Калуги." \
	"$(vasdom-ask -r 'Что такое зонд?')"
unset VASDOM_PROFILE
check_same "...and the same from the built-in copy" \
	"По вопросу 'Что такое зонд?' обратитесь к нашим специалистам. VasDom - клининговая компания с опытом работы в 348 домах Калуги." \
	"$(vasdom-ask -r 'Что такое зонд?')"
if [ -e /usr/local/share/vasdom/profile ]; then
	skip "a profile is installed in /usr/local: the built-in one is not used"
else
	check_same "health names the built-in profile" built-in "$(vasdom-stats --health | jq -r .profile)"
fi
export VASDOM_PROFILE=$top/data/profile
check_same "health names the profile file in use" "$top/data/profile null" \
	"$(vasdom-stats --health | jq -r '"\(.profile) \(.profile_error)"')"
check_same "no company text in the C sources" "" \
	"$(cd "$top" && grep -l VasDom cmd/*.[ch] common/*.[ch] | grep -v _default.c)"

# --- a second company -------------------------------------------------------
export VASDOM_DB=$T/acme.db
cat >"$T/acme.profile" <<'P'
# Acme Windows
system: You are the assistant of Acme Windows, Leeds.
  Answer briefly, in English.
examples: Answers our customers rated well:
example: Example {n} ({rating} stars):
	Q: {question}
	A: {answer}
default: About '{question}': please call Acme on 0113 000 0000.
rated_good: Thanks! Acme will learn from this answer.
rated_bad: Thanks, Acme will do better.
temperature: 0.3
max_tokens: 200
history_turns: 0
P
printf 'intent hours\nmatch \\bopen\\b\nanswer Acme is open 8 to 6, Monday to Friday.\n' >"$T/acme.rules"
a() { vasdom-ask --profile "$T/acme.profile" --rules "$T/acme.rules" "$@"; }
a 'When are you open?' 'Do you clean gutters?' 'Do you fix 100% {answer} %s %n {question}?' >"$T/acme.out"
check_same "their rule answers" "Acme is open 8 to 6, Monday to Friday." "$(sed -n 1p "$T/acme.out" | jq -r .response)"
check_same "their default answer" "About 'Do you clean gutters?': please call Acme on 0113 000 0000." \
	"$(sed -n 2p "$T/acme.out" | jq -r .response)"
check_same "{question} replaced literally, once" \
	"About 'Do you fix 100% {answer} %s %n {question}?': please call Acme on 0113 000 0000." \
	"$(sed -n 3p "$T/acme.out" | jq -r .response)"
sed -n 1p "$T/acme.out" | jq -r .log_id >"$T/ids"
sed -n 2p "$T/acme.out" | jq -r .log_id >>"$T/ids"
printf '%s 5\n%s 2\n' $(cat "$T/ids") | vasdom-rate --profile "$T/acme.profile" >"$T/rate.out"
check_same "their rating replies" "Thanks! Acme will learn from this answer.|Thanks, Acme will do better." \
	"$(jq -r .message "$T/rate.out" | paste -sd'|')"
VASDOM_PROFILE=$T/acme.profile vasdom-rate "$(sed -n 2p "$T/ids")" 4 >"$T/rate2.out"
check_same "VASDOM_PROFILE serves as --profile" "Thanks! Acme will learn from this answer." "$(jq -r .message "$T/rate2.out")"
VASDOM_PROFILE=$T/nowhere vasdom-rate --profile "$T/acme.profile" "$(sed -n 2p "$T/ids")" 4 >"$T/rate3.out"
check_same "--profile beats VASDOM_PROFILE" "Thanks! Acme will learn from this answer." "$(jq -r .message "$T/rate3.out")"

fake_server ok
VASDOM_LLM_URL=$fake_url a -s acme2 'What time are you open today?' >"$T/llm.out"
check_same "answered by the model" llm "$(jq -r .source "$T/llm.out")"
tail -n 1 "$fake_log" >"$T/req"
check_same "system prompt: their profile, their heading, their example frame" \
	"$(printf 'You are the assistant of Acme Windows, Leeds.\nAnswer briefly, in English.\n\nAnswers our customers rated well:\n\nExample 1 (5 stars):\nQ: When are you open?\nA: Acme is open 8 to 6, Monday to Friday.')" \
	"$(jq -r '.body.messages[0].content' "$T/req")"
check_same "then the question" "user:What time are you open today?" \
	"$(jq -r '.body.messages[1] | "\(.role):\(.content)"' "$T/req")"
check_same "their temperature and max_tokens" "0.3 200" "$(jq -r '"\(.body.temperature) \(.body.max_tokens)"' "$T/req")"
check_same "no VasDom text in any prompt, answer or reply" 0 \
	"$(cat "$fake_log" "$T/acme.out" "$T/rate.out" "$T/rate2.out" "$T/llm.out" | grep -c 'VasDom\|Калуг\|Спасибо\|Пример\|оценк')"
check_same "nor in the database" 0 "$(sqlite3 "$VASDOM_DB" "select count(*) from exchanges where response like '%VasDom%'")"

# --- bad profiles: exit 3 naming the file and line --------------------------
export VASDOM_DB=$T/bad.db
bad() { # DESC MESSAGE-START: the profile in $T/bad.profile
	vasdom-ask --profile "$T/bad.profile" 'Вопрос' >"$T/bad.out" 2>"$T/bad.err"
	st=$?
	case "$st $(cat "$T/bad.err")" in
	"3 vasdom-ask: $T/bad.profile$2"*) ok "$1: exit 3, naming it" ;;
	*) not_ok "$1: exit 3, naming it"; echo "# exit $st: $(cat "$T/bad.err")" ;;
	esac
}
cp "$top/data/profile" "$T/bad.profile"
echo "colour: blue" >>"$T/bad.profile"
ln=$(wc -l <"$T/bad.profile" | tr -d ' ')
bad "unknown key" ":$ln: unknown key 'colour'"
sed 's/^temperature: .*/temperature: warm/' "$top/data/profile" >"$T/bad.profile"
ln=$(grep -n '^temperature' "$T/bad.profile" | cut -d: -f1)
bad "bad number" ":$ln: temperature: expected a number from 0 to 2, got 'warm'"
sed 's/^max_tokens: .*/max_tokens: 10x/' "$top/data/profile" >"$T/bad.profile"
ln=$(grep -n '^max_tokens' "$T/bad.profile" | cut -d: -f1)
bad "bad whole number" ":$ln: max_tokens: expected a whole number"
sed 's/^history_turns: .*/history_turns: -1/' "$top/data/profile" >"$T/bad.profile"
ln=$(grep -n '^history_turns' "$T/bad.profile" | cut -d: -f1)
bad "number out of range" ":$ln: history_turns: expected a whole number from 0 to 100, got '-1'"
grep -v '^rated_bad' "$top/data/profile" >"$T/bad.profile"
bad "missing key" ": missing key 'rated_bad'"
{ cat "$top/data/profile"; echo "default: again {question}"; } >"$T/bad.profile"
ln=$(wc -l <"$T/bad.profile" | tr -d ' ')
bad "key given twice" ":$ln: default given twice"
printf '  indented first\nsystem: x\n' >"$T/bad.profile"
bad "continuation without a key" ":1: an indented line continues a value, but no key is above it"
printf 'system: x\nno colon here\n' >"$T/bad.profile"
bad "not key: value" ":2: expected 'key: value'"
sed 's/^rated_good: .*/rated_good:/' "$top/data/profile" >"$T/bad.profile"
ln=$(grep -n '^rated_good' "$T/bad.profile" | cut -d: -f1)
bad "empty value" ":$ln: rated_good: empty value"
printf 'system: \377\n' >"$T/bad.profile"
bad "invalid UTF-8" ": invalid UTF-8"
rm -f "$T/bad.profile"
bad "unreadable file" ": No such file or directory"
check_same "...and nothing answered or logged" "0 0" \
	"$(wc -c <"$T/bad.out" | tr -d ' ') $(sqlite3 "$VASDOM_DB" 'select count(*) from exchanges' 2>/dev/null || echo 0)"
VASDOM_PROFILE=$T/bad.profile vasdom-rate 1 5 >"$T/bad.out" 2>"$T/bad.err"
check_same "vasdom-rate: exit 3 too" 3 $?
check "...naming the file" grep -q "^vasdom-rate: $T/bad.profile: No such file or directory" "$T/bad.err"
vasdom-stats --health --profile "$T/bad.profile" >"$T/h"
check_same "health: unhealthy, exit 3" 3 $?
check_same "...naming the profile and why" "unhealthy $T/bad.profile: No such file or directory" \
	"$(jq -r '"\(.status) \(.profile_error)"' "$T/h")"
check_fails "--profile goes with --health only" 2 vasdom-stats --profile "$T/acme.profile" 2>/dev/null
check_same "record mode needs no profile" 0 \
	"$(echo '{"message":"Q","response":"A"}' | VASDOM_PROFILE=$T/bad.profile vasdom-ask --record >/dev/null; echo $?)"
done_testing
