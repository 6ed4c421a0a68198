#!/bin/sh
# What one message costs beyond a search: vasdom-ask writes no temporary
# file (its insert's sub-journal kept in memory); it and vasdom-similar
# read the database through a map of the file; once it exits, the
# database file alone holds every exchange (no frame left beside it).
. "$(dirname "$0")/lib.sh"
plan 13

vasdom-ask --record </dev/null >/dev/null
"$top/scripts/gen-exchanges" "$VASDOM_DB" 300
vasdom-embed -q >/dev/null
vasdom-ask "уборка подъезд" >/dev/null
# a file made and removed in a folder changes the folder's time
mkdir "$T/sqltmp"
touch -d '2001-01-01 00:00:00' "$T/sqltmp"
before=$(stat -c %Y "$T/sqltmp")
SQLITE_TMPDIR=$T/sqltmp vasdom-ask "график уборки лифт" >"$T/out"
check "one message answered and logged" sh -c "jq -e '.log_id > 300' '$T/out' >/dev/null"
check_same "...with no temporary file made (the folder SQLite would use unchanged)" \
	"$before" "$(stat -c %Y "$T/sqltmp")"

# a running process (a coprocess: standard input left open) has the
# database file mapped once it has answered; its replies go to a pipe, as
# a coprocess's do, which it writes each at once (to a file, only at the
# end)
mapped() {
	tool=$1; shift
	rm -f "$T/in" "$T/pipe" "$T/o"
	mkfifo "$T/in" "$T/pipe"
	cat "$T/pipe" >"$T/o" &
	"$tool" "$@" <"$T/in" >"$T/pipe" &
	pid=$!
	exec 3>"$T/in"
	echo "график уборки лифт" >&3
	i=0
	while [ ! -s "$T/o" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	grep -c " $VASDOM_DB\$" "/proc/$pid/maps"
	exec 3>&-
	wait
}
m=$(mapped vasdom-ask)
check "vasdom-ask answered with its input open" test -s "$T/o"
check "...reading the database through a map of it ($m mappings)" test "$m" -ge 1
m=$(mapped vasdom-similar)
check "vasdom-similar answered with its input open" test -s "$T/o"
check "...reading the database through a map of it ($m mappings)" test "$m" -ge 1

# once the last process has closed it, the database is one file: no WAL
# beside it, or an empty one (no frame, no exchange's text), a copy of the
# file alone a whole copy
walsize() { stat -c %s "$VASDOM_DB-wal" 2>/dev/null || echo 0; }
vasdom-ask "Когда вывезут мусор из двора номер 4417?" >"$T/last"
check_same "after vasdom-ask exits, no frame is left in a -wal" 0 "$(walsize)"
check_same "...and no exchange's text is in a file beside the database" 0 \
	"$(cat "$VASDOM_DB-wal" "$VASDOM_DB-shm" 2>/dev/null | grep -c -a 'номер 4417')"
mkdir "$T/copy"
cp "$VASDOM_DB" "$T/copy/v.db"
check_same "a copy of the database file alone has every exchange" \
	"$(sqlite3 "$VASDOM_DB" 'SELECT count(*), max(log_id) FROM exchanges')" \
	"$(sqlite3 "$T/copy/v.db" 'SELECT count(*), max(log_id) FROM exchanges')"
check_same "...the last one asked among them" "$(jq -r .log_id "$T/last")" \
	"$(sqlite3 "$T/copy/v.db" "SELECT log_id FROM exchanges WHERE message LIKE '%номер 4417%'")"
# a writer killed once it has logged an answer (a coprocess, its input
# still open; by SIGTERM, which it dies of without closing the database,
# as of SIGKILL, and which valgrind's wrapper reports): its frames stay
# in the WAL until the next process, which takes them in and leaves none
rm -f "$T/in"
mkfifo "$T/in"
vasdom-ask <"$T/in" >/dev/null &
pid=$!
exec 3>"$T/in"
echo "Уберут ли снег у дома 5521?" >&3
i=0
while ! grep -q -a 'дома 5521' "$VASDOM_DB-wal" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$pid"
exec 3>&-
wait "$pid" 2>/dev/null
check "a vasdom-ask killed once it logged an answer left its frames in the -wal" \
	grep -q -a 'дома 5521' "$VASDOM_DB-wal"
vasdom-similar -t "снег" >/dev/null
check_same "...which the next process takes in, leaving none when it exits" 0 "$(walsize)"
cp "$VASDOM_DB" "$T/copy/w.db"
check_same "...the copy of the file alone has that answer" 1 \
	"$(sqlite3 "$T/copy/w.db" "SELECT count(*) FROM exchanges WHERE message LIKE '%дома 5521%'")"
