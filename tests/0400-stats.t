#!/bin/sh
# vasdom-stats: the old service's figures on its scenario, coverage,
# sources, distribution, per-period rows, the chart, the Prometheus text
# format (checked by promtool) and bad options.
. "$(dirname "$0")/lib.sh"
plan 53

rated_scenario
vasdom-stats >"$T/s"
check_same "exit 0" 0 $?
check_same "one record" 1 "$(wc -l <"$T/s" | tr -d ' ')"
check_same "total_interactions 7" 7 "$(jq .total_interactions "$T/s")"
check "avg_rating 30/7" jqe '(.avg_rating - 30/7 | fabs) < 1e-5' "$T/s"
check_same "positive_ratings 6" 6 "$(jq .positive_ratings "$T/s")"
check_same "negative_ratings 0 (3 counts in neither)" 0 "$(jq .negative_ratings "$T/s")"
check "improvement_rate 6/7" jqe '(.improvement_rate - 6/7 | fabs) < 1e-5' "$T/s"
check_same "rated 7, coverage 1" "7 1" "$(jq -r '"\(.rated) \(.rating_coverage)"' "$T/s")"
check_same "distribution 1-5" "0 0 1 3 3" "$(jq -r '"\(.rating_1) \(.rating_2) \(.rating_3) \(.rating_4) \(.rating_5)"' "$T/s")"
check_same "answers by source add up to the total" 7 \
	"$(jq '.answers_llm + .answers_experience + .answers_intent + .answers_default + .answers_record' "$T/s")"
check "last_learning_update is the time of the last rating" \
	test "$(jq -r .last_learning_update "$T/s")" = "$(sqlite3 "$VASDOM_DB" 'select max(created_at) from ratings')"
check_same "no model errors offline" 0 "$(jq .model_errors "$T/s")"
check_same "embedding model builtin" builtin "$(jq -r .embedding_model "$T/s")"

# embedding coverage follows vasdom-embed
vasdom-embed -q >/dev/null 2>&1
check_same "embedding coverage 1 once all are embedded" "7 1" \
	"$(vasdom-stats | jq -r '"\(.embedded) \(.embedding_coverage)"')"
VASDOM_EMBED_URL=http://127.0.0.1:9/v1 VASDOM_EMBED_MODEL=other vasdom-stats >"$T/other"
check_same "...0 for a model without vectors" "other 0 0" \
	"$(jq -r '"\(.embedding_model) \(.embedded) \(.embedding_coverage)"' "$T/other")"

# a fresh database
VASDOM_DB=$T/empty.db vasdom-stats >"$T/e"
check "empty database: zeros, avg_rating and last_learning_update null" \
	jqe '.total_interactions == 0 and .avg_rating == null and .improvement_rate == 0
	and .rating_coverage == 0 and .embedding_coverage == 0 and .last_learning_update == null' "$T/e"

# the improvement rate looks at the last 24 hours only; model errors
export VASDOM_DB=$T/time.db
old=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)
{
	for i in 1 2 3 4; do printf '{"message":"Старый вопрос %s","response":"Ответ","rating":5,"created_at":"%s"}\n' $i "$old"; done
	echo '{"message":"Новый вопрос 1","response":"Ответ","rating":5}'
	echo '{"message":"Новый вопрос 2","response":"Ответ","rating":1}'
} | vasdom-ask --record >/dev/null
VASDOM_LLM_URL=http://127.0.0.1:$(closed_port)/v1 vasdom-ask 'Новый вопрос 3' >/dev/null
vasdom-stats >"$T/t"
check "improvement_rate: 1 of the 3 exchanges of the last day rated 4-5" jqe '(.improvement_rate - 1/3 | fabs) < 1e-5' "$T/t"
check_same "total 7, positive 5, negative 1" "7 5 1" \
	"$(jq -r '"\(.total_interactions) \(.positive_ratings) \(.negative_ratings)"' "$T/t")"
check_same "a failed language model counts as a model error" 1 "$(jq .model_errors "$T/t")"
check_same "recorded pairs count under record" 6 "$(jq .answers_record "$T/t")"
check_same "--days 1 leaves the old ones out" "3 2" \
	"$(vasdom-stats --days 1 | jq -r '"\(.total_interactions) \(.rated)"')"

# one row per day or week
export VASDOM_DB=$T/series.db
{
	echo '{"message":"В1","response":"О","rating":5,"created_at":"2026-01-05T10:00:00Z"}'
	echo '{"message":"В2","response":"О","rating":3,"created_at":"2026-01-05T23:59:59Z"}'
	echo '{"message":"В3","response":"О","created_at":"2026-01-06T00:00:00Z"}'
	echo '{"message":"В4","response":"О","rating":1,"created_at":"2026-01-11T12:00:00Z"}'
	echo '{"message":"В5","response":"О","rating":4,"created_at":"2026-01-12T08:00:00Z"}'
} | vasdom-ask --record >/dev/null
vasdom-stats --by day >"$T/day"
check_same "--by day: one row per day with exchanges, oldest first" \
	"2026-01-05 2 2 4 2026-01-06 1 0 null 2026-01-11 1 1 1 2026-01-12 1 1 4" \
	"$(jq -r '"\(.period) \(.total_interactions) \(.rated) \(.avg_rating)"' "$T/day" | tr '\n' ' ' | sed 's/ $//')"
