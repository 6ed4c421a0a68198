#!/bin/sh
# Bulk writes in batches: vasdom-ask --record and vasdom-rate store many
# lines in one transaction, each line a savepoint. A bad line is rejected
# alone, the lines around it stored; a reply is printed only once its line
# is committed, so when the run dies in the middle of a batch, the
# replies printed are exactly the lines stored; --skip-existing stays exact.
. "$(dirname "$0")/lib.sh"
plan 20

vasdom-ask --record </dev/null >/dev/null
# 3000 lines; line 1000 has no response, line 2000 repeats line 1999's
# client_id: both rejected, alone
awk 'BEGIN { for (i = 1; i <= 3000; i++) {
	c = i == 2000 ? 1999 : i
	r = i == 1000 ? "" : sprintf(",\"response\":\"Ответ %d\"", i)
	printf "{\"client_id\":\"c%d\",\"message\":\"Вопрос %d\"%s%s}\n", c, i, r, i % 3 ? "" : ",\"rating\":4" } }' >"$T/in.jsonl"
vasdom-ask --record <"$T/in.jsonl" >"$T/out" 2>"$T/err"
check_same "two bad lines: exit 1" 1 $?
check_same "...each rejected by its line number" "line 1000|line 2000" \
	"$(sed -n 's/^vasdom-ask: \(line [0-9]*\):.*/\1/p' "$T/err" | tr '\n' '|' | sed 's/|$//')"
check_same "...every other line stored, in order, rated ones with their history" "2998|2998|1000|1000" \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*), sum(message = 'Вопрос ' || substr(client_id, 2)), count(rating) FROM exchanges;
		SELECT count(*) FROM ratings" | tr '\n' '|' | sed 's/|$//')"
check_same "...no line of the bad ones" 0 \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE message IN ('Вопрос 1000', 'Вопрос 2000')")"
check_same "...one reply for each stored line, with its log id" \
	"$(sqlite3 "$VASDOM_DB" "SELECT log_id || ' ' || message FROM exchanges ORDER BY log_id")" \
	"$(jq -r '"\(.log_id) \(.message)"' "$T/out")"

# again with --skip-existing: nothing new, every line said to exist
vasdom-ask --record --skip-existing <"$T/in.jsonl" >"$T/out2" 2>/dev/null
check_same "--skip-existing: no new row, 2999 lines found existing" "2998|2999" \
	"$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges')|$(jq -c 'select(.existed)' "$T/out2" | wc -l)"

# vasdom-rate: an unknown log id and a repeated client_id rejected alone
awk 'BEGIN { for (i = 1; i <= 2000; i++)
	printf "{\"log_id\":%d,\"rating\":%d,\"client_id\":\"r%d\"}\n", i == 700 ? 99999 : i, i % 5 + 1, i == 1500 ? 1499 : i }' >"$T/rate.jsonl"
vasdom-rate <"$T/rate.jsonl" >"$T/rout" 2>"$T/rerr"
check_same "vasdom-rate: two bad lines rejected by number" "1|line 700|line 1500" \
	"$?|$(sed -n 's/^vasdom-rate: \(line [0-9]*\):.*/\1/p' "$T/rerr" | tr '\n' '|' | sed 's/|$//')"
check_same "...the 1998 others applied, history and all" "1998|1998" \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM ratings WHERE client_id LIKE 'r%'; SELECT count(*) FROM exchanges x JOIN ratings r ON r.log_id = x.log_id AND r.client_id LIKE 'r%' WHERE x.rating = r.rating" | tr '\n' '|' | sed 's/|$//')"
check_same "...one reply each" 1998 "$(grep -c log_id "$T/rout")"

# a run that dies in the middle (a trigger stops line 2500 of a new
# import): what it printed is exactly what it stored, and a run with
# --skip-existing completes the import
sqlite3 "$VASDOM_DB" "CREATE TRIGGER t_boom BEFORE INSERT ON exchanges WHEN NEW.message = 'Новый 2500'
	BEGIN SELECT RAISE(ABORT, 'boom'); END"
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "{\"client_id\":\"n%d\",\"message\":\"Новый %d\",\"response\":\"Да\"}\n", i, i }' >"$T/new.jsonl"
vasdom-ask --record <"$T/new.jsonl" >"$T/nout" 2>"$T/nerr"
check_same "a database error at line 2500: exit 3" 3 $?
check_same "...said once" 1 "$(grep -c boom "$T/nerr")"
stored=$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE client_id LIKE 'n%'")
check_same "...the replies printed are the lines stored ($stored)" \
	"$(sqlite3 "$VASDOM_DB" "SELECT log_id FROM exchanges WHERE client_id LIKE 'n%' ORDER BY log_id")" \
	"$(jq -r .log_id "$T/nout")"
