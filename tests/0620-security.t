#!/bin/sh
# Security: files created 0600 whatever the umask; API keys (and a password
# in a service URL) never printed, logged or stored; TLS verified unless
# VASDOM_INSECURE=1; SQL injection strings stored verbatim.
. "$(dirname "$0")/lib.sh"
plan 34

# --- modes ---------------------------------------------------------------
umask 000
mkdir -p "$T/m"
mode() { stat -c %a "$1" 2>&1; }
vasdom-ask -d "$T/m/a.db" 'Сколько стоит уборка?' >/dev/null
check_same "database file 0600 under umask 000" 600 "$(mode "$T/m/a.db")"
# the -wal and -shm files exist while a process has the database open
mkfifo "$T/fifo"
vasdom-ask -d "$T/m/a.db" <"$T/fifo" >/dev/null &
p=$!
exec 3>"$T/fifo"
i=0; while [ ! -e "$T/m/a.db-shm" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check_same "-wal file 0600" 600 "$(mode "$T/m/a.db-wal")"
check_same "-shm file 0600" 600 "$(mode "$T/m/a.db-shm")"
echo 'Вопрос в открытую базу' >&3
exec 3>&-
wait $p
( unset VASDOM_DB; XDG_DATA_HOME=$T/xdg vasdom-ask 'Привет' >/dev/null )
check_same "default database 0600" 600 "$(mode "$T/xdg/vasdom/vasdom.db")"
check_same "...in a folder 0700" 700 "$(mode "$T/xdg/vasdom")"
printf '1 9\n' | vasdom-rate -d "$T/m/a.db" --rejects "$T/m/rejects" >/dev/null 2>&1
check_same "rejects file 0600" 600 "$(mode "$T/m/rejects")"
jq -nc '{message: "Вопрос \(range(12))", response: "Ответ", rating: 5}' | vasdom-ask -d "$T/m/a.db" --record >/dev/null
vasdom-export -d "$T/m/a.db" -o "$T/m/export.jsonl" >/dev/null
check_same "exported file 0600" 600 "$(mode "$T/m/export.jsonl")"
vasdom-export -d "$T/m/a.db" -f csv --split 0.5 -o "$T/m/split" >/dev/null
check_same "split export files 0600" "600 600" "$(mode "$T/m/split.train.csv") $(mode "$T/m/split.valid.csv")"
vasdom-stats -d "$T/m/a.db" -o "$T/m/stats.json"
check_same "stats file 0600" 600 "$(mode "$T/m/stats.json")"
vasdom-embed -d "$T/m/a.db" -q >/dev/null
vasdom-similar -d "$T/m/a.db" -t 'Сколько стоит уборка?' >/dev/null
check_same "search cache beside the database 0600" 600 "$(mode "$(ls "$T"/m/a.db.vec-* | head -n 1)")"
check_same "no file of ours is group- or world-readable" "" \
	"$(find "$T/m" "$T/xdg" -type f -perm /077 ! -name fifo)"
umask 022

# --- secrets -------------------------------------------------------------
rnd=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
llm_key=sk-llm-PLANTED-$rnd
embed_key=sk-embed-PLANTED-$rnd
url_pass=PASSWORD-PLANTED-$rnd
export VASDOM_DB=$T/leak.db VASDOM_LLM_KEY=$llm_key VASDOM_EMBED_KEY=$embed_key
mkdir "$T/leak"
fake_server ok;        ok=$fake_url;   ok_log=$fake_log
fake_server 500;       bad=$fake_url
fake_server malformed; malformed=$fake_url
fake_server slow;      slow=$fake_url
closed=http://127.0.0.1:$(closed_port)/v1
run() { name=$1; shift; "$@" >"$T/leak/$name.out" 2>"$T/leak/$name.err"; }
jq -nc '{message: "Как часто убирают подъезд \(range(3))?", response: "Два раза в неделю.", rating: 5}' |
	run record vasdom-ask --record
VASDOM_LLM_URL=$ok run ask-ok vasdom-ask 'Как часто убирают подъезд?'
check_same "the key was in use: the model answered" llm "$(jq -r .source "$T/leak/ask-ok.out")"
VASDOM_LLM_URL=$bad run ask-500 vasdom-ask 'Сколько стоит уборка?'
VASDOM_LLM_URL=$malformed run ask-malformed vasdom-ask 'Сколько стоит уборка?'
VASDOM_LLM_URL=$closed run ask-closed vasdom-ask 'Сколько стоит уборка?'
VASDOM_LLM_URL=$slow VASDOM_LLM_TIMEOUT=0.5 run ask-slow vasdom-ask 'Сколько стоит уборка?'
# credentials in the URL itself: user info and query
VASDOM_LLM_URL=$(echo "$bad" | sed "s|//|//vasdom:$url_pass@|")"?api-key=$url_pass" \
	run ask-urlpass vasdom-ask 'Сколько стоит уборка?'
check "errors were recorded (so there was something to leak)" \
	jqe -s 'map(.model_error) | all(. != null)' "$T"/leak/ask-500.out "$T"/leak/ask-malformed.out \
	"$T"/leak/ask-closed.out "$T"/leak/ask-slow.out "$T"/leak/ask-urlpass.out
check "the URL in messages keeps host and path" \
	jqe '.model_error | test("127.0.0.1:[0-9]+/v1/chat/completions: HTTP 500")' "$T/leak/ask-urlpass.out"
OPENAI_API_KEY=$llm_key VASDOM_LLM_KEY= VASDOM_LLM_URL=$bad \
	run ask-oldname vasdom-ask 'Сколько стоит уборка?'
export VASDOM_EMBED_URL=$ok VASDOM_EMBED_MODEL=fake-embed
run embed-ok vasdom-embed -q
run similar-ok vasdom-similar -t 'Как часто убирают подъезд?'
run ask-embed vasdom-ask 'Как часто убирают подъезд?'
VASDOM_EMBED_URL=$bad run embed-500 vasdom-embed -q --all
VASDOM_EMBED_URL=$bad run similar-500 vasdom-similar -t 'Как часто?'
VASDOM_EMBED_URL=$(echo "$bad" | sed "s|//|//u:$url_pass@|") run embed-urlpass vasdom-embed -q --all
VASDOM_LLM_URL=$ok run health vasdom-stats --health --probe
VASDOM_LLM_URL=$bad run health-bad vasdom-stats --health --probe
unset VASDOM_EMBED_URL VASDOM_EMBED_MODEL
jq -r .log_id "$T"/leak/ask-*.out | sed 's/$/ 5/' | run rate vasdom-rate
run stats vasdom-stats
run export vasdom-export
check "the remote embedder was in use" jqe '.embedded > 0 and .model == "fake-embed"' "$T/leak/embed-ok.out"
check "both keys went out" sh -c "grep -q 'Bearer $llm_key' '$ok_log' && grep -q 'Bearer $embed_key' '$ok_log'"
# everything the tools wrote, the database included, but not the services' own logs
leaks=$(grep -r -a -l -e "$llm_key" -e "$embed_key" -e "$url_pass" -e "PLANTED" "$T" \
	--exclude='fake-*.log' --exclude='*.t' 2>/dev/null)
check_same "no key or URL password in any output, error or database file" "" "$leaks"
check_same "...nor in a dump of the database" 0 "$(sqlite3 "$VASDOM_DB" .dump | grep -c PLANTED)"
check_same "and the outputs were many" 19 "$(ls "$T"/leak/*.out | wc -l | tr -d ' ')"

# --- TLS -----------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
cat "$T/key.pem" "$T/cert.pem" >"$T/tls.pem"
fake_server ok --tls "$T/tls.pem"
tls=$(echo "$fake_url" | sed 's|^http:|https:|')
export VASDOM_DB=$T/tls.db
VASDOM_LLM_URL=$tls vasdom-ask 'Сколько стоит уборка?' >"$T/tls1"
check_same "a self-signed certificate is refused" intent "$(jq -r .source "$T/tls1")"
check "...with a certificate error recorded" jqe '.model_error | test("certificate|SSL"; "i")' "$T/tls1"
for v in 0 yes true 2 ''; do
	VASDOM_INSECURE=$v VASDOM_LLM_URL=$tls vasdom-ask 'Сколько стоит уборка?' >"$T/tls2" 2>/dev/null
	printf '%s ' "$(jq -r .source "$T/tls2")"
done >"$T/tls-values"
check_same "VASDOM_INSECURE other than 1 keeps verification on" "intent intent intent intent intent " "$(cat "$T/tls-values")"
VASDOM_INSECURE=1 VASDOM_LLM_URL=$tls vasdom-ask 'Сколько стоит уборка?' >"$T/tls3"
check_same "VASDOM_INSECURE=1 turns it off" llm "$(jq -r .source "$T/tls3")"
VASDOM_EMBED_URL=$tls vasdom-embed -q -m fake-embed >"$T/tls4" 2>"$T/tls4.err"
check_same "the embedder refuses the certificate too: exit 1, nothing embedded" "1 0" "$? $(jq .embedded "$T/tls4")"
check "...saying why" grep -qi -e certificate -e SSL "$T/tls4.err"

# --- SQL injection -------------------------------------------------------
export VASDOM_DB=$T/inj.db
cat >"$T/inj.txt" <<'EOF'
'); DROP TABLE exchanges; --
" OR "1"="1
1; DELETE FROM ratings; SELECT '
Robert'); UPDATE exchanges SET rating = 1 WHERE ('a'='a
x' UNION SELECT sqlite_version() --
%s%s%s%n%x
EOF
echo "'); ATTACH DATABASE '$T/pwned.db' AS p; CREATE TABLE p.t(x); --" >>"$T/inj.txt"
jq -R -c --slurp 'split("\n")[:-1] | to_entries[] | {client_id: "\(.key)\(.value)",
	session_id: .value, message: "вопрос \(.key) \(.value)", response: "ответ \(.value)",
	rating: 5, feedback_text: .value, correction: .value}' "$T/inj.txt" >"$T/inj.jsonl"
