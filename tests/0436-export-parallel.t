#!/bin/sh
# vasdom-export in two threads (a large plain export) against one thread:
# the same bytes and counts for every streamed layout and option it takes,
# and a failure of the second thread's temporary file is a write error.
# VASDOM_EXPORT_PARALLEL_MIN, the number of exchanges from which the two
# threads are used, forces either way on a database of 6,000.
. "$(dirname "$0")/lib.sh"
plan 22

rows=6000
vasdom-ask --record </dev/null >/dev/null    # the schema
# three exchanges to a timestamp, so the cut at the middle one falls among
# equal times; corrections, ratings 1-5 and unrated ones, personal data
sqlite3 "$VASDOM_DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO exchanges (session_id, message, response, source, model_used,
	created_at, updated_at, rating, correction)
SELECT 's' || (i % 37),
	printf('Вопрос %d: "уборка" в доме %d?%s', i, i % 348,
		CASE WHEN i % 11 = 0 THEN ' звоните +7 (4842) 12-34-56, mail me@example.ru' ELSE '' END),
	printf('Ответ %d:\tдва раза в неделю\\nбригада %d', i, i % 6 + 1), 'intent', 'intent:cleaning',
	strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', printf('+%d seconds', i / 3 * 60)),
	strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', printf('+%d seconds', i / 3 * 60)),
	CASE WHEN i % 7 = 0 THEN NULL ELSE i % 5 + 1 END,
	CASE WHEN i % 13 = 0 THEN 'Исправлено ' || i END
FROM n;
COMMIT;
SQL

# both NAME ARGS...: export with two threads and with one into $T/NAME.2
# and $T/NAME.1 (stdout, and stderr with the status); passes when they are
# byte for byte the same and not empty
both() {
	name=$1; shift
	VASDOM_EXPORT_PARALLEL_MIN=0 vasdom-export "$@" >"$T/$name.2" 2>"$T/$name.2.err"
	echo "exit $?" >>"$T/$name.2.err"
	VASDOM_EXPORT_PARALLEL_MIN=1000000000 vasdom-export "$@" >"$T/$name.1" 2>"$T/$name.1.err"
	echo "exit $?" >>"$T/$name.1.err"
	# --redact's session pseudonyms are keyed anew for every run
	sed -Ei 's/s-[0-9a-f]{16}/s-PSEUDONYM/g' "$T/$name.1" "$T/$name.2"
	if [ -s "$T/$name.1" ] && cmp "$T/$name.1" "$T/$name.2" && cmp "$T/$name.1.err" "$T/$name.2.err"
	then ok "$name: the same $(wc -l <"$T/$name.1" | tr -d ' ') lines from two threads as from one"
	else not_ok "$name: two threads differ from one"; fi
}

both openai
both openai-plain --no-metadata --system 'Ты помощник VasDom'
both csv -f csv
both kto -f trl-kto --min-rating 5
both redact --redact
both csv-redact -f csv --redact
both period --since 2026-01-01T08:00 --until 2026-01-01T20:00
check_same "...the period is a part" "$(sqlite3 "$VASDOM_DB" "select count(*) from exchanges where
	created_at >= '2026-01-01T08:00:00.000Z' and created_at < '2026-01-01T20:00:00.000Z' and
	(rating >= 4 or (rating is not null and correction is not null))")" "$(wc -l <"$T/period.1" | tr -d ' ')"
check_same "rows with the middle's time all come before the older ones" \
	"$(sqlite3 "$VASDOM_DB" 'select log_id from exchanges where rating >= 4 or (rating is not null and correction is not null)
	order by created_at desc, log_id desc' | md5sum)" "$(jq -r .metadata.log_id "$T/openai.2" | md5sum)"
both dry-run --dry-run

# --split: two files, and the counts recorded
for w in 0 1000000000; do
	mkdir "$T/split.$w"
	VASDOM_EXPORT_PARALLEL_MIN=$w vasdom-export --split 0.8 -f trl-kto -o "$T/split.$w/d" --name d >"$T/split.$w.out"
