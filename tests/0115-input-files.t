#!/bin/sh
# Input from real spreadsheets and old systems: a UTF-8 byte-order mark is
# skipped; a CSV header is checked once (columns not recognised: one
# warning; the needed column missing: one error, not one per row);
# --map renames columns (the old service's user_message,ai_response
# imports with one flag); a CSV --rejects file starts with the header, so
# it can be fixed and replayed.
. "$(dirname "$0")/lib.sh"
plan 18

bom=$(printf '\357\273\277')
count() { sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges'; }

# --- byte-order mark ------------------------------------------------------------
printf '%smessage,response\nКак часто моют подъезд?,Два раза в неделю.\n' "$bom" |
	vasdom-ask --record >"$T/o" 2>"$T/err"
check_same "CSV with a BOM (auto): exit 0, nothing on stderr" "0 " "$? $(cat "$T/err")"
check_same "...the question stored without the BOM" "Как часто моют подъезд?" \
	"$(sqlite3 "$VASDOM_DB" 'SELECT message FROM exchanges ORDER BY log_id DESC LIMIT 1')"
printf '%smessage,response\nКто убирает?,Бригада района.\n' "$bom" | vasdom-ask --record -i csv >/dev/null 2>"$T/err"
check_same "CSV with a BOM (-i csv): exit 0" "0 " "$? $(cat "$T/err")"
printf '%s{"message":"Когда уборка?","response":"По графику."}\n' "$bom" | vasdom-ask --record >"$T/o" 2>"$T/err"
check_same "JSONL with a BOM: exit 0, stored as a record, not as raw JSON" "0 Когда уборка?" \
	"$? $(sqlite3 "$VASDOM_DB" 'SELECT message FROM exchanges ORDER BY log_id DESC LIMIT 1')"
printf '%s1 5\n' "$bom" | vasdom-rate >/dev/null 2>"$T/err"
check_same "rate: a BOM before the first text line" "0 5" "$? $(sqlite3 "$VASDOM_DB" 'SELECT rating FROM exchanges WHERE log_id = 1')"

# --- the CSV header: said once ------------------------------------------------------
before=$(count)
printf 'user_message,ai_response\n' >"$T/old.csv"
for i in 1 2 3 4 5; do printf 'Вопрос старой системы %s?,Ответ %s.\n' $i $i; done >>"$T/old.csv"
vasdom-ask --record -i csv <"$T/old.csv" >"$T/o" 2>"$T/err"
check_same "the old service's header, -i csv: exit 1" 1 $?
check_same "...one message, not one per row" 1 "$(wc -l <"$T/err" | tr -d ' ')"
check "...naming the missing column, the columns there and --map" \
	grep -q 'line 1: CSV header has no column message (its columns: user_message, ai_response).*--map' "$T/err"
check_same "...nothing stored" "$before" "$(count)"
vasdom-ask --record <"$T/old.csv" >"$T/o" 2>"$T/err"
check_same "...and detected (no -i): the same one error" "1 1" "$? $(grep -c 'CSV header has no column message' "$T/err")"
vasdom-ask --record --map user_message=message,ai_response=response <"$T/old.csv" >"$T/o" 2>"$T/err"
check_same "--map user_message=message,ai_response=response: exit 0, silent" "0 " "$? $(cat "$T/err")"
check_same "...all 5 imported, question and answer in place" "5 Вопрос старой системы 3?|Ответ 3." \
	"$(($(count) - before)) $(sqlite3 "$VASDOM_DB" "SELECT message || '|' || response FROM exchanges WHERE message LIKE '%системы 3?'")"
printf 'message,response,channel\nГде график?,На сайте.,telegram\n' | vasdom-ask --record >/dev/null 2>"$T/err"
check_same "a column not recognised: exit 0 and one warning" "0 1" "$? $(wc -l <"$T/err" | tr -d ' ')"
check "...naming it" grep -q 'warning: line 1: CSV header: not recognised, ignored: channel' "$T/err"
echo '{"user_message":"Вопрос из JSON?","ai_response":"Ответ из JSON."}' |
	vasdom-ask --record --map user_message=message,ai_response=response >/dev/null 2>"$T/err"
check_same "--map renames JSON keys too" "0 Ответ из JSON." \
	"$? $(sqlite3 "$VASDOM_DB" "SELECT response FROM exchanges WHERE message = 'Вопрос из JSON?'")"
check_fails "--map without '=': exit 2" 2 vasdom-ask --record --map user_message </dev/null 2>/dev/null

# --- --rejects: the header first ------------------------------------------------
printf 'log_id,rating,feedback_text\n1,5,хорошо\n99999,4,нет такого\n2,9,плохая оценка\n' |
	vasdom-rate --rejects "$T/rej.csv" >/dev/null 2>&1
check_same "CSV rejects file: the header, then the rejected rows" \
	"log_id,rating,feedback_text|99999,4,нет такого|2,9,плохая оценка" "$(tr '\n' '|' <"$T/rej.csv" | sed 's/|$//')"
# fixed and replayed as documented
sed -i 's/^99999,/3,/; s/^2,9,/2,4,/' "$T/rej.csv"
vasdom-rate <"$T/rej.csv" >/dev/null 2>"$T/err"
check_same "...fixed, it replays: exit 0" "0 " "$? $(cat "$T/err")"

done_testing