vasdom-ask --record <"$T/inj.jsonl" >"$T/inj.out" 2>"$T/inj.err"
check_same "injection strings: every record stored" "7:" "$(jq -s length "$T/inj.out"):$(cat "$T/inj.err")"
sqlite3 -json "$VASDOM_DB" "SELECT client_id, session_id, message, response, rating, feedback_text, correction
	FROM exchanges ORDER BY log_id" >"$T/inj.stored"
check "...verbatim, in every field" jqe --slurpfile want "$T/inj.jsonl" '. == $want' "$T/inj.stored"
while IFS= read -r s; do vasdom-ask -s "$s" "$s" || echo fail; done <"$T/inj.txt" >"$T/inj.ask" 2>&1
check_same "asked as questions and sessions: 7 more exchanges" 14 "$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges')"
check_same "...each stored as given" 7 "$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE source != 'record' AND message = session_id")"
jq -c --slurpfile s "$T/inj.jsonl" '{log_id, rating: 4, feedback_text: $s[.log_id - 1].message,
	correction: $s[.log_id - 1].session_id, client_id: "rate \($s[.log_id - 1].session_id)"}' "$T/inj.out" |
	vasdom-rate >"$T/inj.rated"
check_same "rated with injection strings as feedback, correction and client_id" 7 \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM ratings r JOIN exchanges x USING (log_id)
	  WHERE r.feedback_text = x.message AND r.correction = x.session_id AND r.client_id = 'rate ' || x.session_id")"
vasdom-similar -t "$(head -n 1 "$T/inj.txt")" >"$T/inj.sim"
check "a similar query by injection text answers" jqe -s 'length > 0' "$T/inj.sim"
vasdom-export --system "$(sed -n 4p "$T/inj.txt")" --name "$(sed -n 1p "$T/inj.txt")" -o "$T/inj.exp" >/dev/null
check "exported with an injection string as system message" \
	jqe -s --arg s "$(sed -n 4p "$T/inj.txt")" 'length == 7 and all(.messages[0].content == $s)' "$T/inj.exp"
tables="SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"
check_same "all tables still there, nothing attached" "$(sqlite3 "$T/leak.db" "$tables") no" \
	"$(sqlite3 "$VASDOM_DB" "$tables") $(test -e "$T/pwned.db" && echo yes || echo no)"
check_same "the export was recorded under the given name" "$(sed -n 1p "$T/inj.txt")" \
	"$(sqlite3 "$VASDOM_DB" 'SELECT name FROM training_datasets')"
done_testing
