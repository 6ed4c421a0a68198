#!/bin/sh
# vasdom-serve: each endpoint's body is what the matching tool prints for
# the same database state (field by field), each error its status and the
# tools' text, the token, CORS, the access log and SIGTERM.
. "$(dirname "$0")/lib.sh"
plan 77

vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
rated_scenario

stop() { kill -TERM "$srv"; wait "$srv"; }
# req METHOD PATH [curl args]: body to $T/body, status printed
req() { m=$1 p=$2; shift 2; curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$url$p"; }
post() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
# same fields as the tool's line, but those that differ by nature
strip() { jq -S 'del(.log_id, .session_id, .created_at, .response_time, .checked_at)' "$@"; }

serve
check_same "GET / is 200" 200 "$(req GET /)"
check_same "GET / names the server and version" "vasdom-serve $(vasdom-ask --version | cut -d' ' -f2)" \
	"$(jq -r '.name + " " + .version' "$T/body")"

# health: the vasdom-stats --health object
check_same "GET /api/health is 200 when the database works" 200 "$(req GET /api/health)"
vasdom-stats --health >"$T/cli"
check_same "...the vasdom-stats --health object" "$(strip "$T/cli")" "$(strip "$T/body")"

# process: the vasdom-ask reply
q='Сколько стоит уборка подъезда?'
check_same "POST /api/voice/process is 200" 200 "$(post /api/voice/process "$(jq -nc --arg m "$q" '{message: $m}')")"
cp "$T/body" "$T/asked"
vasdom-ask "$q" >"$T/cli"
check_same "...the vasdom-ask reply, field by field" "$(strip "$T/cli")" "$(strip "$T/asked")"
check "...with confidence and handover" jqe 'has("confidence") and has("handover")' "$T/asked"
check "...logged: its log id is in the database" \
	test "$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE log_id = $(jq .log_id "$T/asked")")" = 1
check_same "...a new session when none is given" 32 "$(jq -r '.session_id | length' "$T/asked")"
post /api/voice/process '{"message":"Когда приходит бригада?","session_id":"web-7"}' >/dev/null
check_same "...the session given is kept" web-7 "$(jq -r .session_id "$T/body")"

# a retry with the same client_id: the stored exchange, not a second one
post /api/voice/process '{"message":"Когда приходит бригада?","client_id":"web-retry-1"}' >/dev/null
first=$(jq .log_id "$T/body")
post /api/voice/process '{"message":"Когда приходит бригада?","client_id":"web-retry-1"}' >/dev/null
check_same "a retried client_id: the same log id, existed" "$first true" "$(jq -r '"\(.log_id) \(.existed)"' "$T/body")"
check_same "...logged once" 1 "$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE client_id = 'web-retry-1'")"

# feedback: the vasdom-rate reply (the same exchange rated again: the same line)
id=$(jq .log_id "$T/asked")
check_same "POST /api/voice/feedback is 200" 200 \
	"$(post /api/voice/feedback "{\"log_id\":$id,\"rating\":5,\"feedback_text\":\"спасибо\"}")"
vasdom-rate "$id" 5 спасибо >"$T/cli"
check_same "...the vasdom-rate reply, byte for byte" "$(cat "$T/cli")" "$(cat "$T/body")"
post /api/voice/feedback "{\"log_id\":$id,\"rating\":2,\"correction\":\"Цену считает менеджер.\"}" >/dev/null
check_same "...stored with its correction" "2|Цену считает менеджер." \
	"$(sqlite3 "$VASDOM_DB" "SELECT rating, correction FROM exchanges WHERE log_id = $id")"
vasdom-rate "$id" 2 >"$T/cli"
check_same "...a poor rating: the same reply as vasdom-rate" "$(cat "$T/cli")" "$(cat "$T/body")"

# a rating posted is seen by the next question: each worker's asker
# learns through the change log, as one long-running vasdom-ask does
q2='Вы обслуживаете дома в Обнинске?'
fix='Нет, только Калугу: 348 домов, 6 бригад.'
post /api/voice/process "$(jq -nc --arg m "$q2" '{message: $m}')" >/dev/null
cp "$T/body" "$T/q2"
check "a question with no good answer: not the correction yet" test "$(jq -r .response "$T/q2")" != "$fix"
check_same "...rated 5 with a correction through /api/voice/feedback" 200 \
	"$(post /api/voice/feedback "$(jq -nc --argjson id "$(jq .log_id "$T/q2")" --arg c "$fix" \
		'{log_id: $id, rating: 5, correction: $c}')")"
