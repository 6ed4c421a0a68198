#!/bin/sh
# scripts/check-retraining, the old cron job: evaluate; retrain only with
# a low average and at least 50 well rated samples of the last 30 days.
. "$(dirname "$0")/lib.sh"
plan 14

script=$top/scripts/check-retraining
# rated N R [DAYS_AGO]: N recorded exchanges rated R
rated() {
	when=$(date -u -d "${3:-0} days ago" +%Y-%m-%dT%H:%M:%SZ)
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		printf '{"message":"Вопрос %s-%s-%s","response":"Ответ %s","rating":%s,"created_at":"%s"}\n' "$1" "$2" $i $i "$2" "$when"
	done | vasdom-ask --record >/dev/null
}

rated 20 5
sh "$script" -o "$T/exports" >"$T/out" 2>&1
check_same "too few rated: exit 0" 0 $?
check_same "...says why" "check-retraining: no retraining: insufficient data, 20 rated exchanges in the last 7 days, 100 needed" "$(cat "$T/out")"
check "...exports nothing" test ! -e "$T/exports"
check_same "...the evaluation is recorded" "1|insufficient_data" "$(sqlite3 "$VASDOM_DB" 'select count(*), reason from model_metrics')"

rated 100 4
sh "$script" -o "$T/exports" >"$T/out" 2>&1
check_same "good ratings: exit 0, no retraining" "0 check-retraining: no retraining needed: quality excellent, average rating 4.16667 over 120 rated exchanges" "$? $(cat "$T/out")"

# bad ratings, but the good ones are older than 30 days
export VASDOM_DB=$T/old.db
rated 60 5 40
rated 100 1
sh "$script" -o "$T/exports" >"$T/out" 2>&1
check_same "retraining needed, too few recent samples: exit 1" 1 $?
check_same "...says why" "check-retraining: retraining needed (quality very_poor, average rating 1.0 below 3.5) but only 0 samples rated well in the last 30 days, 50 needed" "$(cat "$T/out")"
check "...exports nothing" test ! -e "$T/exports"

# bad ratings and enough good recent ones: export them
rated 49 5 3
sh "$script" -o "$T/exports" >"$T/out" 2>&1
check_same "49 samples are not enough" "1 49" "$? $(sed -n 's/.*only \([0-9]*\) samples.*/\1/p' "$T/out")"
rated 1 4 2
sh "$script" -o "$T/exports" >"$T/out" 2>&1
check_same "50: exported, exit 0" 0 $?
f=$(ls "$T"/exports/retrain-*.jsonl)
check_same "...says what and where" "check-retraining: retraining needed (quality very_poor, average rating 2.32667 below 3.5): exported 50 samples of the last 30 days to $f" "$(cat "$T/out")"
check_same "...50 valid OpenAI examples, the old ones left out" "true 50" \
	"$(vasdom-export --validate "$f" | jq -r '"\(.valid) \(.examples)"')"
check_same "...recorded" "1|50|$f" "$(sqlite3 "$VASDOM_DB" 'select count(*), sample_count, path from training_datasets')"
VASDOM_RETRAIN_MAX=20 sh "$script" -o "$T/exports2" >/dev/null 2>&1
check_same "VASDOM_RETRAIN_MAX caps the export (below the 50 needed: none)" "1" "$?"
done_testing
