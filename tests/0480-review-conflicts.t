#!/bin/sh
# vasdom-review --conflicts: near-identical questions whose endorsed
# answers differ, and what is not one.
. "$(dirname "$0")/lib.sh"
plan 20

old=$(date -u -d '40 days ago' +%Y-%m-%dT%H:%M:%SZ)
cat >"$T/kb.jsonl" <<JSON
{"message":"Сколько стоит уборка подъезда?","response":"От 3000 рублей в месяц.","rating":5}
{"message":"Сколько стоит уборка подъезда?","response":"Цена зависит от площади дома.","rating":4}
{"message":"Как часто вы убираете подъезды?","response":"Два раза в неделю.","rating":5}
{"message":"Как часто вы убираете подъезды?","response":"Два  раза в\nнеделю.","rating":5}
{"message":"Как часто вы убираете подъезды?","response":"Раз в месяц.","rating":2}
{"message":"Есть ли у вас скидки для ТСЖ?","response":"Да, 10 процентов.","rating":5}
{"message":"Моете ли вы окна в подъездах?","response":"Да, по заявке.","rating":5}
{"message":"Как связаться с менеджером?","response":"По телефону офиса.","rating":5,"created_at":"$old"}
{"message":"Как связаться с менеджером?","response":"Через сайт.","rating":5,"created_at":"$old"}
{"message":"Когда вы убираете подъезды?","response":"Уборка подъезда два раза в неделю.","rating":5}
{"message":"Когда вы убираете подъезды?","response":"Уборка подъезда два раза в неделю, по вторникам и пятницам.","rating":5}
JSON
vasdom-ask --record <"$T/kb.jsonl" >/dev/null
sqlite3 "$VASDOM_DB" .dump >"$T/before"
vasdom-review --conflicts >"$T/c"
check_same "exit 0 when conflicts are found" 0 $?
check_same "two groups: the price, the manager" 2 "$(wc -l <"$T/c" | tr -d ' ')"
check_same "the price's two endorsed answers, largest group first by log id" "1 2" \
	"$(jq -r 'select(.group == 1) | .log_ids | map(tostring) | join(" ")' "$T/c")"
check_same "...with their answers, ratings and dates" \
	"От 3000 рублей в месяц.|5 Цена зависит от площади дома.|4" \
	"$(jq -r 'select(.group == 1) | [.exchanges[] | "\(.response)|\(.rating)"] | join(" ")' "$T/c")"
check_same "...and each exchange's created_at" "true" \
	"$(jq -r 'select(.group == 1) | all(.exchanges[]; .created_at | test("^20[0-9-]+T"))' "$T/c")"
check_same "answers that differ in spacing only, and one rated 2, are no conflict" "" \
	"$(jq -r 'select(.log_ids | index(3)) | .group' "$T/c")"
check_same "an answer reworded or extended (answers 0.8 alike) is no conflict" "" \
	"$(jq -r 'select(.log_ids | index(10)) | .group' "$T/c")"
check_same "the manager's group, with its similarity" "8 9 1" \
	"$(jq -r 'select(.group == 2) | "\(.log_ids | map(tostring) | join(" ")) \(.similarity)"' "$T/c")"
check_same "--days 30 leaves the old ones out" "1" \
	"$(vasdom-review --conflicts --days 30 | wc -l | tr -d ' ')"
check_same "-n 1: one group" 1 "$(vasdom-review --conflicts -n 1 | wc -l | tr -d ' ')"
check_same "nothing was written" "" "$(sqlite3 "$VASDOM_DB" .dump | diff "$T/before" - | head -3)"

# a correction is the endorsed answer: correcting the price's second answer
# to the first one settles the conflict
echo '{"log_id":2,"rating":5,"correction":"От 3000 рублей в месяц."}' | vasdom-rate >/dev/null
check_same "a correction that agrees settles it" "8 9" \
	"$(vasdom-review --conflicts | jq -r '.log_ids | map(tostring) | join(" ")')"

vasdom-review --conflicts -f csv >"$T/csv"
check_same "-f csv: the header" "group,size,answers,similarity,log_ids,exchanges" "$(head -1 "$T/csv")"

VASDOM_DB=$T/none.db vasdom-ask --record <<JSON >/dev/null
{"message":"Один вопрос","response":"Один ответ","rating":5}
JSON
check_fails "nothing found: exit 1" 1 env VASDOM_DB="$T/none.db" vasdom-review --conflicts
check_fails "no database: configuration error" 3 env VASDOM_DB="$T/missing.db" vasdom-review --conflicts
check "...and none is made" test ! -e "$T/missing.db"
check_fails "no mode: usage error" 2 vasdom-review
check_fails "two modes: usage error" 2 vasdom-review --conflicts --conflicts --gaps
check_fails "--similarity 2: usage error" 2 vasdom-review --conflicts --similarity 2
check_fails "an operand: usage error" 2 vasdom-review --conflicts 5
done_testing
