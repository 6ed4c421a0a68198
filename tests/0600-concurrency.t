#!/bin/sh
# Load: for VASDOM_LOAD_SECONDS (60) seconds, 4 processes ask, 2 rate and
# 1 embeds, in loops, against one database, with the language model and a
# remote embedder on 127.0.0.1. No process may fail ("database is locked"
# or anything else) and afterwards the store holds exactly what was
# submitted: every exchange and rating once, none lost, none twice.
. "$(dirname "$0")/lib.sh"
plan 18

secs=${VASDOM_LOAD_SECONDS:-60}

# eight processes that find no database create it at once: one schema,
# every record, no error; ten times, as the race (two switching a new file
# to WAL) was lost in 1 to 7 rounds of 100 before vd_db_open retried it
counts=
for r in 1 2 3 4 5 6 7 8 9 10; do
	for i in 1 2 3 4 5 6 7 8; do
		printf '{"message":"Первый вопрос %d","response":"Ответ"}\n' $i |
			vasdom-ask -d "$T/race$r.db" --record >/dev/null 2>>"$T/race.err" &
	done
	wait
	counts="$counts $(sqlite3 "$T/race$r.db" 'SELECT count(*) FROM exchanges')"
done
check_same "eight first opens at once, ten times: no error, eight records each" \
	": 8 8 8 8 8 8 8 8 8 8" "$(cat "$T/race.err"):$counts"

seed=200
fake_server ok
llm=$fake_url

# exchanges for the raters to rate, half of them rated already
i=0
while [ $i -lt $seed ]; do
	i=$((i + 1))
	if [ $((i % 2)) -eq 0 ]; then r=',"rating":5'; else r=''; fi
	printf '{"client_id":"seed-%d","message":"Вопрос %d: как часто проводится уборка подъезда?","response":"Ответ %d: два раза в неделю."%s}\n' $i $i $i "$r"
done >"$T/seed.jsonl"
vasdom-ask --record <"$T/seed.jsonl" >/dev/null 2>"$T/seed.err"
check_same "seed exchanges stored" $seed "$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges')"

end=$(($(date +%s) + secs))
: >"$T/failures"

# asker A: batches of 3 new questions per run; 1 and 2 through the model
asker() {
	a=$1 k=0
	if [ "$a" -le 2 ]; then export VASDOM_LLM_URL=$llm; fi
	while [ "$(date +%s)" -lt $end ]; do
		k=$((k + 1))
		printf 'Нагрузка a%d-%d-%d: сколько времени занимает уборка подъезда?\n' \
			"$a" "$k" 1 "$a" "$k" 2 "$a" "$k" 3 >"$T/batch.a$a"
		cat "$T/batch.a$a" >>"$T/sent.a$a"
		vasdom-ask -s "load-a$a" <"$T/batch.a$a" >>"$T/out.a$a" 2>>"$T/err.a$a" ||
			echo "ask $a run $k: exit $?" >>"$T/failures"
	done
}

# rater R: batches of 5 ratings of random seed exchanges, each with its own
# client_id
rater() {
	r=$1 k=0
	while [ "$(date +%s)" -lt $end ]; do
		k=$((k + 1))
		awk -v r="$r" -v k="$k" -v n=$seed -v s="$$$r$k" 'BEGIN { srand(s);
			for (m = 1; m <= 5; m++)
				printf "{\"log_id\":%d,\"rating\":%d,\"feedback_text\":\"r%d-%d-%d\",\"client_id\":\"r%d-%d-%d\"}\n",
				    1 + int(rand() * n), 1 + int(rand() * 5), r, k, m, r, k, m }' >"$T/batch.r$r"
		cat "$T/batch.r$r" >>"$T/sent.r$r"
		vasdom-rate <"$T/batch.r$r" >>"$T/out.r$r" 2>>"$T/err.r$r" ||
			echo "rate $r run $k: exit $?" >>"$T/failures"
	done
}

# the embedder: built-in and remote models in turn
embedder() {
	k=0
	while [ "$(date +%s)" -lt $end ]; do
		k=$((k + 1))
		if [ $((k % 2)) -eq 0 ]; then
			VASDOM_EMBED_URL=$llm vasdom-embed -q -m fake-embed >>"$T/out.e" 2>>"$T/err.e"
		else
			vasdom-embed -q >>"$T/out.e" 2>>"$T/err.e"
		fi || echo "embed run $k: exit $?" >>"$T/failures"
	done
}

workers=
for a in 1 2 3 4; do asker $a & workers="$workers $!"; done
for r in 1 2; do rater $r & workers="$workers $!"; done
embedder & workers="$workers $!"
pids="$pids $workers"
for p in $workers; do wait "$p"; done

check_same "no process failed" "" "$(cat "$T/failures")"
check_same "nothing on any standard error" "" "$(cat "$T"/err.*)"
check_same "no 'database is locked' anywhere" 0 "$(cat "$T"/err.* "$T"/out.* | grep -c -i locked)"

asked=$(cat "$T"/sent.a* | wc -l | tr -d ' ')
rated=$(cat "$T"/sent.r* | wc -l | tr -d ' ')
embeds=$(wc -l <"$T/out.e" | tr -d ' ')
echo "# $secs s: $asked questions asked, $rated ratings, $embeds embed runs, 7 processes"
check "the load was real: at least 4 questions and 10 ratings a second" \
	[ "$asked" -ge $((4 * secs)) -a "$rated" -ge $((10 * secs)) ]
check_same "one reply per question asked" "$asked" "$(cat "$T"/out.a* | jq -c 'select(.log_id > 0)' | wc -l | tr -d ' ')"
check_same "exchanges = seeds + questions asked" $((seed + asked)) \
	"$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges')"
sort "$T"/sent.a* >"$T/sent.sorted"
sqlite3 "$VASDOM_DB" "SELECT message FROM exchanges WHERE source != 'record'" | sort >"$T/stored.sorted"
check "the stored questions are exactly those asked, each once" cmp -s "$T/sent.sorted" "$T/stored.sorted"
check_same "every printed log id is a distinct stored exchange" "$asked" \
	"$(cat "$T"/out.a* | jq -r .log_id | sort -u | wc -l | tr -d ' ')"
check_same "one success reply per rating" "$rated" "$(cat "$T"/out.r* | jq -c 'select(.success)' | wc -l | tr -d ' ')"
check_same "rating history = seed ratings + ratings sent" $((seed / 2 + rated)) \
	"$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM ratings')"
cat "$T"/sent.r* | jq -r .client_id | sort >"$T/rsent"
sqlite3 "$VASDOM_DB" 'SELECT client_id FROM ratings WHERE client_id IS NOT NULL' | sort >"$T/rstored"
check "the stored ratings are exactly those sent, each once" cmp -s "$T/rsent" "$T/rstored"
check_same "each exchange carries its latest rating" 0 "$(sqlite3 "$VASDOM_DB" \
	'SELECT count(*) FROM exchanges x WHERE x.rating IS NOT
	 (SELECT r.rating FROM ratings r WHERE r.log_id = x.log_id ORDER BY r.id DESC LIMIT 1)')"
check "the embedder ran in both models" jqe -s '(map(.model) | unique) == ["builtin","fake-embed"]' "$T/out.e"

vasdom-embed -q >"$T/final" 2>&1
check_same "afterwards every exchange has a built-in vector" "$((seed + asked))" \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM embeddings WHERE model = 'builtin'")"
check_same "and another embed run has nothing to do" 0 "$(vasdom-embed -q | jq .embedded)"
check_same "integrity_check" ok "$(sqlite3 "$VASDOM_DB" 'PRAGMA integrity_check')"
done_testing
