#!/bin/sh
# Compact storage (schema 7): vectors in a rowid table on 16 KB pages, the
# file at most 1.3 times its payload. A file of the old layout (schema 6:
# WITHOUT ROWID, 4 KB pages, twice its payload) is migrated on open, its
# vectors byte for byte the same and its search results unchanged; the
# page size is changed only by a process that has the file to itself.
. "$(dirname "$0")/lib.sh"
plan 25

# ratio FILE: the file's size and its b-trees' pages over their payload
ratio() {
	sqlite3 "$1" "SELECT printf('%.2f %.2f', (SELECT page_count * page_size
		FROM pragma_page_count, pragma_page_size) * 1.0 / sum(payload),
		sum(pgsize) * 1.0 / sum(payload)) FROM dbstat"
}
under() { echo "$1" | awk -v max="$2" '{ exit !($1 <= max && $2 <= max) }'; }
vectors="SELECT log_id, model, dim, content_hash, hex(vector), created_at FROM embeddings ORDER BY model, log_id"
queries() { for id in 1 77 500 1999 2500; do vasdom-similar -n 5 "$id"; done; printf '%s\n' "уборка подъезд" "лифт ремонт" | vasdom-similar -n 3; }

vasdom-ask --record </dev/null >/dev/null
"$top/scripts/gen-exchanges" "$VASDOM_DB" 3000
vasdom-embed -q --all >/dev/null
check_same "a new file: 16 KB pages, WAL, schema 7" "16384|wal|7" \
	"$(sqlite3 "$VASDOM_DB" 'PRAGMA page_size; PRAGMA journal_mode; PRAGMA user_version' | tr '\n' '|' | sed 's/|$//')"
r=$(ratio "$VASDOM_DB")
check "a new file of 3,000 vectors: at most 1.3 times its payload ($r)" under "$r" 1.3
sqlite3 "$VASDOM_DB" "$vectors" >"$T/vectors.new"
queries >"$T/hits.new"
check "the searches find something" test "$(wc -l <"$T/hits.new")" -ge 25

# the same file in the old layout: 4 KB pages and a WITHOUT ROWID table
old=$T/old.db
sqlite3 "$VASDOM_DB" "VACUUM INTO '$old'"
sqlite3 "$old" 'PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM' >/dev/null
sqlite3 "$old" <"$top/tests/schema-6-embeddings.sql"
sqlite3 "$old" 'PRAGMA journal_mode = WAL; VACUUM' >/dev/null
check_same "old layout: 4 KB pages, schema 6, WITHOUT ROWID" "4096|6|1" \
	"$(sqlite3 "$old" "PRAGMA page_size; PRAGMA user_version; SELECT sql LIKE '%WITHOUT ROWID' FROM sqlite_master WHERE name = 'embeddings'" | tr '\n' '|' | sed 's/|$//')"
r=$(ratio "$old")
check "old layout: more than 1.8 times its payload ($r)" test "$(echo "$r" | awk '{ print ($1 > 1.8) }')" = 1
cp "$old" "$T/held.db"

# another process holding the file: migrated, but its pages left as they are
mkfifo "$T/fifo"
sqlite3 "$T/held.db" <"$T/fifo" >"$T/held.out" &
holder=$!
pids="$pids $holder"
exec 3>"$T/fifo"
echo "BEGIN; SELECT count(*) FROM exchanges;" >&3
i=0; while [ ! -s "$T/held.out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
VASDOM_DB=$T/held.db vasdom-stats >/dev/null 2>"$T/err"
check_same "opened while another process reads it: exit 0, no message" "0|" "$?|$(cat "$T/err")"
check_same "...migrated to schema 7, its 4 KB pages kept, still WAL" "7|4096|wal" \
	"$(sqlite3 "$T/held.db" 'PRAGMA user_version; PRAGMA page_size; PRAGMA journal_mode' | tr '\n' '|' | sed 's/|$//')"
echo "COMMIT;" >&3
exec 3>&-
wait "$holder"
VASDOM_DB=$T/held.db vasdom-stats >/dev/null
check_same "...and compacted by the next process that has it alone" "16384|wal" \
	"$(sqlite3 "$T/held.db" 'PRAGMA page_size; PRAGMA journal_mode' | tr '\n' '|' | sed 's/|$//')"

# the old file, alone: migrated and compacted on open by a search
VASDOM_DB=$old queries >"$T/hits.old" 2>"$T/err"
check_same "the old file searched: no message" "" "$(cat "$T/err")"
check_same "...migrated: schema 7, 16 KB pages, WAL" "7|16384|wal" \
	"$(sqlite3 "$old" 'PRAGMA user_version; PRAGMA page_size; PRAGMA journal_mode' | tr '\n' '|' | sed 's/|$//')"
check_same "...a rowid table with a unique index on (model, log_id)" "0|1" \
	"$(sqlite3 "$old" "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = 'embeddings'; SELECT count(*) FROM pragma_index_list('embeddings') WHERE \"unique\" AND name = 'embeddings_key'" | tr '\n' '|' | sed 's/|$//')"