for i in 1 2 3 4; do
	post /api/voice/process "$(jq -nc --arg m "$q2" '{message: $m}')" >/dev/null
	jq -r '"\(.source)|\(.response)|\(.similar[0].log_id)"' "$T/body"
done | sort -u >"$T/again"
check_same "...asked again (4 times): the correction, from that exchange" \
	"experience|$fix|$(jq .log_id "$T/q2")" "$(cat "$T/again")"

# stats and metrics: byte for byte
check_same "GET /api/learning/stats is 200" 200 "$(req GET /api/learning/stats)"
check_same "...the vasdom-stats line, byte for byte" "$(vasdom-stats)" "$(cat "$T/body")"
check_same "GET /metrics is 200" 200 "$(req GET /metrics)"
check_same "...the text of vasdom-stats -f prometheus" "$(vasdom-stats -f prometheus)" "$(cat "$T/body")"
check_same "...as Prometheus text" "text/plain; version=0.0.4; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{content_type}' "$url/metrics")"

# export: the bytes of vasdom-export, streamed, and recorded as it records
n0=$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM training_datasets')
d0=$(sqlite3 "$VASDOM_DB" 'SELECT coalesce(max(id), 0) FROM training_datasets')
check_same "GET /api/learning/export is 200" 200 "$(req GET '/api/learning/export?days=30')"
vasdom-export --days 30 >"$T/cli"
check "...the bytes of vasdom-export --days 30" cmp -s "$T/cli" "$T/body"
check_same "...as application/x-ndjson" "application/x-ndjson" \
	"$(curl -s -o /dev/null -w '%{content_type}' "$url/api/learning/export")"
check_same "...recorded in training_datasets, as vasdom-export records" $((n0 + 3)) \
	"$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM training_datasets')"
# lineage: the served export (d0 + 1) keeps the log ids it wrote, the same
# as vasdom-export's (d0 + 2), so vasdom-log --forget names it
lineage() { sqlite3 "$VASDOM_DB" "SELECT count(*) || ':' || group_concat(hex(log_ids), '')
	FROM (SELECT log_ids FROM export_lineage WHERE dataset_id = $1 ORDER BY chunk)"; }
check "...with the log ids it wrote (export lineage)" test "$(lineage $((d0 + 1)))" != "0:"
check_same "...the same as vasdom-export's" "$(lineage $((d0 + 2)))" "$(lineage $((d0 + 1)))"
exported=$(jq -r '.metadata.log_id' "$T/body" | tail -n 1)
check_same "vasdom-log --forget names the served export that held an exchange" \
	"$(sqlite3 "$VASDOM_DB" "SELECT name FROM training_datasets WHERE id = $((d0 + 1))")" \
	"$(vasdom-log --forget --dry-run --log-id "$exported" |
		jq -r --argjson d $((d0 + 1)) '.exports[] | select(.dataset_id == $d) | .name')"
req GET '/api/learning/export?format=csv&min_rating=5&max=3' >/dev/null
vasdom-export -f csv --min-rating 5 --max 3 >"$T/cli"
check "format=csv&min_rating=5&max=3: the bytes of vasdom-export -f csv --min-rating 5 --max 3" \
	cmp -s "$T/cli" "$T/body"
check_same "days=0: 400" "400 days: expected a whole number from 1 to 36500, got '0'" \
	"$(req GET '/api/learning/export?days=0') $(jq -r .error "$T/body")"
check_same "an unknown format: 400" 400 "$(req GET '/api/learning/export?format=xml')"

# similar: the hits vasdom-similar prints for the log id, as an array
vasdom-embed >/dev/null
check_same "GET /api/learning/similar/ID is 200" 200 "$(req GET "/api/learning/similar/$id")"
vasdom-similar "$id" >"$T/cli"
check_same "...the lines of vasdom-similar ID, field by field" "$(jq -cS . "$T/cli")" "$(jq -cS '.[]' "$T/body")"
check_same "...five hits, the query not among them" "5 0" \
	"$(jq --argjson id "$id" '"\(length) \([.[] | select(.log_id == $id)] | length)"' -r "$T/body")"
