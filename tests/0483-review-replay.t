#!/bin/sh
# vasdom-review --replay: every endorsed exchange answered again offline,
# itself and its session left out, under the settings given now; nothing
# written.
. "$(dirname "$0")/lib.sh"
plan 18

cat >"$T/kb.jsonl" <<'JSON'
{"message":"Сколько стоит уборка подъезда?","response":"От 3000 рублей в месяц.","rating":5}
{"message":"Сколько стоит помыть подъезд?","response":"От 3000 рублей в месяц.","rating":5}
{"message":"Моете ли вы окна в подъездах?","response":"Да, по заявке.","rating":5}
{"message":"Есть ли скидки для ТСЖ?","response":"Да, 10 процентов.","rating":2}
JSON
vasdom-ask --record <"$T/kb.jsonl" >/dev/null
# session s2: a question handed over, corrected, asked again and answered
# from that correction; session s3 asks it too
vasdom-ask -s s2 "Убираете ли вы снег у подъезда?" >/dev/null
echo '{"log_id":5,"rating":1,"correction":"Снег у подъезда убираем зимой."}' | vasdom-rate >/dev/null
vasdom-ask -s s2 "Убираете ли вы снег у подъезда?" >"$T/a6"
vasdom-ask -s s3 "Вы убираете снег у подъезда?" >"$T/a7"
check_same "the premise: both answered from the correction" "experience experience" \
	"$(cat "$T/a6" "$T/a7" | jq -r .source | tr '\n' ' ' | sed 's/ $//')"
echo '6 5' | vasdom-rate >/dev/null
vasdom-embed -q >/dev/null 2>&1
check_same "its session left out, 6 does not find the correction given in it" "false intent" \
	"$(vasdom-review --replay | jq -r 'select(.log_id == 6) | "\(.right) \(.source)"')"
echo '7 5' | vasdom-rate >/dev/null

sqlite3 "$VASDOM_DB" .dump >"$T/before"
vasdom-review --replay >"$T/r"
check_same "exit 0" 0 $?
check_same "nothing was written" "" "$(sqlite3 "$VASDOM_DB" .dump | diff "$T/before" - | head -3)"
check_same "one line per endorsed exchange (rated 4-5 or corrected), then the summary" \
	"1 2 3 5 6 7 null" "$(jq -r .log_id "$T/r" | tr '\n' ' ' | sed 's/ $//')"
check_same "each line: log_id, expected, got, right, confidence, source" \
	"log_id kind message expected got right confidence source handover changed" \
	"$(head -1 "$T/r" | jq -r 'keys_unsorted | join(" ")')"
check_same "itself left out, the other recorded price answers the price" "true experience" \
	"$(jq -r 'select(.log_id == 1) | "\(.right) \(.source)"' "$T/r")"
check_same "a corrected exchange expects its correction" "Снег у подъезда убираем зимой." \
	"$(jq -r 'select(.log_id == 5) | .expected' "$T/r")"
check_same "...another session's asking of it is found" "true true" \
	"$(jq -r 'select(.log_id == 6 or .log_id == 7) | .right' "$T/r" | tr '\n' ' ' | sed 's/ $//')"
check_same "the summary" "summary 6" "$(jq -r 'select(.kind == "summary") | "\(.kind) \(.replayed)"' "$T/r")"
check "accuracy = right / replayed, coverage, precision = right / answered" jqe -s '
	map(select(.kind == "exchange")) as $x |
	($x | length) as $n | ($x | map(select(.right)) | length) as $r |
	($x | map(select(.handover | not)) | length) as $a |
	(.[-1] | (.accuracy - $r / $n | fabs) < 1e-6 and (.coverage - $a / $n | fabs) < 1e-6
	 and (.precision - $r / $a | fabs) < 1e-6)' "$T/r"

# what if: a stricter threshold hands more over
vasdom-review --replay --summary >"$T/s"
check_same "--summary: the summary alone" 1 "$(wc -l <"$T/s" | tr -d ' ')"
check_same "--min-confidence 1 answers less (a what-if)" "true 1" \
	"$(vasdom-review --replay --summary --min-confidence 1 |
	jq -r --slurpfile s "$T/s" '"\(.coverage < $s[0].coverage) \(.min_confidence)"')"

# offline: a configured language model is not asked
fake_server ok
VASDOM_LLM_URL=$fake_url vasdom-review --replay --summary >/dev/null
check_same "offline: the language model is not asked" 0 "$(grep -c . "$fake_log" 2>/dev/null || echo 0)"

# a correction made since the vectors were: the replay says so
echo '{"log_id":3,"rating":1,"correction":"Окна моем весной."}' | vasdom-rate >/dev/null
vasdom-review --replay --summary >"$T/stale" 2>"$T/err"
check_same "a vector made before a correction is counted, and warned of" "1 1" \
	"$(jq .not_embedded "$T/stale") $(grep -c 'run vasdom-embed' "$T/err")"
check_fails "--replay with -n: usage error" 2 vasdom-review --replay -n 3
check_fails "--summary without --replay: usage error" 2 vasdom-review --gaps --summary
VASDOM_DB=$T/none.db vasdom-ask --record <<'JSON' >/dev/null
{"message":"Вопрос","response":"Ответ","rating":1}
JSON
check_fails "nothing endorsed: exit 1" 1 env VASDOM_DB="$T/none.db" vasdom-review --replay
done_testing
