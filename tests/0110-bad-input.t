#!/bin/sh
# Bad input: one line of error naming the line, the other lines still
# processed, exit 1; database problems exit 3 and change nothing.
. "$(dirname "$0")/lib.sh"
plan 30

long=$(printf 'ы%.0s' $(seq 1 2001))
ok2000=$(printf 'ы%.0s' $(seq 1 2000))
{
	echo '{"message":"Первый вопрос про уборку"}'
	echo '{"message":"   "}'
	printf '{"message":"%s"}\n' "$long"
	printf '{"message":"bad \377 utf8"}\n'
	printf '{"message":"nul \000 byte"}\n'
	echo '{"message": broken'
	printf '{"message":"%s"}\n' "$ok2000"
	echo '["not", "an object"]'
	echo '{"message":"Последний вопрос"}'
} >"$T/in.jsonl"
vasdom-ask <"$T/in.jsonl" >"$T/out" 2>"$T/err"
check_same "exit 1 when lines are rejected" 1 $?
check_same "the three valid lines answered" 3 "$(wc -l <"$T/out" | tr -d ' ')"
check_same "...and logged" 3 "$(sqlite3 "$VASDOM_DB" 'select count(*) from exchanges')"
check "empty message named with its line" grep -q '^vasdom-ask: line 2: empty message$' "$T/err"
check "over 2000 characters" grep -q '^vasdom-ask: line 3: message has 2001 characters, more than 2000$' "$T/err"
check "invalid UTF-8" grep -q '^vasdom-ask: line 4: invalid UTF-8$' "$T/err"
check "NUL byte" grep -q '^vasdom-ask: line 5: NUL byte in input$' "$T/err"
check "broken JSON" grep -q '^vasdom-ask: line 6: broken JSON' "$T/err"
check "not an object" grep -q '^vasdom-ask: line 8: expected a JSON object$' "$T/err"
check_same "one line of error each" 6 "$(wc -l <"$T/err" | tr -d ' ')"
check_same "a message of exactly 2000 characters is fine" 2000 \
	"$(sqlite3 "$VASDOM_DB" 'select max(length(message)) from exchanges')"

# CSV with a header; a row with the wrong number of fields
printf 'message,session_id\n"Сколько стоит, если подъезд большой?",s1\nодин,два,три\nГрафик уборки?,s2\n' >"$T/in.csv"
vasdom-ask <"$T/in.csv" >"$T/out" 2>"$T/err"
check_same "CSV: exit 1" 1 $?
check_same "CSV: good rows answered in their sessions" "s1 s2" "$(jq -r .session_id "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check "CSV: wrong field count named" grep -q '^vasdom-ask: line 3: CSV row has 3 fields, the header has 2$' "$T/err"

# vasdom-rate
{
	echo '{"log_id":1,"rating":5}'
	echo '{"log_id":999,"rating":5}'
	echo '{"log_id":1,"rating":0}'
	echo '{"log_id":1,"rating":6}'
	echo '{"log_id":1,"rating":4.5}'
	echo '{"log_id":1,"rating":"five"}'
	echo '{"log_id":2,"rating":"3","feedback_text":"так себе"}'
} >"$T/rates"
vasdom-rate --rejects "$T/rejects" <"$T/rates" >"$T/out" 2>"$T/err"
check_same "rate: exit 1" 1 $?
check_same "rate: the two valid lines applied" "1 5 2 3" "$(jq -r '"\(.log_id) \(.rating)"' "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check "unknown log id" grep -q '^vasdom-rate: line 2: log 999 not found$' "$T/err"
check "rating 0" grep -q '^vasdom-rate: line 3: rating: expected a whole number from 1 to 5, got 0$' "$T/err"
check "rating 6" grep -q '^vasdom-rate: line 4: rating: expected a whole number from 1 to 5, got 6$' "$T/err"
check "rating 4.5" grep -q '^vasdom-rate: line 5: rating: expected a whole number from 1 to 5, got 4.5$' "$T/err"
check "rating five" grep -q "^vasdom-rate: line 6: rating: expected a whole number from 1 to 5, got 'five'$" "$T/err"
check_same "--rejects holds the rejected lines verbatim" "$(sed -n '2,6p' "$T/rates")" "$(cat "$T/rejects")"
check_same "rejects replay after a fix" 0 "$(sed 's/999/3/; s/"rating":[^,}]*/"rating":2/' "$T/rejects" | vasdom-rate >/dev/null 2>&1; echo $?)"
check_same "ratings history keeps every rating" 7 "$(sqlite3 "$VASDOM_DB" 'select count(*) from ratings')"
check_same "re-rating overwrites the exchange's rating" 2 "$(sqlite3 "$VASDOM_DB" 'select rating from exchanges where log_id=1')"

# database errors: exit 3, nothing changed
check_fails "missing folder: exit 3" 3 vasdom-ask -d "$T/no/such/dir/x.db" "вопрос" 2>/dev/null
check_fails "a folder as database: exit 3" 3 vasdom-rate -d "$T" 1 5 2>/dev/null
sqlite3 "$T/new.db" 'PRAGMA user_version = 99; CREATE TABLE t(x);'
sum=$(cksum <"$T/new.db")
vasdom-ask -d "$T/new.db" "вопрос" 2>"$T/err" >/dev/null
check_same "newer schema: exit 3" 3 $?
check "newer schema: clear message" grep -q 'schema version 99 is newer than this program' "$T/err"
check_same "newer schema: file unchanged" "$sum" "$(cksum <"$T/new.db")"
done_testing
