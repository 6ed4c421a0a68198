#!/bin/sh
# vasdom-stats --evaluate: the old weekly cron job. At least 100 rated
# exchanges in the period, the quality classes, requires_retraining below
# 3.5 with exit 4, a model_metrics row per run.
. "$(dirname "$0")/lib.sh"
plan 30

# rated N R [CREATED_AT]: N recorded exchanges rated R (1-5, or 0 unrated)
rated() {
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		printf '{"message":"Вопрос %s-%s-%s","response":"Ответ"' "$1" "$2" "$i"
		[ "$2" -gt 0 ] && printf ',"rating":%s' "$2"
		[ $# -gt 2 ] && printf ',"created_at":"%s"' "$3"
		echo '}'
	done | vasdom-ask --record -s eval >/dev/null
}
metrics() { sqlite3 "$VASDOM_DB" 'select count(*) from model_metrics'; }

# 99 rated: too few
rated 99 5
rated 20 0
vasdom-stats --evaluate >"$T/e"
check_same "insufficient data: exit 0 (nothing to retrain)" 0 $?
check "reason insufficient_data, no class, no retraining" \
	jqe '.reason == "insufficient_data" and .overall_quality == null and .requires_retraining == false' "$T/e"
check_same "the figures still given" "119 99 5 99 0" \
	"$(jq -r '"\(.total_interactions) \(.rated) \(.avg_rating) \(.positive_ratings) \(.negative_ratings)"' "$T/e")"
check_same "the run is recorded" "1|offline|99|insufficient_data|0" \
	"$(sqlite3 "$VASDOM_DB" 'select id, model, rated, reason, requires_retraining from model_metrics')"
check "the period is the last 7 days" \
	jqe '.days == 7 and ((.period_end | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.period_start | sub("\\.[0-9]+Z$"; "Z") | fromdate)) == 7 * 86400' "$T/e"

# 100 rated 5: excellent
rated 1 5
vasdom-stats --evaluate >"$T/e"
check_same "100 rated 5: exit 0" 0 $?
check "excellent, satisfaction 1, coverage 100/120, no retraining" \
	jqe '.overall_quality == "excellent" and .user_satisfaction == 1 and (.rating_coverage - 100/120 | fabs) < 1e-5
	and .requires_retraining == false and .reason == null' "$T/e"
check_same "metrics_id is the new row" 2 "$(jq .metrics_id "$T/e")"
check_same "row stored with the class" "excellent|5.0|1.0" \
	"$(sqlite3 "$VASDOM_DB" 'select overall_quality, avg_rating, user_satisfaction from model_metrics where id = 2')"

# each class, on its own database: NAME R1 N1 R2 N2 -> class NAME, exit
class() {
	export VASDOM_DB=$T/class-$1.db
	rated "$3" "$2"
	[ "$4" -gt 0 ] && rated "$5" "$4"
	vasdom-stats --evaluate >"$T/c"
	st=$?
	check_same "$1: avg $(jq .avg_rating "$T/c"), satisfaction $(jq .user_satisfaction "$T/c"), exit $6" \
		"${1%-*} $6" "$(jq -r .overall_quality "$T/c") $st"
}
class excellent 5 80 4 20 0      # avg 4.8, satisfaction 1
class good 4 60 3 40 0           # avg 3.6, satisfaction 0.6
class acceptable-high 5 50 3 50 0   # avg 4.0 but satisfaction 0.5
class acceptable 4 50 2 50 4     # avg 3.0, satisfaction 0.5: retrain
check "acceptable but below 3.5: requires_retraining, its reason" \
	jqe '.requires_retraining == true and .reason == "avg_rating_below_threshold"' "$T/c"
class poor 3 100 0 0 4           # avg 3.0, satisfaction 0
class very_poor 2 50 1 50 4      # avg 1.5

# VASDOM_RETRAIN_THRESHOLD and the old RETRAINING_THRESHOLD
export VASDOM_DB=$T/class-acceptable.db
check_fails "VASDOM_RETRAIN_THRESHOLD=3.0: 3.0 is not below it, exit 0" 0 \
	env VASDOM_RETRAIN_THRESHOLD=3.0 vasdom-stats --evaluate -o "$T/thr"
check_same "...requires_retraining false" false "$(jq .requires_retraining "$T/thr")"
check_fails "RETRAINING_THRESHOLD=3.2 (old name): exit 4" 4 \
	env RETRAINING_THRESHOLD=3.2 vasdom-stats --evaluate -o "$T/thr"

# only the period counts: old bad ratings fall out of the 7 days
export VASDOM_DB=$T/period.db
rated 100 1 "$(date -u -d '10 days ago' +%Y-%m-%dT%H:%M:%SZ)"
rated 100 5
check_fails "last 7 days all rated 5: exit 0" 0 vasdom-stats --evaluate -o "$T/p"
check_same "...100 rated in the period" 100 "$(jq .rated "$T/p")"
check_fails "VASDOM_EVAL_DAYS=30 takes the old ones in: exit 4" 4 \
	env VASDOM_EVAL_DAYS=30 vasdom-stats --evaluate -o "$T/p"
check_same "...200 rated over 30 days" "200 30" "$(jq -r '"\(.rated) \(.days)"' "$T/p")"
check_fails "--days 30 does the same" 4 vasdom-stats --evaluate --days 30 -o "$T/p"

# the model evaluated, --dry-run, CSV
before=$(metrics)
VASDOM_LLM_URL=http://127.0.0.1:9/v1 VASDOM_LLM_MODEL=gpt-test vasdom-stats --evaluate --dry-run >"$T/m"
check_same "model: VASDOM_LLM_MODEL when a model is configured" gpt-test "$(jq -r .model "$T/m")"
check_same "--dry-run records nothing" "$before null" "$(metrics) $(jq .metrics_id "$T/m")"
check_same "--evaluate -f csv" "model,period_start,period_end,days,total_interactions,rated,avg_rating,positive_ratings,negative_ratings,user_satisfaction,rating_coverage,overall_quality,requires_retraining,retrain_threshold,min_rated,reason,metrics_id" \
	"$(vasdom-stats --evaluate --dry-run -f csv | head -1)"

# cron: vasdom-stats --evaluate || vasdom-export
export VASDOM_DB=$T/class-acceptable.db
sh -c 'vasdom-stats --evaluate >/dev/null || vasdom-export -o "$1/cron.jsonl" >/dev/null' sh "$T"
check_same "the || chain exports when retraining is needed" 50 "$(wc -l <"$T/cron.jsonl" | tr -d ' ')"
export VASDOM_DB=$T/class-good.db
sh -c 'vasdom-stats --evaluate >/dev/null || vasdom-export -o "$1/cron2.jsonl" >/dev/null' sh "$T"
check "...and does not when it is not" test ! -e "$T/cron2.jsonl"
check_fails "--evaluate on an unusable database: exit 3" 3 vasdom-stats --evaluate -d "$T/no/such.db" 2>/dev/null
done_testing
