#!/bin/sh
# vasdom-serve under load: 16 clients, half asking, half rating, each with
# a fixed number of requests and a time limit (VASDOM_LOAD_SECONDS, 10 s
# here; make bench runs the 30 s version): no 5xx, the exact counts in the
# database afterwards, integrity_check ok; 200 idle connections do not
# stop a new client being served; a SIGTERM during the load loses no
# acknowledged exchange or rating.
. "$(dirname "$0")/lib.sh"
plan 14
secs=${VASDOM_LOAD_SECONDS:-10}

vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
ids=$(sqlite3 "$VASDOM_DB" "SELECT group_concat(log_id) FROM exchanges")
base=$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges")

load() { python3 "$top/tests/serve-load.py" --url "$url" --ids "$ids" "$@"; }
q() { sqlite3 "$VASDOM_DB" "$1"; }
# acked PATH: the acknowledged requests to PATH, from $T/acked
acked() { jq -c --arg p "$1" 'select(.path == $p)' "$T/acked" | wc -l | tr -d ' '; }

serve -t 4
load --clients 16 --requests 400 --seconds "$secs" --acked "$T/acked" >"$T/sum"
sed 's/^/# /' "$T/sum"
check_same "no status but 200 (no 5xx, nothing refused)" "" \
	"$(jq -r '.count | keys[] | select(endswith(" 200") | not)' "$T/sum")"
asked=$(acked /api/voice/process) rated=$(acked /api/voice/feedback)
check "both kinds were served ($asked asked, $rated rated)" test "$asked" -gt 16 -a "$rated" -gt 16
check_same "exactly one exchange logged per acknowledged question" $((base + asked)) \
	"$(q 'SELECT count(*) FROM exchanges')"
check_same "exactly one rating stored per acknowledged rating" "$rated" \
	"$(q "SELECT count(*) FROM ratings WHERE feedback_text LIKE 'load-%'")"
jq -r 'select(.path == "/api/voice/process") | .log_id' "$T/acked" | sort -n >"$T/want"
q "SELECT log_id FROM exchanges WHERE message LIKE '%(load-%' ORDER BY log_id" >"$T/got"
check "...each under the log id its reply gave" cmp -s "$T/want" "$T/got"
check_same "integrity_check ok" ok "$(q 'PRAGMA integrity_check')"
check "the access log: a line per request" \
	test "$(grep -c '"POST /api/voice/' "$log")" -eq $((asked + rated))

# 200 idle connections, some halfway through their headers
python3 -c '
import socket, sys, time
socks = []
for i in range(200):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    if i % 2:
        s.send(b"POST /api/voice/process HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(8)
' "${url##*:}" "$T/idle" &
idle=$!
i=0; while [ ! -e "$T/idle" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check "200 idle connections are open" test -e "$T/idle"
check_same "...a new client is served all the same" 200 \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/api/learning/stats")"
check_same "...and can ask" 200 "$(curl -s -m 5 -o /dev/null -w '%{http_code}' \
	-d '{"message":"Когда приходит бригада?"}' "$url/api/voice/process")"
kill $idle 2>/dev/null; wait $idle 2>/dev/null

# SIGTERM in the middle of the load: nothing acknowledged is lost
q "DELETE FROM ratings WHERE feedback_text LIKE 'load-%'"
load --clients 16 --requests 100000 --seconds 30 --stop-on-refused --acked "$T/acked" >"$T/sum2" &
ld=$!
sleep 3
kill -TERM "$srv"
wait "$srv"
check_same "SIGTERM under load: exit 0" 0 $?
wait $ld
sed 's/^/# /' "$T/sum2"
asked=$(acked /api/voice/process) rated=$(acked /api/voice/feedback)
jq -r 'select(.path == "/api/voice/process") | .log_id' "$T/acked" | sort >"$T/want"
q "SELECT log_id FROM exchanges" | sort >"$T/all"
check "every acknowledged exchange ($asked) is in the database" \
	sh -c "[ $asked -gt 0 ] && [ -z \"\$(comm -23 '$T/want' '$T/all')\" ]"
jq -r 'select(.path == "/api/voice/feedback") | .tag' "$T/acked" | sort >"$T/want"
q "SELECT feedback_text FROM ratings WHERE feedback_text LIKE 'load-%' ORDER BY 1" | sort >"$T/got"
check "every acknowledged rating ($rated) is stored" \
	sh -c "[ $rated -gt 0 ] && [ -z \"\$(comm -23 '$T/want' '$T/got')\" ]"
check_same "...integrity_check ok" ok "$(q 'PRAGMA integrity_check')"
done_testing
