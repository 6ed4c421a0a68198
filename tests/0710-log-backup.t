#!/bin/sh
# vasdom-log --backup, 4 times, while 4 writers ask, record and rate for
# 20 s or more (until the 4 copies are made, however slow): each
# copy is sound (integrity_check ok, mode 0600) and is the database as one
# moment left it: no half transaction (every rating's history row is
# there, every exchange's queued search index row), a count between the
# source's before and after the copy; the writers never fail.
. "$(dirname "$0")/lib.sh"
plan 12

vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
end=$(($(date +%s) + 20))
# writer N: until the backups are done, one exchange rated at once (one transaction
# with its history row) and a rating of an older one (another)
writer() {
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		printf '{"message":"Вопрос %s-%s про уборку","response":"Ответ","rating":%s,"session_id":"w%s"}\n' \
			"$1" $i $((i % 5 + 1)) "$1" | vasdom-ask --record >/dev/null || { echo "writer $1: ask failed" >&2; exit 1; }
		vasdom-rate $((i % 10 + 1)) $((i % 5 + 1)) >/dev/null || { echo "writer $1: rate failed" >&2; exit 1; }
	done
}
wpids=
for w in 1 2 3 4; do writer $w 2>>"$T/writers.err" & wpids="$wpids $!"; done
pids="$pids $wpids"

k=0 bad=
sleep 3
while [ $k -lt 4 ]; do
	k=$((k + 1))
	before=$(sqlite3 -cmd '.timeout 30000' "$VASDOM_DB" 'select count(*) from exchanges')
	vasdom-log --backup "$T/copy$k.db" >"$T/b$k" 2>>"$T/backup.err" || bad="$bad backup$k"
	after=$(sqlite3 -cmd '.timeout 30000' "$VASDOM_DB" 'select count(*) from exchanges')
	echo "$before $(jq -r .exchanges "$T/b$k") $after" >>"$T/counts"
	# the next copy after the writers added more (up to 60 s: valgrind)
	w=0
	while [ "$(sqlite3 -cmd '.timeout 30000' "$VASDOM_DB" 'select count(*) from exchanges')" -le "$after" ] && [ $w -lt 600 ]; do
		sleep 0.1; w=$((w + 1))
	done
done
while [ "$(date +%s)" -lt "$end" ]; do sleep 0.5; done
touch "$T/stop"
failed_writers=0
for p in $wpids; do wait "$p" || failed_writers=$((failed_writers + 1)); done
check_same "4 backups taken while the writers ran, each exit 0" "" "$bad"
check_same "no writer failed (busy, locked) during the backups" "0 " "$failed_writers $(cat "$T/writers.err")"
# how many depends on the machine (under valgrind an ask takes seconds):
# that each writer wrote, and more after the first copy, is enough
writers=$(sqlite3 -cmd '.timeout 30000' "$VASDOM_DB" "select count(distinct session_id) from exchanges where session_id like 'w_'")
total=$(sqlite3 -cmd '.timeout 30000' "$VASDOM_DB" 'select count(*) from exchanges')
first=$(head -1 "$T/counts" | cut -d' ' -f3)
check "the writers wrote all along (each one, and after the first copy)" \
	test "$writers" -eq 4 -a "$total" -gt "$first"
check_same "every copy: integrity ok" "ok ok ok ok" "$(cat "$T"/b? | jq -r .integrity | tr '\n' ' ' | sed 's/ $//')"
check_same "...mode 0600" "600 600 600 600" "$(stat -c %a "$T"/copy?.db | tr '\n' ' ' | sed 's/ $//')"
check_same "...integrity_check of the copy again, by sqlite3" "ok ok ok ok" \
	"$(for c in "$T"/copy?.db; do sqlite3 "$c" 'pragma integrity_check'; done | tr '\n' ' ' | sed 's/ $//')"
check "...the exchanges a copy holds: between the source's before and after it" \
	awk '$1 > $2 || $2 > $3 { exit 1 }' "$T/counts"
check "...and the copies grow (taken at different moments)" \
	awk 'NR > 1 && $2 <= prev { exit 1 } { prev = $2 }' "$T/counts"
# one moment: every rating of an exchange has its history row, the last of
# which is the exchange's rating, and every exchange is indexed or queued
half=0
for c in "$T"/copy?.db; do
	m=$(sqlite3 "$c" "select count(*) from exchanges x where x.rating is not
		(select r.rating from ratings r where r.log_id = x.log_id order by r.id desc limit 1)")
	[ "$m" -eq 0 ] || half=$((half + 1))
done
check_same "no half transaction: each exchange's rating is its last history row" 0 $half
check_same "...each exchange is in the search index or its queue" "0 0 0 0" \
	"$(for c in "$T"/copy?.db; do sqlite3 "$c" "select count(*) from exchanges where log_id not in
		(select rowid from exchanges_fts union select log_id from text_changes)"; done | tr '\n' ' ' | sed 's/ $//')"
check_same "...the vasdom tools open a copy (counts as the record says)" \
	"$(jq .exchanges "$T/b4")" "$(vasdom-stats -d "$T/copy4.db" | jq .total_interactions)"
check_same "no temporary file left beside the copies" "" "$(ls "$T" | grep '\.tmp$')"
done_testing
