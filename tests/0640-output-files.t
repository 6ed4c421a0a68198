#!/bin/sh
# -o safety: only a regular file (or a new name) is replaced by rename; a
# FIFO (like a device) is written in place, a symbolic link keeps pointing
# where it did, and the database or its -wal/-shm is refused with exit 2.
# Metrics for another reader (-f prometheus) follow the umask. Never a real
# system path here: the FIFOs and links are in the test's folder.
. "$(dirname "$0")/lib.sh"
plan 18

jq -nc '{message: "Вопрос \(range(12))", response: "Ответ", rating: 5}' | vasdom-ask --record >/dev/null
mkdir "$T/o"

# --- a FIFO: written directly, still a FIFO afterwards ----------------------
mkfifo "$T/o/pipe"
timeout 20 cat "$T/o/pipe" >"$T/o/got" &
p=$!
timeout 20 vasdom-export -o "$T/o/pipe" >"$T/o/rec" 2>"$T/err"
check_same "export -o FIFO: exit 0" "0 " "$? $(cat "$T/err")"
wait $p
check "...the FIFO is still a FIFO" test -p "$T/o/pipe"
check_same "...the reader got the 12 lines" 12 "$(wc -l <"$T/o/got" | tr -d ' ')"
check_same "...no temporary left" "got pipe rec" "$(ls -A "$T/o" | sort | tr '\n' ' ' | sed 's/ $//')"
timeout 20 cat "$T/o/pipe" >"$T/o/got" &
p=$!
timeout 20 vasdom-stats -o "$T/o/pipe" 2>"$T/err"
check_same "stats -o FIFO: exit 0" "0 " "$? $(cat "$T/err")"
wait $p
check "...still a FIFO, the reader got the statistics" \
	sh -c "test -p '$T/o/pipe' && jq -e '.total_interactions == 12' '$T/o/got' >/dev/null"
rm -f "$T/o/got" "$T/o/rec"

# --- a symbolic link: the file it names is replaced, the link stays ---------
echo OLD >"$T/o/real.jsonl"
ln -s real.jsonl "$T/o/link.jsonl"
vasdom-export -o "$T/o/link.jsonl" >/dev/null 2>"$T/err"
check_same "export -o link: exit 0" "0 " "$? $(cat "$T/err")"
check_same "...still a link to the same name" real.jsonl "$(readlink "$T/o/link.jsonl")"
check_same "...the file it names has the export" 12 "$(wc -l <"$T/o/real.jsonl" | tr -d ' ')"

# --- the database: refused -------------------------------------------------
cp "$VASDOM_DB" "$T/before.db"
sum() { sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges' 2>&1; }
check_fails "export -o the database: exit 2" 2 vasdom-export -o "$VASDOM_DB" 2>"$T/err"
check "...says it is the database" grep -q 'is the database' "$T/err"
check_same "...the database still holds its 12 exchanges" 12 "$(sum)"
ln -s "$VASDOM_DB" "$T/o/db-link"
check_fails "export -o a link to the database: exit 2" 2 vasdom-export -o "$T/o/db-link" 2>/dev/null
check_fails "export -o the database's -wal: exit 2" 2 vasdom-export -o "$VASDOM_DB-wal" 2>/dev/null
check_fails "stats -o the database: exit 2" 2 vasdom-stats -o "$VASDOM_DB" 2>/dev/null
check_fails "stats --health -o the database's -shm: exit 2" 2 vasdom-stats --health -o "$VASDOM_DB-shm" 2>/dev/null
check_same "...the database intact" "12 ok" "$(sum) $(sqlite3 "$VASDOM_DB" 'PRAGMA integrity_check')"

# --- metrics for node_exporter: the umask's mode --------------------------
(umask 022; vasdom-stats -f prometheus -o "$T/o/vasdom.prom")
check_same "prometheus -o under umask 022: 644, others can read it" 644 "$(stat -c %a "$T/o/vasdom.prom")"

done_testing
