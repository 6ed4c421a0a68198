#!/bin/sh
# The search cache after changes: a cache file a few changes old is used
# as it is, with the changed exchanges read again beside it (the file is
# not rewritten), and the hits are byte for byte those of a cache built
# afresh from a copy of the database; many changes, or a log pruned past
# the file, make it be built again.
. "$(dirname "$0")/lib.sh"
plan 40

vasdom-ask --record </dev/null >/dev/null   # the schema
"$top/scripts/gen-exchanges" "$VASDOM_DB" 2000
vasdom-embed -q >/dev/null
# queries by log id and by text; the texts repeat generated messages, so
# several hits tie and the order of ties is checked too
sqlite3 "$VASDOM_DB" "SELECT json_object('log_id', log_id) FROM exchanges WHERE log_id % 97 = 5;
	SELECT json_object('message', message) FROM exchanges WHERE log_id IN (3, 400, 1500)" >"$T/q"
printf '%s\n' '{"message":"уборка подъезд график"}' '{"message":"жалоба лифт ночь"}' >>"$T/q"

search() { # DB ARGS...: both searches, plain and well rated only
	db=$1; shift
	vasdom-similar -d "$db" -n 12 "$@" <"$T/q"
	vasdom-similar -d "$db" -n 12 --min-rating 4 "$@" <"$T/q"
}
cache() { echo "$VASDOM_DB".vec-*; }
stamp() { stat -c '%i %y' "$(cache)"; }
# same DESC: the hits now equal those of a fresh cache on a copy
same() {
	rm -f "$T/fresh.db"*
	sqlite3 "$VASDOM_DB" "VACUUM INTO '$T/fresh.db'"
	search "$VASDOM_DB" >"$T/got" 2>"$T/got.err"
	search "$T/fresh.db" >"$T/want"
	if [ -s "$T/want" ] && cmp -s "$T/got" "$T/want" && [ ! -s "$T/got.err" ]; then
		ok "$1: the hits of a fresh cache"
	else
		not_ok "$1: the hits of a fresh cache"
		diff "$T/want" "$T/got" | head -n 5 | sed 's/^/# /'
	fi
}
kept() { check_same "$1: the cache file is not rewritten" "$before" "$(stamp)"; }

search "$VASDOM_DB" >/dev/null
check "a search makes the cache file" test -f "$(cache)"
check_same "...and records the log's seq as its cursor" 1 \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM index_cursors WHERE model = 'builtin'")"
before=$(stamp)
same "unchanged"
kept "unchanged"

# (a) ratings: an unrated exchange rated 5 is found by --min-rating 4, a
# rated one corrected, one rated 1 drops out of it
q1=$(vasdom-similar -n 3 5 | jq -r .log_id | tail -n 1)
old=$(sqlite3 "$VASDOM_DB" "SELECT rating FROM exchanges WHERE log_id = $q1")
vasdom-rate "$q1" 5 >/dev/null
printf '{"log_id":400,"rating":2,"correction":"Другой ответ."}\n{"log_id":97,"rating":1}\n' |
	vasdom-rate >/dev/null
check_same "a rating bumps the version and is logged" "$q1" \
	"$(sqlite3 "$VASDOM_DB" "SELECT log_id FROM index_changes WHERE log_id = $q1 LIMIT 1")"
same "rated"
kept "rated"
check "rated 5 (was ${old:-none}): found with --min-rating 4" \
	sh -c "vasdom-similar -n 3 --min-rating 4 5 | jq .log_id | grep -qx '$q1'"

# (b) new exchanges, two of them asking what exchange 3 asks (ties)
m3=$(sqlite3 "$VASDOM_DB" "SELECT message FROM exchanges WHERE log_id = 3")
jq -cn --arg m "$m3" '{message: $m, response: "Новый ответ.", rating: 5},
	{message: $m, response: "Ещё ответ."},
	{message: "уборка подъезд график стоимость", response: "По договору.", rating: 4}' |
	vasdom-ask --record >/dev/null
check_same "new exchanges embedded (and 400, its answer corrected)" 4 "$(vasdom-embed | jq .embedded)"
same "new exchanges"
kept "new exchanges"
check_same "...found among the hits" 2 \
	"$(vasdom-similar -n 12 3 | jq -r 'select(.log_id > 2000) | .log_id' | wc -l | tr -d ' ')"

# (c) a message changed and embedded again
sqlite3 "$VASDOM_DB" "UPDATE exchanges SET message = 'жалоба лифт ночь' WHERE log_id = 700"
check_same "the changed message embedded again" 1 "$(vasdom-embed | jq .embedded)"
same "message changed"
kept "message changed"

# (d) an exchange deleted (its vector goes with it)
sqlite3 "$VASDOM_DB" "PRAGMA foreign_keys = ON; DELETE FROM exchanges WHERE log_id = 3"
same "exchange deleted"
kept "exchange deleted"
check_same "...not found any more" "" "$(vasdom-similar -n 20 4 | jq -r 'select(.log_id == 3) | .log_id')"

# (e) a vector deleted by hand: the exchange is not searched until
# vasdom-embed --all, which writes every vector (and refits the built-in
# model): too many changes, the file is built again
sqlite3 "$VASDOM_DB" "DELETE FROM embeddings WHERE log_id = 1500"
same "vector deleted"
kept "vector deleted"
vasdom-embed --all -q >/dev/null
same "embed --all"
check "embed --all: the cache file is built again" test "$before" != "$(stamp)"
check_same "...and the log is pruned to its cursor" 0 "$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM index_changes")"