check_same "...every line before it stored, as a transaction a line did" 2499 "$stored"
check "...the lines stored are the first ones, and none past 2499" test "$(sqlite3 "$VASDOM_DB" \
	"SELECT count(*) = max(CAST(substr(client_id, 2) AS INTEGER)) AND max(CAST(substr(client_id, 2) AS INTEGER)) < 2500
	FROM exchanges WHERE client_id LIKE 'n%'")" = 1
sqlite3 "$VASDOM_DB" "DROP TRIGGER t_boom"
vasdom-ask --record --skip-existing <"$T/new.jsonl" >/dev/null
check_same "...and --skip-existing completes it, no duplicates" "3000|3000" \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*), count(DISTINCT client_id) FROM exchanges WHERE client_id LIKE 'n%'" | tr '\n' '|' | sed 's/|$//')"

# rows staged and applied a batch at a time: a line that rates a log the
# batch rated already, a line without a client_id between lines with one
sqlite3 "$VASDOM_DB" "SELECT max(log_id) FROM exchanges" >"$T/maxid"
printf '%s\n' '{"log_id":5,"rating":1,"feedback_text":"a"}' '{"log_id":6,"rating":2}' \
	'{"log_id":5,"rating":3,"feedback_text":"b"}' '{"log_id":5,"rating":4,"client_id":"again"}' |
	vasdom-rate >"$T/r2" 2>&1
check_same "a log rated three times in one batch: its last rating, all three in the history, in order" \
	"4||1,a|3,b|4," "$(sqlite3 "$VASDOM_DB" "SELECT rating || '|' || ifnull(feedback_text, '') FROM exchanges WHERE log_id = 5;
		SELECT rating || ',' || ifnull(feedback_text, '') FROM ratings WHERE log_id = 5 AND id > (SELECT max(id) - 4 FROM ratings) ORDER BY id" | tr '\n' '|' | sed 's/|$//')"
printf '%s\n' '{"client_id":"m1","message":"Первый","response":"Да"}' '{"message":"Без номера","response":"Да"}' \
	'{"client_id":"m1","message":"Снова первый","response":"Да"}' '{"client_id":"m2","message":"Второй","response":"Да","rating":5}' |
	vasdom-ask --record --skip-existing >"$T/m" 2>&1
check_same "--record: log ids in order, a repeated client_id in the batch found existing" \
	"$(($(cat "$T/maxid") + 1)) false|$(($(cat "$T/maxid") + 2)) false|$(($(cat "$T/maxid") + 1)) true|$(($(cat "$T/maxid") + 3)) false" \
	"$(jq -r '"\(.log_id) \(.existed)"' "$T/m" | tr '\n' '|' | sed 's/|$//')"
check_same "...each reply the row stored" \
	"Первый|Без номера|Второй 5" "$(sqlite3 "$VASDOM_DB" "SELECT message || ifnull(' ' || rating, '') FROM exchanges WHERE log_id > $(cat "$T/maxid") ORDER BY log_id" | tr '\n' '|' | sed 's/|$//')"

# a line whose rating history fails (its exchange went in first): the
# line rolls back whole, the lines before it are stored and answered
sqlite3 "$VASDOM_DB" "CREATE TRIGGER t_hist BEFORE INSERT ON ratings WHEN NEW.feedback_text = 'плохо'
	BEGIN SELECT RAISE(ABORT, 'history refused'); END"
awk 'BEGIN { for (i = 1; i <= 100; i++) printf "{\"client_id\":\"h%d\",\"message\":\"История %d\",\"response\":\"Да\",\"rating\":4,\"feedback_text\":\"%s\"}\n", i, i, i == 60 ? "плохо" : "хорошо" }' >"$T/hist.jsonl"
vasdom-ask --record <"$T/hist.jsonl" >"$T/hout" 2>"$T/herr"
check_same "a rating history refused at line 60: exit 3, said once" "3 1" "$? $(grep -c 'history refused' "$T/herr")"
check_same "...lines 1-59 stored with their history, answered; nothing of line 60" "59|59|59|0" \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE client_id LIKE 'h%';
		SELECT count(*) FROM ratings r JOIN exchanges x USING (log_id) WHERE x.client_id LIKE 'h%'" | tr '\n' '|')$(wc -l <"$T/hout")|$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE message = 'История 60'")"
sqlite3 "$VASDOM_DB" "DROP TRIGGER t_hist"
done_testing
