#!/bin/sh
# vasdom-stats --health: database reachable, writable, schema current;
# services configured and, with --probe, answering. Exit 0 healthy,
# 1 degraded, 3 unhealthy.
. "$(dirname "$0")/lib.sh"
plan 27

vasdom-ask --record </dev/null >/dev/null    # creates the database
vasdom-stats --health >"$T/h"
check_same "offline (no language model): degraded, exit 1" "1 degraded" "$? $(jq -r .status "$T/h")"
check "database ok, writable, schema current" \
	jqe '.database == "ok" and .database_error == null and .writable and .schema_current
	and .schema_version == .schema_expected' "$T/h"
check "llm not_configured, built-in embedder, nothing probed" \
	jqe '.llm == "not_configured" and .embedder == "builtin" and .embedding_model == "builtin" and .probed == false' "$T/h"

fake_server ok
export VASDOM_LLM_URL=$fake_url VASDOM_LLM_KEY=sk-secret-4242 VASDOM_LLM_MODEL=fake-model
vasdom-stats --health >"$T/h"
check_same "language model configured: healthy, exit 0" "0 healthy configured" "$? $(jq -r '"\(.status) \(.llm)"' "$T/h")"
check "without --probe nothing is asked" test ! -s "$fake_log"
vasdom-stats --health --probe >"$T/h" 2>"$T/err"
check_same "--probe: reachable, exit 0" "0 healthy reachable" "$? $(jq -r '"\(.status) \(.llm)"' "$T/h")"
check_same "...by GET /v1/models with the key" "GET /v1/models Bearer sk-secret-4242" \
	"$(jq -r '"\(.method) \(.path) \(.auth)"' "$fake_log")"
check_same "llm_model named" fake-model "$(jq -r .llm_model "$T/h")"

export VASDOM_EMBED_URL=$fake_url VASDOM_EMBED_MODEL=fake-embed
vasdom-stats --health --probe >"$T/h"
check_same "remote embedder reachable too" "0 reachable fake-embed" "$? $(jq -r '"\(.embedder) \(.embedding_model)"' "$T/h")"
check_same "...probed at /v1/models as well" 3 "$(grep -c '"path": "/v1/models"' "$fake_log")"
VASDOM_EMBED_URL=${fake_url%/v1}/api/embed vasdom-stats --health --probe >/dev/null
check_same "Ollama's /api/embed is probed at /api/tags" "/api/tags" "$(tail -1 "$fake_log" | jq -r .path)"

# failing services: degraded, with the reason, never the key
port=$(closed_port)
VASDOM_LLM_URL=http://127.0.0.1:$port/v1 vasdom-stats --health --probe >"$T/h" 2>"$T/err"
check_same "refused connection: degraded, exit 1" "1 degraded unreachable" "$? $(jq -r '"\(.status) \(.llm)"' "$T/h")"
check "...llm_error says what" jqe '.llm_error | test("127.0.0.1")' "$T/h"
check "...the key appears nowhere" sh -c '! grep -q sk-secret-4242 "$1" "$2"' sh "$T/h" "$T/err"
check_same "...while the embedder, still answering, is reachable" reachable "$(jq -r .embedder "$T/h")"
fake_server 500
VASDOM_EMBED_URL=$fake_url vasdom-stats --health --probe >"$T/h"
check_same "embedder answering 500: degraded" "1 degraded unreachable" "$? $(jq -r '"\(.status) \(.embedder)"' "$T/h")"
check "...HTTP 500 in embedder_error" jqe '.embedder_error | test("500")' "$T/h"
fake_server slow
start=$(date +%s)
VASDOM_LLM_URL=$fake_url VASDOM_LLM_TIMEOUT=1 vasdom-stats --health --probe >"$T/h"
check_same "a slow service times out: degraded" "1 unreachable" "$? $(jq -r .llm "$T/h")"
check "...by the 1 s timeout, long before the service's 30 s" test $(($(date +%s) - start)) -lt 15
unset VASDOM_EMBED_URL VASDOM_EMBED_MODEL

# database problems: unhealthy, exit 3
vasdom-stats --health -d "$T/missing.db" >"$T/h"
check_same "missing database: unhealthy, exit 3" "3 unhealthy error" "$? $(jq -r '"\(.status) \(.database)"' "$T/h")"
check "...and not created by the check" test ! -e "$T/missing.db"
printf 'this is not a database, it is a text file long enough to have a header.%0200d\n' 0 >"$T/junk.db"
check_fails "not a database: exit 3" 3 vasdom-stats --health -d "$T/junk.db" -o "$T/h"
check "...database_error says so" jqe '.database_error | test("not a database")' "$T/h"
cp "$VASDOM_DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
check_fails "schema newer than the program: exit 3" 3 vasdom-stats --health -d "$T/newer.db" -o "$T/h"
check "...schema_version 99 reported" jqe '.schema_version == 99 and .schema_current == false' "$T/h"
cp "$VASDOM_DB" "$T/older.db"
sqlite3 "$T/older.db" 'PRAGMA user_version = 0'
check_fails "older schema (the next run migrates): degraded, exit 1" 1 vasdom-stats --health -d "$T/older.db" -o "$T/h"
check_same "-f csv: header" "status,database,database_error,writable,schema_version,schema_expected,schema_current,llm,llm_model,llm_error,embedder,embedding_model,embedder_error,profile,profile_error,probed,checked_at" \
	"$(vasdom-stats --health -f csv | head -1)"
done_testing
