#!/bin/sh
# vasdom-review --queue: unrated exchanges ranked by how much a rating
# would teach, each saying why, in a form vasdom-rate takes once rated.
. "$(dirname "$0")/lib.sh"
plan 14

vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
kb=$(wc -l <"$top/data/knowledge.jsonl" | tr -d ' ')
vasdom-ask -s s1 "Можно ли заказать химчистку ковров?" "Делаете ли вы химчистку ковров?" \
	"Есть ли у вас химчистка ковров?" "Где купить собаку?" "Сколько стоит уборка подъезда?" \
	"Как часто убирают подъезды?" >"$T/asked"
c1=$((kb + 1)) c3=$((kb + 3)) dog=$((kb + 4))
vasdom-review --queue >"$T/q"
check_same "exit 0" 0 $?
check_same "every unrated exchange, the recorded knowledge (rated) not" 6 "$(wc -l <"$T/q" | tr -d ' ')"
check_same "ranks 1 to 6 in order" "1 2 3 4 5 6" "$(jq -r .rank "$T/q" | tr '\n' ' ' | sed 's/ $//')"
check_same "first: a carpet question handed over, with its two alike" "true 2" \
	"$(jq -r 'select(.rank == 1) | "\(.log_id == '$c1' or .log_id == '$c3') \(.similar_recent)"' "$T/q")"
check_same "...and why" "handed over; 2 similar unrated questions logged" \
	"$(jq -r 'select(.rank == 1) | .why | split("; ")[:2] | join("; ")' "$T/q")"
check_same "then the other question handed over: nothing like it" "$dog 0" \
	"$(jq -r 'select(.rank == 2) | "\(.log_id) \(.similar_recent)"' "$T/q")"
check "a question alike to one ranked higher comes after the unlike ones" \
	jqe -s 'map(select(.why | test("alike to one ranked higher"))) | length >= 1 and all(.rank > 2)' "$T/q"
check "scores never rise down the queue" jqe -s '[.[].score] | . == (sort | reverse)' "$T/q"
check_same "every line says what it was answered with" "default default intent" \
	"$(jq -r .source "$T/q" | head -3 | tr '\n' ' ' | sed 's/ $//')"
check_same "-n 2: two lines" 2 "$(vasdom-review --queue -n 2 | wc -l | tr -d ' ')"

# rated by a person, the lines go to vasdom-rate as they are
vasdom-review --queue -n 2 | jq -c '.rating = 1' | vasdom-rate >"$T/rated"
check_same "the queue, rated, feeds vasdom-rate" "true true" "$(jq -r .success "$T/rated" | tr '\n' ' ' | sed 's/ $//')"
check_same "rated exchanges leave the queue" 4 "$(vasdom-review --queue | wc -l | tr -d ' ')"
check_same "-f csv: the header" \
	"rank,log_id,message,response,source,created_at,confidence,similar_recent,covered_by,covered_score,score,why,rating" \
	"$(vasdom-review --queue -f csv | head -1)"
VASDOM_DB=$T/empty.db vasdom-ask --record </dev/null >/dev/null
check_fails "nothing unrated: exit 1" 1 env VASDOM_DB="$T/empty.db" vasdom-review --queue --days 1
done_testing