check_same "--by week: weeks start on Monday (a Sunday is in the week before)" \
	"2026-01-05 4 2026-01-12 1" \
	"$(vasdom-stats --by week | jq -r '"\(.period) \(.total_interactions)"' | tr '\n' ' ' | sed 's/ $//')"
vasdom-stats --by week -f csv >"$T/week.csv"
check_same "--by week -f csv: a header for a spreadsheet" \
	"period,total_interactions,rated,avg_rating,positive_ratings,negative_ratings,rating_coverage,answers_llm,answers_experience,answers_intent,answers_default,answers_record,rating_1,rating_2,rating_3,rating_4,rating_5,model_errors,prompt_tokens,completion_tokens" \
	"$(head -1 "$T/week.csv")"
check_same "...and a row per week" 3 "$(wc -l <"$T/week.csv" | tr -d ' ')"
check_same "the summary in CSV has the same columns as the JSON" \
	"$(vasdom-stats | jq -r 'keys_unsorted | join(",")')" "$(vasdom-stats -f csv | head -1)"

# the chart
export VASDOM_DB=$T/test.db
vasdom-stats --chart >"$T/chart"
check_same "--chart exit 0" 0 $?
check "rating 4 (the most frequent, 3 of 7) has the longest bar" \
	grep -q "^  4★ $(printf '█%.0s' $(seq 1 40)) 3\$" "$T/chart"
check "rating 3 (1 of 7) a third of it" grep -q "^  3★ $(printf '█%.0s' $(seq 1 13))▍ " "$T/chart"
check "rating 1 no bar" grep -q '^  1★  *0$' "$T/chart"
# the day the scenario was asked, not today's: a run across midnight (slow
# under valgrind) charts it as yesterday
day=$(sqlite3 "$VASDOM_DB" 'select substr(max(created_at), 1, 10) from exchanges')
check "the scenario's day: average 4.29 of 7 rated" grep -q "^  $day █.* 4.29 (7 rated)\$" "$T/chart"
check_same "14 days shown by default" 14 "$(grep -c '^  20[0-9-]* ' "$T/chart")"
check_same "--days 3 shows 3" 3 "$(vasdom-stats --chart --days 3 | grep -c '^  20[0-9-]* ')"

# Prometheus text format, checked by a real parser
vasdom-stats -f prometheus >"$T/metrics"
check_same "-f prometheus exit 0" 0 $?
check "promtool check metrics accepts it (no lint problems)" sh -c 'promtool check metrics <"$1" >"$1.lint" 2>&1 && [ ! -s "$1.lint" ]' sh "$T/metrics"
check "counter vasdom_interactions_total 7" grep -qx 'vasdom_interactions_total 7' "$T/metrics"
check "TYPE counter" grep -qx '# TYPE vasdom_interactions_total counter' "$T/metrics"
check "ratings by label" grep -qx 'vasdom_ratings{rating="4"} 3' "$T/metrics"
check "every metric has HELP and TYPE" sh -c '
	for m in $(grep -v "^#" "$1" | sed "s/[{ ].*//" | sort -u); do
		grep -q "^# HELP $m " "$1" && grep -q "^# TYPE $m " "$1" || exit 1
	done' sh "$T/metrics"
check "all named vasdom_*" sh -c '! grep -v "^#" "$1" | grep -qv "^vasdom_"' sh "$T/metrics"
(umask 027; vasdom-stats -f prometheus -o "$T/vasdom.prom")
check_same "-o: written whole, mode as the umask allows (node_exporter reads it)" "640 $(wc -c <"$T/metrics" | tr -d ' ')" \
	"$(stat -c %a "$T/vasdom.prom") $(wc -c <"$T/vasdom.prom" | tr -d ' ')"

# bad options: exit 2, a message, nothing on stdout
for args in "-f xml" "--by month" "--days -1" "--days x" "--probe" "--dry-run" \
	"-f prometheus --by day" "--evaluate --by day" "--health --days 3" "extra"; do
	# shellcheck disable=SC2086
	vasdom-stats $args >"$T/bad.out" 2>"$T/bad.err"
	st=$?
	if [ $st -eq 2 ] && [ ! -s "$T/bad.out" ] && grep -q '^vasdom-stats: \|^usage: ' "$T/bad.err"; then
		ok "vasdom-stats $args: usage error"
	else
		not_ok "vasdom-stats $args: usage error (exit $st)"
	fi
done
check_fails "a database that cannot be opened: exit 3" 3 vasdom-stats -d "$T/no/such/dir/x.db" 2>/dev/null
check "-h: usage on stdout, exit 0" sh -c 'vasdom-stats -h | grep -q "^usage: vasdom-stats"'
done_testing
