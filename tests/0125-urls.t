#!/bin/sh
# Configuration checked early: a language-model or embedding URL that is
# not http or https, names no host, or cannot be parsed stops every tool at
# the start (exit 3) naming the variable and the URL, any credential in it
# masked, instead of failing over to another source on every question.
. "$(dirname "$0")/lib.sh"
plan 14

bad() { # VAR URL DESC MESSAGE: vasdom-ask with VAR=URL
	env "$1=$2" vasdom-ask 'Сколько стоит уборка?' >"$T/out" 2>"$T/err"
	check_same "$3: exit 3 at the start" "3 0" "$? $(wc -c <"$T/out" | tr -d ' ')"
	check_same "...naming the variable and the URL" "vasdom-ask: $1: $4" "$(cat "$T/err")"
}
bad VASDOM_LLM_URL 'localhost:8080/v1' "no scheme" "'localhost:8080/v1' has no http:// or https:// in front"
bad VASDOM_LLM_URL 'ftp://files.example.org/v1' "another scheme" "'ftp://files.example.org/v1' is not an http or https URL"
bad VASDOM_LLM_URL 'http://exa mple.org/v1' "unparsable" "'http://exa mple.org/v1' is not a URL: Bad hostname"
bad VASDOM_LLM_URL 'http://:8080/v1' "no host" "'http://:8080/v1' is not a URL: No host part in the URL"
bad VASDOM_EMBED_URL 'file:///etc/passwd' "the embedding URL too" "'file:///etc/passwd' is not an http or https URL"
VASDOM_LLM_URL='sftp://vasdom:s3cret-pass@llm.example.org/v1?api-key=sk-s3cret#x' vasdom-ask 'Вопрос' 2>"$T/err"
check_same "credentials masked: user, password, query" \
	"vasdom-ask: VASDOM_LLM_URL: 'sftp://***@llm.example.org/v1?***' is not an http or https URL" "$(cat "$T/err")"
check_same "nothing was logged" 0 "$(sqlite3 "$VASDOM_DB" 'select count(*) from exchanges' 2>/dev/null || echo 0)"
VASDOM_EMBED_URL=embeddings.local vasdom-stats >/dev/null 2>&1
check_same "every tool checks: vasdom-stats exit 3" 3 $?
fake_server ok
VASDOM_LLM_URL=$(echo "$fake_url" | sed 's|^http|HTTP|') vasdom-ask -r 'Сколько стоит уборка?' >"$T/ok"
check_same "a good URL (any case of scheme) still answers" "Модель: уборка подъездов проводится по графику, согласованному с УК." "$(cat "$T/ok")"
done_testing
