#!/bin/sh
# Conversations: with a session id, the language model gets the session's
# last history_turns exchanges as user/assistant messages, oldest first,
# between the system prompt and the question, within VD_HISTORY_CHARS
# (8000) characters. The fake server records the exact message list.
. "$(dirname "$0")/lib.sh"
plan 9

fake_server ok
export VASDOM_LLM_URL=$fake_url VASDOM_LLM_MODEL=test-model
A="Модель: уборка подъездов проводится по графику, согласованному с УК."
sys=$(sed -n '/^system:/,/^[a-z_]*:/p' "$top/data/profile" | sed '$d' | sed 's/^system: //; s/^[ \t]*//')
# the message list of the last request: "role:content" a line, the system
# prompt checked apart
msgs() { tail -n 1 "$fake_log" | jq -r '.body.messages[1:][] | "\(.role):\(.content)"'; }

vasdom-ask -s conv 'Как часто вы убираете подъезды?' 'А в выходные?' 'А сколько это стоит?' >"$T/out"
check_same "three answers from the model" "llm llm llm" "$(jq -r .source "$T/out" | paste -sd' ')"
check_same "the third question: the two earlier turns, oldest first, then it" \
	"$(printf '%s\n' "user:Как часто вы убираете подъезды?" "assistant:$A" "user:А в выходные?" "assistant:$A" "user:А сколько это стоит?")" \
	"$(msgs)"
check_same "...after the system prompt, the profile's" "$sys" \
	"$(tail -n 1 "$fake_log" | jq -r '.body.messages[0] | select(.role == "system") | .content')"
check_same "the first question of the session: no history" "user:Как часто вы убираете подъезды?" \
	"$(sed -n 1p "$fake_log" | jq -r '.body.messages[1:][] | "\(.role):\(.content)"')"

# another session's turns never mix in; the session may come with the record
echo '{"message":"Другой вопрос","session_id":"other"}' | vasdom-ask >/dev/null
echo '{"message":"А окна?","session_id":"conv"}' | vasdom-ask >/dev/null
check_same "session_id of the record: its own 3 turns, not another session's" 7 "$(msgs | wc -l | tr -d ' ')"
check "...ending with the question" test "$(msgs | tail -n 1)" = "user:А окна?"

# history_turns from the profile
sed 's/^history_turns: .*/history_turns: 1/' "$top/data/profile" >"$T/one.profile"
vasdom-ask --profile "$T/one.profile" -s conv 'И последнее?' >/dev/null
check_same "history_turns 1: the last turn only" \
	"$(printf '%s\n' "user:А окна?" "assistant:$A" "user:И последнее?")" "$(msgs)"

# the character budget keeps the newest turns that fit, together
long=$(printf 'ы%.0s' $(seq 1 7990))
{
	echo '{"message":"Старый вопрос","response":"Старый ответ","session_id":"budget"}'
	printf '{"message":"Длинный","response":"%s","session_id":"budget"}\n' "$long"
	echo '{"message":"Новый вопрос","response":"Новый ответ","session_id":"budget"}'
} | vasdom-ask --record >/dev/null
vasdom-ask -s budget 'Итак?' >/dev/null
check_same "over 8000 characters: the older turns dropped" \
	"$(printf '%s\n' "user:Новый вопрос" "assistant:Новый ответ" "user:Итак?")" "$(msgs)"

# without a session named by the caller, every question stands alone
vasdom-ask 'Первый' 'Второй' >/dev/null
check_same "no -s: no history" "user:Второй" "$(msgs)"
done_testing