# the threshold: VASDOM_INDEX_DELTA_MAX changed exchanges at most
before=$(stamp)
printf '11 5\n12 5\n13 5\n' | vasdom-rate >/dev/null
VASDOM_INDEX_DELTA_MAX=3 vasdom-similar 11 >/dev/null
check_same "3 changes, at most 3: the file is kept" "$before" "$(stamp)"
VASDOM_INDEX_DELTA_MAX=2 vasdom-similar 11 >/dev/null
check "3 changes, at most 2: the file is built again" test "$before" != "$(stamp)"
same "after a rebuild by the threshold"
before=$(stamp)
printf '14 5\n' | vasdom-rate >/dev/null
VASDOM_INDEX_DELTA_MAX=0 vasdom-similar 11 >/dev/null
check "VASDOM_INDEX_DELTA_MAX=0: every change rebuilds" test "$before" != "$(stamp)"

# a file older than the pruned log (saved late by a slow process) cannot
# be brought up to date: it is built again
cp "$(cache)" "$T/old-cache"
printf '15 5\n' | vasdom-rate >/dev/null
VASDOM_INDEX_DELTA_MAX=0 vasdom-similar 11 >/dev/null
cp "$T/old-cache" "$(cache)"
before=$(stamp)
printf '16 5\n' | vasdom-rate >/dev/null
same "a file older than the pruned log"
check "...is built again" test "$before" != "$(stamp)"

# the cursor is not worth waiting for: another writer holds the lock, the
# search still answers at once (and the cursor stays where it was)
printf '17 5\n' | vasdom-rate >/dev/null
cur=$(sqlite3 "$VASDOM_DB" "SELECT seq FROM index_cursors WHERE model = 'builtin'")
rm -f "$T/locked"
( printf 'BEGIN IMMEDIATE;\n.shell touch %s\n.shell sleep 4\nCOMMIT;\n' "$T/locked" |
	sqlite3 "$VASDOM_DB" >/dev/null ) &
pids="$pids $!"
i=0; while [ ! -f "$T/locked" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
VASDOM_INDEX_DELTA_MAX=0 VASDOM_BUSY_TIMEOUT=60000 vasdom-similar -n 5 11 >"$T/locked.out" 2>"$T/locked.err"
st=$?
check_same "writer holding the lock: the search rebuilds and answers" "0 5" \
	"$st $(wc -l <"$T/locked.out" | tr -d ' ')"
check_same "...without the cursor" "$cur" \
	"$(sqlite3 "$VASDOM_DB" "SELECT seq FROM index_cursors WHERE model = 'builtin'")"
wait
printf '18 5\n' | vasdom-rate >/dev/null
VASDOM_INDEX_DELTA_MAX=0 vasdom-similar 11 >/dev/null
check_same "...which the next rebuild writes" 1 \
	"$(sqlite3 "$VASDOM_DB" "SELECT seq > $cur FROM index_cursors WHERE model = 'builtin'")"

# another model's vectors do not count against this model's file
before=$(stamp)
sqlite3 "$VASDOM_DB" "INSERT INTO embeddings SELECT log_id, 'other', 2, 'x', zeroblob(8), created_at
	FROM exchanges WHERE log_id <= 1500"
printf '19 5\n' | vasdom-rate >/dev/null
same "another model's 1500 vectors"
kept "another model's 1500 vectors"

# a model no longer searched holds the log back only while its file is
# within a delta's reach (32 log rows an allowed exchange): further behind,
# it would be built again anyway, and the log must not grow for ever
sqlite3 "$VASDOM_DB" "INSERT INTO index_cursors SELECT 'gone', seq FROM sqlite_sequence
	WHERE name = 'index_changes'"
gone=$(sqlite3 "$VASDOM_DB" "SELECT seq FROM index_cursors WHERE model = 'gone'")
printf '22 5\n23 5\n24 5\n' | vasdom-rate >/dev/null
VASDOM_INDEX_DELTA_MAX=1 vasdom-similar 11 >/dev/null
check_same "a stale model's file within reach: the log after it is kept" 3 \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM index_changes WHERE seq > $gone")"
sqlite3 "$VASDOM_DB" "UPDATE exchanges SET rating = 3 WHERE log_id BETWEEN 100 AND 199"
VASDOM_INDEX_DELTA_MAX=1 vasdom-similar 11 >/dev/null
check_same "...out of reach: the log is dropped up to the searched model's file" "0 1" \
	"$(sqlite3 "$VASDOM_DB" "SELECT count(*) || ' ' || ((SELECT seq FROM index_cursors
		WHERE model = '') > $gone) FROM index_changes")"
same "after the log was dropped"

# the database restored from a copy older than the file: built again
rm -f "$T/backup.db"
sqlite3 "$VASDOM_DB" "VACUUM INTO '$T/backup.db'"
printf '20 1\n21 1\n' | vasdom-rate >/dev/null
VASDOM_INDEX_DELTA_MAX=0 vasdom-similar 11 >/dev/null
rm -f "$VASDOM_DB-wal" "$VASDOM_DB-shm"
cp "$T/backup.db" "$VASDOM_DB"
before=$(stamp)
same "the database restored from a copy"
check "...is built again" test "$before" != "$(stamp)"

# finally, the plain way: the file removed
search "$VASDOM_DB" >"$T/delta"
rm -f "$(cache)"
search "$VASDOM_DB" >"$T/rebuilt"
check "a removed file, rebuilt: the same hits" cmp -s "$T/delta" "$T/rebuilt"
done_testing