check "...every vector byte for byte the same" cmp -s "$T/vectors.new" "$(sqlite3 "$old" "$vectors" >"$T/vectors.old"; echo "$T/vectors.old")"
check "...the same search results" cmp -s "$T/hits.new" "$T/hits.old"
r=$(ratio "$old")
check "...at most 1.3 times its payload ($r)" under "$r" 1.3
check_same "...the same tables, indexes and triggers as a new file" \
	"$(sqlite3 "$VASDOM_DB" "SELECT type, name FROM sqlite_master ORDER BY 1, 2")" \
	"$(sqlite3 "$old" "SELECT type, name FROM sqlite_master ORDER BY 1, 2")"
check_same "...integrity ok" ok "$(sqlite3 "$old" 'PRAGMA integrity_check')"

# the triggers still follow the vectors: a vector deleted by hand is
# seen by the next search (the search cache's delta)
q77=$(sqlite3 "$old" "SELECT json_object('message', message) FROM exchanges WHERE log_id = 77")
check_same "log 77's question finds log 77 first" 77 "$(echo "$q77" | VASDOM_DB=$old vasdom-similar -n 1 | jq .log_id)"
sqlite3 "$old" "DELETE FROM embeddings WHERE log_id = 77"
h=$(echo "$q77" | VASDOM_DB=$old vasdom-similar -n 1 | jq .log_id)
check "...and no longer once its vector is deleted ($h)" test -n "$h" -a "$h" != 77
# killed at any point of the migration and rewrite of a larger old file,
# the file is whole, at schema 6 or 7, with every vector; the copy goes
# into the file's new pages, not through the WAL (which held it all
# before: 7 GB on 1,000,000 vectors)
big=$T/big.db
VASDOM_DB=$big vasdom-ask --record </dev/null >/dev/null
"$top/scripts/gen-exchanges" "$big" 8000
VASDOM_DB=$big vasdom-embed -q --all >/dev/null
sqlite3 "$big" 'PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM' >/dev/null
sqlite3 "$big" <"$top/tests/schema-6-embeddings.sql"
sqlite3 "$big" 'PRAGMA journal_mode = WAL; VACUUM' >/dev/null
sqlite3 "$big" "$vectors" >"$T/vectors.big"
bytes=$(wc -c <"$big")
cp "$big" "$T/try.db"
# the binary itself, never a wrapper (VASDOM_WRAP): a process killed with
# SIGKILL under valgrind leaves a log without its summary
stats=$VASDOM_BIN/vasdom-stats
t0=$(date +%s%N)
VASDOM_DB=$T/try.db "$stats" >/dev/null
full=$(( ($(date +%s%N) - t0) / 1000000 ))
old6=0
for pct in 10 25 40 55 70 85; do
	rm -f "$T/try.db" "$T/try.db-wal" "$T/try.db-shm" "$T/try.db-journal"
	cp "$big" "$T/try.db"
	VASDOM_DB=$T/try.db "$stats" >/dev/null 2>&1 &
	p=$!
	sleep "$(awk -v f="$full" -v p="$pct" 'BEGIN { printf "%.3f", f * p / 100000 }')"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	wal=$(wc -c <"$T/try.db-wal" 2>/dev/null || echo 0)
	v=$(sqlite3 "$T/try.db" 'PRAGMA user_version')
	[ "$v" = 6 ] && old6=$((old6 + 1))
	check_same "killed at $pct% of a migration ($full ms): whole, schema 6 or 7, every vector, WAL $wal of $bytes bytes" \
		"ok|6or7|same|small" \
		"$(sqlite3 "$T/try.db" 'PRAGMA integrity_check')|$(echo "$v" | sed 's/^[67]$/6or7/')|$(sqlite3 "$T/try.db" "$vectors" | cmp -s - "$T/vectors.big" && echo same)|$([ "$wal" -lt $((bytes / 4)) ] && echo small)"
done
VASDOM_DB=$T/try.db vasdom-stats >/dev/null
check_same "...the next open finishes it ($old6 of 6 kills left schema 6): schema 7, 16 KB pages, WAL, the same vectors" \
	"7|16384|wal|same" \
	"$(sqlite3 "$T/try.db" 'PRAGMA user_version; PRAGMA page_size; PRAGMA journal_mode' | tr '\n' '|')$(sqlite3 "$T/try.db" "$vectors" | cmp -s - "$T/vectors.big" && echo same)"
done_testing