check_same "limit=2&min_score=0.2&min_rating=4: 200" 200 \
	"$(req GET "/api/learning/similar/$id?limit=2&min_score=0.2&min_rating=4")"
vasdom-similar -n 2 --min-score 0.2 --min-rating 4 "$id" >"$T/cli"
check_same "...as vasdom-similar -n 2 --min-score 0.2 --min-rating 4" "$(jq -cS . "$T/cli")" "$(jq -cS '.[]' "$T/body")"
check_same "no hits (vasdom-similar prints none, exit 1): an empty array" \
	"$(vasdom-similar --min-score 1 --min-rating 5 "$id"; echo $?) 200 []" \
	"1 $(req GET "/api/learning/similar/$id?min_score=1&min_rating=5") $(jq -c . "$T/body")"
vasdom-similar 999999 2>"$T/cli.err"
check_same "an unknown log id: 404 with vasdom-similar's text" "404 $(sed 's/^vasdom-similar: //' "$T/cli.err")" \
	"$(req GET /api/learning/similar/999999) $(jq -r .error "$T/body")"
vasdom-similar -n 0 "$id" 2>"$T/cli.err"
check_same "limit=0: 400 with vasdom-similar -n's text" "400 limit: $(sed 's/^vasdom-similar: -n: //' "$T/cli.err")" \
	"$(req GET "/api/learning/similar/$id?limit=0") $(jq -r .error "$T/body")"
vasdom-similar --min-score x "$id" 2>"$T/cli.err"
check_same "min_score=x: 400 with vasdom-similar --min-score's text" \
	"400 min_score: $(sed 's/^vasdom-similar: --min-score: //' "$T/cli.err")" \
	"$(req GET "/api/learning/similar/$id?min_score=x") $(jq -r .error "$T/body")"
vasdom-similar 12x 2>"$T/cli.err"
check_same "a log id that is not one: 400 with vasdom-similar's text" "400 $(sed 's/^vasdom-similar: //' "$T/cli.err")" \
	"$(req GET /api/learning/similar/12x) $(jq -r .error "$T/body")"
check_same "POST to it: 405" 405 "$(req POST "/api/learning/similar/$id")"

# errors: the tools' one-line texts, as JSON, with their status
err() { jq -r .error "$T/body"; }
check_same "broken JSON: 400" 400 "$(post /api/voice/process '{"message":')"
printf '{"message":\n' | vasdom-ask -i jsonl 2>"$T/cli.err" >/dev/null
check_same "...with vasdom-ask's text" "$(sed 's/^vasdom-ask: line 1: //' "$T/cli.err")" "$(err)"
check_same "not an object: 400" 400 "$(post /api/voice/process '[1]')"
check_same "no message: 400, 'no message'" "400 no message" "$(post /api/voice/process '{}') $(err)"
check_same "empty message: 400" "400 empty message" "$(post /api/voice/process '{"message":"  "}') $(err)"
long=$(python3 -c 'print("я" * 2001)')
check_same "2001 characters: 400" "400 message has 2001 characters, more than 2000" \
	"$(post /api/voice/process "{\"message\":\"$long\"}") $(err)"
check_same "rating 6: 400" "400 rating: expected a whole number from 1 to 5, got 6" \
	"$(post /api/voice/feedback "{\"log_id\":$id,\"rating\":6}") $(err)"
check_same "rating 4.5: 400" 400 "$(post /api/voice/feedback "{\"log_id\":$id,\"rating\":4.5}")"
check_same "unknown log id: 404 with vasdom-rate's text" "404 log 999999 not found" \
	"$(post /api/voice/feedback '{"log_id":999999,"rating":5}') $(err)"
check_same "unknown path: 404" 404 "$(req GET /api/nothing)"
check_same "GET on a POST endpoint: 405" 405 "$(req GET /api/voice/process)"
check_same "...saying what is allowed" "POST, OPTIONS" \
	"$(curl -s -o /dev/null -D - "$url/api/voice/process" | tr -d '\r' | sed -n 's/^Allow: //p')"
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
check_same "a body over 64 KiB: 413" 413 "$(req POST /api/voice/process --data-binary @"$T/big")"
check_same "...chunked too" 413 "$(req POST /api/voice/process -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")"
check_same "no CORS header unless --cors" "" \
	"$(curl -s -o /dev/null -D - -H 'Origin: https://evil.example' "$url/" | grep -i '^access-control')"