done
check "--split: the same train file" cmp "$T/split.0/d.train.jsonl" "$T/split.1000000000/d.train.jsonl"
check "...and the same valid file" cmp "$T/split.0/d.valid.jsonl" "$T/split.1000000000/d.valid.jsonl"
check_same "...the same counts printed" "$(jq -c '[.name, .sample_count]' "$T/split.1000000000.out")" \
	"$(jq -c '[.name, .sample_count]' "$T/split.0.out")"
check_same "...and recorded" "$(sqlite3 "$VASDOM_DB" "select group_concat(sample_count) from (select sample_count
	from training_datasets where path like '%/split.1000000000/%' order by name)")" \
	"$(sqlite3 "$VASDOM_DB" "select group_concat(sample_count) from (select sample_count
	from training_datasets where path like '%/split.0/%' order by name)")"

# -o: the same file and the same record
VASDOM_EXPORT_PARALLEL_MIN=0 vasdom-export -o "$T/file.2.jsonl" | jq -r .sample_count >"$T/file.2.count"
VASDOM_EXPORT_PARALLEL_MIN=1000000000 vasdom-export -o "$T/file.1.jsonl" | jq -r .sample_count >"$T/file.1.count"
check "-o: the same file" cmp "$T/file.1.jsonl" "$T/file.2.jsonl"
check_same "...and sample_count" "$(cat "$T/file.1.count")" "$(cat "$T/file.2.count")"

# the older half goes through a temporary file: over a file size limit
# (here 200 KiB, room for one commit of 16 KB pages to the log; the output,
# a pipe, is exempt) that is a write error, and with -o nothing is left
# behind. The log emptied first, so that the record of the export fits.
sqlite3 "$VASDOM_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
(ulimit -f 400; VASDOM_EXPORT_PARALLEL_MIN=1000000000 vasdom-export; echo $? >"$T/lim.st") | wc -c >"$T/lim.bytes"
check_same "one thread to a pipe under a 200 KiB file size limit" "0 $(wc -c <"$T/openai.1")" \
	"$(cat "$T/lim.st") $(cat "$T/lim.bytes")"
(ulimit -f 400; VASDOM_EXPORT_PARALLEL_MIN=0 vasdom-export 2>"$T/lim.err"; echo $? >"$T/lim.st") | wc -c >/dev/null
check_same "two threads: the temporary file over the limit is a write error" \
	"1 vasdom-export: write error: File too large" "$(cat "$T/lim.st") $(cat "$T/lim.err")"
(ulimit -f 400; VASDOM_EXPORT_PARALLEL_MIN=0 taskset -c 0 vasdom-export 2>"$T/lim.err"; echo $? >"$T/lim.st") | wc -c >"$T/lim.bytes"
check_same "...but on one core (taskset -c 0) one thread, no temporary file: exit 0, every byte" \
	"0 $(wc -c <"$T/openai.1") " "$(cat "$T/lim.st") $(cat "$T/lim.bytes") $(cat "$T/lim.err")"
mkdir "$T/lim"
(ulimit -f 400; VASDOM_EXPORT_PARALLEL_MIN=0 exec vasdom-export -o "$T/lim/x.jsonl") >"$T/lim.out" 2>"$T/lim.err"
check_same "...with -o: exit 1, nothing left in the folder" "1 " "$? $(ls -A "$T/lim")"
VASDOM_EXPORT_PARALLEL_MIN=some vasdom-export >/dev/null 2>"$T/sw.err"
check_same "a malformed VASDOM_EXPORT_PARALLEL_MIN is a configuration error (3), named" \
	"3 vasdom-export: VASDOM_EXPORT_PARALLEL_MIN: expected a whole number from 0 to N, got 'some'" \
	"$? $(sed 's/ to [0-9]*,/ to N,/' "$T/sw.err")"
check_fails "a malformed VASDOM_INDEX_DELTA_MAX is a configuration error" 3 \
	env VASDOM_INDEX_DELTA_MAX=-1 vasdom-similar 1 2>/dev/null
done_testing
