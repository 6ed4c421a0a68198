#!/bin/sh
# Crash safety: vasdom-ask --record and vasdom-rate are killed (SIGKILL) in
# the middle of a 100,000-line import, again and again at random points.
# After every kill the database passes PRAGMA integrity_check, every line
# is stored whole or not at all, and every reply already printed is stored.
# Re-running the import with --skip-existing (keyed by client_id) finishes
# it without duplicates.
. "$(dirname "$0")/lib.sh"

lines=${VASDOM_CRASH_LINES:-100000}
kills=${VASDOM_CRASH_KILLS:-8}
plan $((8 * kills + 13))
db=$VASDOM_DB

# line N of the import: its client_id, question, answer and (one in three)
# rating are functions of N, so SQL can check a stored row against its line
awk -v n="$lines" 'BEGIN { for (i = 1; i <= n; i++) {
	r = i % 3 == 0 ? sprintf(",\"rating\":%d,\"feedback_text\":\"импорт %d\"", i % 5 + 1, i) : ""
	printf "{\"client_id\":\"imp-%d\",\"session_id\":\"s%d\",\"message\":\"Вопрос %d: как часто убирают подъезд дома %d?\",\"response\":\"Ответ %d: два раза в неделю.\"%s}\n", i, i % 97, i, i % 348, i, r } }' >"$T/imp.jsonl"

# a random delay in seconds, from $1 to $2
pause() { awk -v a="$1" -v b="$2" -v s="$$$(date +%N)" 'BEGIN { srand(s); printf "%.3f", a + rand() * (b - a) }'; }

# The exchanges that differ from their line, or are half-stored: a rating
# without its history row, or the other way round.
bad_exchanges() {
	# killed before the schema was there: then there must be no table at all
	if [ "$(sqlite3 "$db" "PRAGMA user_version")" = 0 ]; then
		sqlite3 "$db" "SELECT count(*) FROM sqlite_master"
		return
	fi
	sqlite3 "$db" "WITH x AS (SELECT *, CAST(substr(client_id, 5) AS INTEGER) AS n FROM exchanges)
	SELECT count(*) FROM x WHERE
	  x.client_id != 'imp-' || x.n OR x.session_id != 's' || (x.n % 97)
	  OR x.message != 'Вопрос ' || x.n || ': как часто убирают подъезд дома ' || (x.n % 348) || '?'
	  OR x.response != 'Ответ ' || x.n || ': два раза в неделю.' OR x.source != 'record'
	  OR (x.n % 3 = 0 AND x.rating IS NOT (x.n % 5 + 1) AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.client_id = 'rt-' || x.n))
	  OR (x.n % 3 != 0 AND x.rating IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.client_id = 'rt-' || x.n))
	  OR (x.n % 3 = 0) != EXISTS (SELECT 1 FROM ratings r WHERE r.log_id = x.log_id AND +r.client_id IS NULL
	      AND r.rating = x.n % 5 + 1 AND r.feedback_text = 'импорт ' || x.n)"
}

# Printed replies (whole lines only: the last may be cut) that the store
# does not hold as printed.
unstored() {
	jq -R -r 'fromjson? | select(.log_id) | [.log_id, .message] | @csv' "$@" >"$T/printed.csv"
	if ! [ -s "$T/printed.csv" ]; then echo 0; return; fi
	sqlite3 "$T/check.db" "DROP TABLE IF EXISTS printed; CREATE TABLE printed (log_id INTEGER, message TEXT);" \
		".import --csv '$T/printed.csv' printed" \
		"ATTACH 'file:$db?mode=ro' AS t;
		 SELECT count(*) FROM printed p WHERE NOT EXISTS (SELECT 1 FROM t.exchanges x
		   WHERE x.log_id = p.log_id AND x.message = p.message)"
}