# the database unavailable: a writer holding it past the busy timeout
stop
export VASDOM_BUSY_TIMEOUT=200
serve
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE"); open(sys.argv[2], "w").close(); time.sleep(3)
' "$VASDOM_DB" "$T/locked" &
lock=$!
i=0; while [ ! -e "$T/locked" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check_same "a locked database: 503" 503 "$(post /api/voice/feedback "{\"log_id\":$id,\"rating\":5}")"
check "...with the database's message" jqe '.error | test("locked")' "$T/body"
wait $lock
unset VASDOM_BUSY_TIMEOUT

# SIGTERM: exits 0; the access log has no message text
stop
check_same "SIGTERM: exit 0" 0 $?
check "the access log has a line per request with its status" grep -q '"POST /api/voice/feedback" 404 ' "$T/serve1.err"
check "...and no message text" sh -c "! grep -q 'уборка' '$T/serve1.err'"

# the token: every endpoint but health, and needed beyond the loopback
VASDOM_SERVE_TOKEN=s3cret serve
check_same "with a token set, none given: 401" "401 missing or wrong bearer token" "$(req GET /api/learning/stats) $(err)"
check_same "...a wrong one: 401" 401 "$(req GET /metrics -H 'Authorization: Bearer s3creT')"
check_same "...the right one: 200" 200 "$(req GET /metrics -H 'Authorization: Bearer s3cret')"
check_same "...health needs none" 200 "$(req GET /api/health)"
stop
check_fails "listening beyond the loopback without a token: exit 2" 2 \
	vasdom-serve -l 0.0.0.0:"$(closed_port)" 2>/dev/null
check "...saying why" sh -c "vasdom-serve -l 0.0.0.0:1 2>&1 | grep -q VASDOM_SERVE_TOKEN"

# CORS when asked: the origin on replies, a preflight answered
serve --cors https://bot.example.org
check_same "--cors: the origin on replies" "https://bot.example.org" \
	"$(curl -s -o /dev/null -D - "$url/" | tr -d '\r' | sed -n 's/^Access-Control-Allow-Origin: //p')"
check_same "...a preflight: 204" 204 "$(req OPTIONS /api/voice/process -H 'Origin: https://bot.example.org' \
	-H 'Access-Control-Request-Method: POST')"
stop

# nothing to export: 404 with vasdom-export's text
vasdom-ask --record -d "$T/empty.db" </dev/null
serve -d "$T/empty.db"
vasdom-export -d "$T/empty.db" 2>"$T/cli.err"
check_same "nothing to export: 404 with vasdom-export's text" \
	"404 $(sed 's/^vasdom-export: //' "$T/cli.err")" "$(req GET /api/learning/export) $(jq -r .error "$T/body")"
stop

# health unhealthy: the database gone
serve
mv "$VASDOM_DB" "$T/moved.db"
check_same "the database gone: health is 503" 503 "$(req GET /api/health)"
mv "$T/moved.db" "$VASDOM_DB"
stop

# the example systemd unit: systemd reads it (the binary under test in
# place of the installed one), sandboxed, the token from a file
unit=$top/scripts/vasdom-serve.service
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/unit"
	sed "s|/usr/local/bin/vasdom-serve|$(command -v vasdom-serve)|; /^Documentation=/d" "$unit" \
		>"$T/unit/vasdom-serve.service"
	check "systemd-analyze verify: the unit is well formed" \
		sh -c "systemd-analyze verify '$T/unit/vasdom-serve.service' >'$T/verify' 2>&1 && ! grep -q . '$T/verify'"
else
	skip "systemd-analyze is not installed"
fi
check "...the token from an EnvironmentFile, sandboxed" \
	sh -c "grep -q '^EnvironmentFile=' '$unit' && grep -q '^ProtectSystem=strict' '$unit' &&
		grep -q '^DynamicUser=yes' '$unit' && ! grep -q 'VASDOM_SERVE_TOKEN=[^%]' '$unit'"
done_testing
