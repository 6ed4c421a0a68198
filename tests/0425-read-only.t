#!/bin/sh
# The tools that only read (stats, similar, export) never create a
# database: a missing one (a typo in VASDOM_DB) or an empty file is "no
# database at PATH", exit 3, and nothing is made. They work on a database
# in a folder they may not write (run here as user nobody).
. "$(dirname "$0")/lib.sh"
plan 15

for t in "vasdom-stats" "vasdom-similar -t уборка" "vasdom-export"; do
	$t -d "$T/typo.db" >/dev/null 2>"$T/err"
	check_same "${t%% *} on a missing database: exit 3, no database at PATH" "3 ${t%% *}: no database at $T/typo.db" \
		"$? $(cat "$T/err")"
done
check_same "...and none was created" "" "$(ls "$T" | grep typo)"
: >"$T/empty.db"
vasdom-stats -d "$T/empty.db" >/dev/null 2>"$T/err"
check_same "stats on an empty file: exit 3" 3 $?
check "...says so" grep -q "no database at $T/empty.db" "$T/err"
check_same "...the file left empty" 0 "$(stat -c %s "$T/empty.db")"
vasdom-ask -d "$T/new.db" 'Когда уборка?' >/dev/null
check_same "vasdom-ask still creates one" 0 $?

# --- a database in a folder the user may only read -------------------------------
mkdir "$T/ro" "$T/out"
jq -nc '{message: "Как часто убирают подъезд \(range(12))?", response: "Два раза в неделю.", rating: 5}' |
	vasdom-ask -d "$T/ro/v.db" --record >/dev/null
vasdom-embed -d "$T/ro/v.db" -q >/dev/null
sum=$(sqlite3 "$T/ro/v.db" 'SELECT count(*) FROM exchanges')
listing=$(ls -A "$T/ro")
chmod 755 "$T"
chmod 555 "$T/ro"
chmod 644 "$T/ro"/*
chmod 777 "$T/out"
# the binaries themselves: valgrind's wrapper (VASDOM_WRAP) logs to a
# folder nobody may not write
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env env HOME=/ PATH="$VASDOM_BIN:$PATH" "$@"; }
as_nobody vasdom-stats -d "$T/ro/v.db" >"$T/stats" 2>"$T/err"
check_same "stats in a read-only folder: exit 0" "0 " "$? $(cat "$T/err")"
check_same "...the right figures" "$sum" "$(jq -r .total_interactions "$T/stats")"
as_nobody vasdom-similar -d "$T/ro/v.db" -t 'Как часто убирают подъезд?' >"$T/sim" 2>"$T/err"
check_same "similar in a read-only folder: exit 0, 5 hits" "0 5" "$? $(wc -l <"$T/sim" | tr -d ' ')"
as_nobody vasdom-export -d "$T/ro/v.db" -o "$T/out/x.jsonl" >"$T/exp" 2>"$T/err"
check_same "export in a read-only folder: exit 0" 0 $?
check_same "...the file written" "$sum" "$(wc -l <"$T/out/x.jsonl" | tr -d ' ')"
check "...a warning that it is not recorded" grep -q 'not recorded in training_datasets: the database is read-only here' "$T/err"
check_same "...nothing new in the folder" "$listing" "$(ls -A "$T/ro")"
chmod 755 "$T/ro"

done_testing
