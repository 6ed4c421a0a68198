#!/bin/sh
# vasdom-export on 100,000 exchanges: every row, in constant memory, and an
# export killed half way leaves neither a half file nor a temporary one.
. "$(dirname "$0")/lib.sh"
plan 7

rows=100000
vasdom-ask --record </dev/null >/dev/null    # the schema
sqlite3 "$VASDOM_DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO exchanges (session_id, message, response, source, model_used,
	created_at, updated_at, rating)
SELECT 's' || (i % 100), printf('Вопрос %d про уборку подъезда в доме %d', i, i % 348),
	printf('Ответ %d: уборка два раза в неделю, бригада %d.', i, i % 6 + 1), 'intent', 'intent:cleaning',
	strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', printf('+%d seconds', i * 60)),
	strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', printf('+%d seconds', i * 60)),
	i % 5 + 1
FROM n;
COMMIT;
SQL
want=$(sqlite3 "$VASDOM_DB" 'select count(*) from exchanges where rating >= 4')
vasdom-export -o "$T/all.jsonl" >/dev/null
check_same "every well rated row exported" "$want" "$(wc -l <"$T/all.jsonl" | tr -d ' ')"
check_same "newest first all the way" "$(sqlite3 "$VASDOM_DB" 'select log_id from exchanges where rating >= 4 order by created_at desc' | md5sum)" \
	"$(jq -r .metadata.log_id "$T/all.jsonl" | md5sum)"
check_same "the file passes --validate" "true $want" \
	"$(vasdom-export --validate "$T/all.jsonl" | jq -r '"\(.valid) \(.examples)"')"

# peak memory of all rows against ten rows: the same, give or take
if [ -x /usr/bin/time ] && [ -z "${VASDOM_WRAP:-}" ] && ! ldd "$(command -v vasdom-export)" | grep -q 'libasan\|libtsan'; then
	/usr/bin/time -f %M -o "$T/rss.10" vasdom-export --max 10 >/dev/null
	/usr/bin/time -f %M -o "$T/rss.all" vasdom-export >/dev/null
	/usr/bin/time -f %M -o "$T/rss.dedup" vasdom-export --dedup --redact >/dev/null
	a=$(tail -1 "$T/rss.10") b=$(tail -1 "$T/rss.all") c=$(tail -1 "$T/rss.dedup")
	check "constant memory: $b KiB for $want rows ($(($(wc -c <"$T/all.jsonl") / 1048576)) MB of output), $a KiB for 10" \
		test $((b - a)) -lt 8192
	check "...also with --dedup --redact ($c KiB)" test $((c - a)) -lt 16384
else
	n=$((n + 1)); echo "ok $n # skip peak memory: no /usr/bin/time, or a sanitizer or wrapper"
	n=$((n + 1)); echo "ok $n # skip peak memory"
fi

# killed half way: no half file, no temporary
mkdir "$T/out"
vasdom-export --redact -o "$T/out/killed.jsonl" >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 500 ] && ! ls -A "$T/out" | grep -q .; do sleep 0.01; i=$((i + 1)); done
kill -TERM $pid
wait $pid
st=$?
check_same "killed by SIGTERM while writing" 143 "$st"
check_same "...nothing left in the folder" "" "$(ls -A "$T/out")"
done_testing
