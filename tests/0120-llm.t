#!/bin/sh
# The language-model source against a fake OpenAI-compatible server on
# 127.0.0.1: the prompt, the key, and every failure falling through.
. "$(dirname "$0")/lib.sh"
plan 27

# experience to put in the prompt
printf '%s\n' '{"message":"Как часто убирают подъезды?","response":"Два раза в неделю, по графику бригады.","rating":5}' \
	'{"message":"Моют ли окна в подъездах?","response":"Нет, окна не моем.","rating":1}' | vasdom-ask --record >/dev/null

fake_server ok
export VASDOM_LLM_URL=$fake_url VASDOM_LLM_KEY=sk-test-planted-key VASDOM_LLM_MODEL=test-model
vasdom-ask -s llm "Как часто убирают подъезды в Калуге?" >"$T/out" 2>"$T/err"
check_same "answered by the model" llm "$(jq -r .source "$T/out")"
check_same "model_used from the reply" test-model "$(jq -r .model_used "$T/out")"
check_same "the model's answer" "Модель: уборка подъездов проводится по графику, согласованному с УК." "$(jq -r .response "$T/out")"
check_same "no model error" null "$(jq -r .model_error "$T/out")"
tail -n 1 "$fake_log" >"$T/req"
check_same "POST to /v1/chat/completions" /v1/chat/completions "$(jq -r .path "$T/req")"
check_same "Bearer key sent" "Bearer sk-test-planted-key" "$(jq -r .auth "$T/req")"
check "system prompt holds the company profile" \
	sh -c "jq -r '.body.messages[0].content' '$T/req' | grep -q 'Ты - AI помощник VasDom для управления клининговой компанией в Калуге'"
check "...and the well-rated example" \
	sh -c "jq -r '.body.messages[0].content' '$T/req' | grep -q 'Пример 1 (оценка: 5★)'"
check "...with its question and answer" \
	sh -c "jq -r '.body.messages[0].content' '$T/req' | grep -q 'Ответ: Два раза в неделю, по графику бригады.'"
check "...but not the answer rated 1" \
	sh -c "! jq -r '.body.messages[0].content' '$T/req' | grep -q 'окна не моем'"
check_same "the question is the user message" "user:Как часто убирают подъезды в Калуге?" \
	"$(jq -r '.body.messages[1] | "\(.role):\(.content)"' "$T/req")"
check_same "model, max_tokens 1000, temperature 0.7" "test-model 1000 0.7" \
	"$(jq -r '"\(.body.model) \(.body.max_tokens) \(.body.temperature)"' "$T/req")"
unset VASDOM_LLM_KEY
OPENAI_API_KEY=sk-openai-fallback vasdom-ask "Вопрос" >/dev/null
check_same "OPENAI_API_KEY serves as the key" "Bearer sk-openai-fallback" "$(tail -n 1 "$fake_log" | jq -r .auth)"

# failures: each answers from another source, logs the exchange, records why
fails() { # MODE QUESTION -> checks source, error, row
	vasdom-ask "$2" >"$T/f.out" 2>"$T/f.err"
	st=$?
	check_same "$1: still answers, exit 0" "0 intent" "$st $(jq -r .source "$T/f.out")"
	id=$(jq -r .log_id "$T/f.out")
	check "$1: error recorded on the row" \
		sh -c "sqlite3 '$VASDOM_DB' 'select model_error from exchanges where log_id=$id' | grep -q '$3'"
}
export VASDOM_LLM_TIMEOUT=1
fake_server slow; export VASDOM_LLM_URL=$fake_url
start=$(date +%s)
fails slow "Сколько стоит уборка?" "timed out"
check "slow: gave up by the 1 s timeout, long before the server's 30 s" \
	[ $(( $(date +%s) - start )) -lt 15 ]
# the other failures must be seen for what they are, not as a timeout of a
# process slowed by valgrind or a loaded machine: a retry needs time left
export VASDOM_LLM_TIMEOUT=20
fake_server 500; export VASDOM_LLM_URL=$fake_url
fails 500 "Сколько стоит уборка?" "HTTP 500"
check_same "500: retried once" 2 "$(wc -l <"$fake_log" | tr -d ' ')"
fake_server malformed; export VASDOM_LLM_URL=$fake_url
fails malformed "Сколько стоит уборка?" "malformed JSON"
fake_server empty; export VASDOM_LLM_URL=$fake_url
fails "no choices" "Сколько стоит уборка?" "no choices"
export VASDOM_LLM_URL=http://127.0.0.1:$(closed_port)/v1
fails refused "Сколько стоит уборка?" "onnect"
fake_server 429once; export VASDOM_LLM_URL=$fake_url
check_same "429 then success: retried" llm "$(vasdom-ask 'Сколько стоит уборка?' | jq -r .source)"
check_same "every exchange was logged" 10 "$(sqlite3 "$VASDOM_DB" 'select count(*) from exchanges')"
done_testing
