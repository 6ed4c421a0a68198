#!/bin/sh
# vasdom-stats --by topic: figures per intent topic and per gap cluster, so
# that a topic getting worse shows while the overall average looks fine.
. "$(dirname "$0")/lib.sh"
plan 10

vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
vasdom-ask -s s1 "Сколько стоит уборка подъезда?" "Какая цена уборки подъезда?" \
	"Можно ли заказать химчистку ковров?" "Есть ли у вас химчистка ковров?" >"$T/asked"
# the price answers rated 1: the overall average still looks fine
jq -r 'select(.model_used == "intent:price" or (.message | test("цена|стоит"))) | "\(.log_id) 1"' "$T/asked" |
	vasdom-rate >/dev/null
check "the premise: the overall average is above 4" jqe '.avg_rating > 4' "$(vasdom-stats >"$T/all"; echo "$T/all")"
vasdom-stats --by topic >"$T/t"
check_same "exit 0" 0 $?
check_same "the price topic: asked twice, rated 1" "2 2 1 2" \
	"$(jq -r 'select(.kind == "intent" and .topic == "price") | "\(.total_interactions) \(.rated) \(.avg_rating) \(.negative_ratings)"' "$T/t")"
check_same "the questions no rule places: topic null, last of the intents" "null" \
	"$(jq -s -r 'map(select(.kind == "intent")) | .[-1].topic' "$T/t")"
check_same "the carpet gap, named by its question: its questions, the two hand-overs" "2 2 1" \
	"$(jq -r 'select(.kind == "gap" and (.topic | test("химчистк"))) | "\(.total_interactions) \(.handovers) \(.handover_share)"' "$T/t")"
check_same "the price answers rated 1 are a gap too, worse than the average" "true" \
	"$(jq -r --slurpfile all "$T/all" 'select(.kind == "gap" and (.topic | test("цен|стоит"))) |
	.negative_ratings >= 1 and .avg_rating < $all[0].avg_rating' "$T/t")"
check "topics' exchanges add up to the total" test \
	"$(jq -s 'map(select(.kind == "intent") | .total_interactions) | add' "$T/t")" -eq "$(jq .total_interactions "$T/all")"
check_same "-f csv: the header" \
	"kind,topic,cluster,total_interactions,rated,avg_rating,positive_ratings,negative_ratings,handovers,handover_share" \
	"$(vasdom-stats --by topic -f csv | head -1)"
sqlite3 "$VASDOM_DB" "UPDATE exchanges SET created_at = '2020-01-01T00:00:00.000Z' WHERE log_id <= 12"
check_same "--days 7: the old knowledge left out" 4 \
	"$(vasdom-stats --by topic --days 7 | jq -s 'map(select(.kind == "intent") | .total_interactions) | add')"
check_fails "--by topic does not go with --chart" 2 vasdom-stats --by topic --chart
done_testing