# run_killed STORED OUT CMD: run CMD (an import writing replies to OUT)
# and SIGKILL it at a random point: on the first kill with STORED 0, after
# a random delay under 50 ms (so the schema may be half created); else once
# it has printed STORED replies (those it skips) and a random number of new
# ones, at most 1.5 times a fair share of the lines left counting one
# more run than there are kills, so no run can finish: the last kill
# lands by three quarters of what is left (with 1.5 times the share alone
# the last run could reach the end, and with replies printed a batch at
# a time, a fast run did). (Later kills wait for replies even with nothing stored yet:
# on a loaded machine creating the schema can take longer than 50 ms, and
# every kill then landed before the first line.) Prints CMD's exit status.
run_killed() {
	stored=$1 out=$2; shift 2
	"$@" &
	p=$!
	if [ "$stored" -eq 0 ] && [ "$k" -eq 1 ]; then
		sleep "$(pause 0 0.05)"
	else
		left=$((lines - stored))
		target=$(awk -v s="$stored" -v l="$left" -v k=$((kills - k + 1)) -v r="$(pause 0 1)" \
			'BEGIN { printf "%d", s + 1 + r * 1.5 * l / (k + 1) }')
		while kill -0 $p 2>/dev/null && [ "$(wc -l <"$out")" -lt "$target" ]; do
			sleep 0.02
		done
	fi
	kill -KILL $p 2>/dev/null
	wait $p 2>/dev/null
	echo $?
}

# --- vasdom-ask --record -------------------------------------------------
at=
k=0
while [ $k -lt "$kills" ]; do
	k=$((k + 1))
	stored=$(sqlite3 "$db" 'SELECT count(*) FROM exchanges' 2>/dev/null || echo 0)
	: >"$T/ask.$k"
	st=$(run_killed "${stored:-0}" "$T/ask.$k" 2>/dev/null \
		sh -c "exec vasdom-ask --record --skip-existing <'$T/imp.jsonl' >'$T/ask.$k' 2>'$T/ask.$k.err'")
	check_same "ask kill $k: killed by SIGKILL" 137 "$st"
	check_same "ask kill $k: integrity_check" ok "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)"
	check_same "ask kill $k: every stored line is whole and as given" 0 "$(bad_exchanges 2>&1)"
	check_same "ask kill $k: every printed reply is stored" 0 "$(unstored "$T/ask.$k" 2>&1)"
	at="$at $(sqlite3 "$db" 'SELECT count(*) FROM exchanges' 2>/dev/null)"
done
echo "# vasdom-ask --record killed with this many lines stored:$at"
check "the kills landed at different points, not all at the start or the end" \
	sh -c "echo '$at' | tr ' ' '\n' | sort -un | awk '\$1 > 0 && \$1 < $lines' | wc -l | awk '{ exit !(\$1 >= $kills / 2) }'"
before=$(sqlite3 "$db" 'SELECT count(*) FROM exchanges')
vasdom-ask --record --skip-existing <"$T/imp.jsonl" >"$T/ask.final" 2>"$T/ask.final.err"
check_same "the re-run completes the import, exit 0" "0:" "$?:$(head -c 300 "$T/ask.final.err")"
check_same "the re-run reports the lines stored before as existed" "$before $((lines - before))" \
	"$(jq -s -r '"\(map(select(.existed)) | length) \(map(select(.existed | not)) | length)"' "$T/ask.final")"
check_same "all $lines lines stored, each once" "$lines $lines $lines" \
	"$(sqlite3 -separator ' ' "$db" 'SELECT count(*), count(DISTINCT client_id), count(DISTINCT message) FROM exchanges')"
check_same "all stored as given" 0 "$(bad_exchanges)"
check_same "rating history: one row per rated line" $((lines / 3)) "$(sqlite3 "$db" 'SELECT count(*) FROM ratings')"

# --- vasdom-rate -----------------------------------------------------------
# rating N goes to the exchange of line N, with a rating and feedback of its own
sqlite3 "$db" "SELECT json_object('log_id', log_id, 'rating', (CAST(substr(client_id, 5) AS INTEGER) * 7) % 5 + 1,
	'feedback_text', 'отзыв ' || substr(client_id, 5), 'client_id', 'rt-' || substr(client_id, 5))
	FROM exchanges ORDER BY log_id" >"$T/rate.jsonl"
check_same "$lines rating lines" "$lines" "$(wc -l <"$T/rate.jsonl" | tr -d ' ')"

