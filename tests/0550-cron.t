#!/bin/sh
# The cron jobs: the example crontab (and its copy in vasdom(7)) calls the
# three scripts on their schedules; run as cron runs them they do their
# work and print nothing unless something needs attention; each is safe to
# start while it is running (the second exits 0 at once, quietly).
. "$(dirname "$0")/lib.sh"
plan 32
C=$top/scripts/cron
tab=$C/crontab.example
jobs="nightly-embed weekly-evaluate monthly-retrain"

# the crontab: five time fields and a script of scripts/cron each
lines=$(grep -v -e '^#' -e '^[A-Z_]*=' "$tab" | grep .)
check_same "crontab.example has three jobs" 3 "$(printf '%s\n' "$lines" | wc -l | tr -d ' ')"
check_same "...nightly-embed every day" "* * * /usr/local/libexec/vasdom/nightly-embed" \
	"$(printf '%s\n' "$lines" | awk '$6 ~ /nightly-embed$/ { print $3, $4, $5, $6 }')"
check "...weekly-evaluate on one day of the week" sh -c "printf '%s\n' '$lines' |
	awk '\$6 ~ /weekly-evaluate\$/ && \$3 == \"*\" && \$5 ~ /^[0-7]\$/ { f = 1 } END { exit !f }'"
check "...monthly-retrain on one day of the month" sh -c "printf '%s\n' '$lines' |
	awk '\$6 ~ /monthly-retrain\$/ && \$3 ~ /^[0-9]+\$/ && \$5 == \"*\" { f = 1 } END { exit !f }'"
check "...each an executable script of scripts/cron" sh -c "for s in \$(printf '%s\n' '$lines' | awk '{ print \$6 }'); do
	test -x '$C'/\${s##*/} || exit 1; done"
check "...PATH holds the installed binaries (cron's own PATH does not)" grep -q '^PATH=/usr/local/bin:' "$tab"
# the variable and job lines (commented or not) of both
crontab_lines() { grep -E '^(#?[A-Z_]+=|[0-9*])'; }
check_same "vasdom(7) shows the same crontab" "$(crontab_lines <"$tab")" \
	"$(sed -n '/^\.Sh CRON/,/^\.Ed/p' "$top/man/vasdom.7" | sed -n '/^\.Bd/,/^\.Ed/p' | crontab_lines)"

# a database with some history
i=0
while [ $i -lt 20 ]; do i=$((i + 1)); printf '{"message":"Вопрос %s","response":"Ответ %s","rating":5}\n' $i $i; done |
	vasdom-ask --record >/dev/null
vasdom-ask 'Сколько стоит уборка?' >/dev/null

# cronrun CMD: as cron runs it: a bare environment, the crontab's PATH (the
# tools under test in place of /usr/local/bin); prints output, then :status
cronrun() {
	env -i HOME="$HOME" PATH="$VASDOM_BIN:/usr/bin:/bin" VASDOM_DB="$VASDOM_DB" sh -c "$1" 2>&1
	echo ":$?"
}
for s in $(printf '%s\n' "$lines" | awk '{ print $6 }'); do
	cmd=$C/${s##*/}
	check_same "${s##*/} as cron runs it: quiet, exit 0" ":0" "$(cronrun "$cmd")"
done
check_same "...nightly-embed embedded every exchange" 1 "$(vasdom-stats | jq .embedding_coverage)"
check_same "...weekly-evaluate and monthly-retrain recorded their evaluations" 2 \
	"$(sqlite3 "$VASDOM_DB" 'select count(*) from model_metrics')"
check_same "nightly-embed -v says what it did" "builtin 0" "$(sh "$C/nightly-embed" -v | jq -r '"\(.model) \(.embedded)"')"
for s in $jobs; do
	check "$s -h: its usage, exit 0" sh -c "sh '$C/$s' -h | grep -q '^usage: $s '"
done
check_fails "a bad option: exit 2" 2 sh "$C/weekly-evaluate" -x 2>/dev/null

# something that needs attention is said, with a status
printf 'not a database, a text file that is long enough to be read as one\n' >"$T/broken.db"
out=$(VASDOM_DB=$T/broken.db sh "$C/nightly-embed" 2>&1)
check_same "nightly-embed on a broken database: exit 3" 3 $?
check "...and says so" sh -c "printf '%s\n' '$out' | grep -q 'nightly-embed: vasdom-embed failed with status 3'"
i=0
while [ $i -lt 30 ]; do i=$((i + 1)); printf '{"message":"Плохо %s","response":"Нет","rating":1}\n' $i; done |
	vasdom-ask --record >/dev/null
out=$(VASDOM_EVAL_MIN_RATED=10 sh "$C/weekly-evaluate" 2>&1)
check_same "weekly-evaluate when the model needs retraining: exit 4" 4 $?
check "...and says so" sh -c "printf '%s\n' '$out' | grep -q '^weekly-evaluate: the model offline needs retraining: quality poor, average rating 2.6 below 3.5'"
out=$(VASDOM_EVAL_MIN_RATED=10 sh "$C/monthly-retrain" -o "$T/exports" 2>&1)
check_same "monthly-retrain with too few good samples: check-retraining's exit 1" 1 $?
check "...says why" sh -c "printf '%s\n' '$out' | grep -q '^monthly-retrain: retraining needed .* but only 20 samples'"
out=$(VASDOM_EVAL_MIN_RATED=10 VASDOM_RETRAIN_MIN_SAMPLES=20 sh "$C/monthly-retrain" -o "$T/exports" 2>&1)
check_same "monthly-retrain with enough: exit 0" 0 $?
check "...says what it exported, and where" sh -c "printf '%s\n' '$out' | grep -q '^monthly-retrain: retraining needed .*: exported 20 samples of the last 30 days to $T/exports/retrain-'"
check_same "...the file is there" 1 "$(ls "$T"/exports/retrain-*.jsonl | wc -l | tr -d ' ')"

# two at once: the second finds the lock taken and exits 0 at once,
# quietly, without running anything; once the first is done, a run runs
mkdir -p "$T/slow"
for t in vasdom-embed vasdom-stats; do
	real=$(command -v $t)
	printf '#!/bin/sh\necho run >>"%s/calls"\nsleep 1\nexec "%s" "$@"\n' "$T" "$real" >"$T/slow/$t"
	chmod +x "$T/slow/$t"
done
for s in $jobs; do
	: >"$T/calls"
	VASDOM_BIN=$T/slow sh "$C/$s" >"$T/first.out" 2>&1 &
	first=$!
	# the first holds its lock once its tool runs
	i=0; while [ ! -s "$T/calls" ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
	start=$(date +%s%N)
	second=$(VASDOM_BIN=$T/slow sh "$C/$s" 2>&1; echo ":$?")
	took=$((($(date +%s%N) - start) / 1000000))
	wait $first
	st=$?
	if [ "$second" = ":0" ] && [ "$took" -lt 800 ] && [ "$(wc -l <"$T/calls")" -eq 1 ]; then
		ok "$s twice at once: the second exits 0 at once (${took} ms), quietly, running nothing"
	else
		not_ok "$s twice at once: the second exits 0 at once, quietly, running nothing"
		echo "# second: $second, ${took} ms, runs: $(wc -l <"$T/calls")"
	fi
	check_same "...the first one did its work, quietly" ":0" "$(cat "$T/first.out"):$st"
done
done_testing