# A rating is whole when its history row is as sent and, being the latest,
# is what the exchange carries; an exchange without one keeps its import state.
bad_ratings() {
	sqlite3 "$db" "SELECT
	 (SELECT count(*) FROM ratings r JOIN exchanges x ON x.log_id = r.log_id WHERE r.client_id IS NOT NULL AND (
	   x.client_id != 'imp-' || substr(r.client_id, 4)
	   OR r.rating != (CAST(substr(r.client_id, 4) AS INTEGER) * 7) % 5 + 1
	   OR r.feedback_text != 'отзыв ' || substr(r.client_id, 4)
	   OR x.rating IS NOT r.rating OR x.feedback_text IS NOT r.feedback_text))
	 + (SELECT count(*) FROM exchanges x WHERE NOT EXISTS (SELECT 1 FROM ratings r WHERE r.log_id = x.log_id AND +r.client_id IS NOT NULL)
	   AND (x.rating IS NOT (SELECT r.rating FROM ratings r WHERE r.log_id = x.log_id)
	     OR x.feedback_text IS NOT (SELECT r.feedback_text FROM ratings r WHERE r.log_id = x.log_id)))"
}

at=
k=0
while [ $k -lt "$kills" ]; do
	k=$((k + 1))
	stored=$(sqlite3 "$db" 'SELECT count(*) FROM ratings WHERE client_id IS NOT NULL')
	: >"$T/rate.$k"
	st=$(run_killed $((stored + 1)) "$T/rate.$k" 2>/dev/null \
		sh -c "exec vasdom-rate --skip-existing <'$T/rate.jsonl' >'$T/rate.$k' 2>'$T/rate.$k.err'")
	check_same "rate kill $k: killed by SIGKILL" 137 "$st"
	check_same "rate kill $k: integrity_check" ok "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)"
	check_same "rate kill $k: every stored rating is whole, on exchange and history alike" 0 "$(bad_ratings 2>&1)"
	# printed replies carry log_id and rating: the exchange must have that rating on record
	jq -R -r 'fromjson? | select(.success) | [.log_id, .rating] | @csv' "$T/rate.$k" >"$T/rprinted.csv"
	check_same "rate kill $k: every printed rating is stored" 0 "$(sqlite3 "$T/check.db" \
		"DROP TABLE IF EXISTS rprinted; CREATE TABLE rprinted (log_id INTEGER, rating INTEGER);" \
		".import --csv '$T/rprinted.csv' rprinted" \
		"ATTACH 'file:$db?mode=ro' AS t;
		 SELECT count(*) FROM rprinted p WHERE NOT EXISTS (SELECT 1 FROM t.ratings r
		   WHERE r.log_id = p.log_id AND r.rating = p.rating AND +r.client_id IS NOT NULL)" 2>&1)"
	at="$at $(sqlite3 "$db" 'SELECT count(*) FROM ratings WHERE client_id IS NOT NULL' 2>/dev/null)"
done
echo "# vasdom-rate killed with this many ratings stored:$at"
before=$(sqlite3 "$db" 'SELECT count(*) FROM ratings WHERE client_id IS NOT NULL')
vasdom-rate --skip-existing <"$T/rate.jsonl" >"$T/rate.final" 2>"$T/rate.final.err"
check_same "the rating re-run completes, exit 0" "0:" "$?:$(head -c 300 "$T/rate.final.err")"
check_same "all $lines ratings applied once each" "$lines $lines" \
	"$(sqlite3 -separator ' ' "$db" 'SELECT count(*), count(DISTINCT client_id) FROM ratings WHERE client_id IS NOT NULL')"
check_same "all ratings whole" 0 "$(bad_ratings)"
check_same "the re-run's replies: one per line" "$lines" "$(jq -c 'select(.success)' "$T/rate.final" | wc -l | tr -d ' ')"
check "the kills landed at different points" \
	sh -c "echo '$at' | tr ' ' '\n' | sort -un | awk '\$1 > 0 && \$1 < $lines' | wc -l | awk '{ exit !(\$1 >= $kills / 2) }'"
check_same "integrity_check at the end" ok "$(sqlite3 "$db" 'PRAGMA integrity_check')"
done_testing
