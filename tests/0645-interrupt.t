#!/bin/sh
# Interrupted runs: SIGTERM and SIGINT say where the run stopped and leave
# no temporary behind; temporaries of killed processes (SIGKILL: no
# handler runs) are removed by the next run, those in use are not.
. "$(dirname "$0")/lib.sh"
plan 11

# --- "stopped at line N" --------------------------------------------------
for sig in TERM:143 INT:130; do
	want=${sig#*:} sig=${sig%:*}
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	# started with SIGINT at its default (a background job's is ignored)
	python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
		vasdom-ask <"$T/fifo" >"$T/out" 2>"$T/err" &
	p=$!
	exec 3>"$T/fifo"
	printf 'Первый вопрос %s\nВторой вопрос %s\n' $sig $sig >&3
	i=0
	while [ "$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE message LIKE '%$sig'" 2>/dev/null)" != 2 ] &&
		[ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	kill -$sig $p
	exec 3>&-
	wait $p
	st=$?
	check_same "SIG$sig while reading: dies of the signal" $want $st
	check_same "...says where it stopped (the lines before it are done)" "vasdom-ask: stopped at line 2" "$(cat "$T/err")"
done

# --- an export killed half way leaves no temporary --------------------------
"$top/scripts/gen-exchanges" "$VASDOM_DB" 20000
sqlite3 "$VASDOM_DB" 'UPDATE exchanges SET rating = 5'
mkdir "$T/x"
vasdom-export -f csv -o "$T/x/big.csv" 2>"$T/err" &
p=$!
i=0; while [ -z "$(ls -A "$T/x")" ] && [ $i -lt 400 ]; do sleep 0.01; i=$((i + 1)); done
kill -TERM $p
wait $p
check_same "export SIGTERM: dies of the signal" 143 $?
check_same "...nothing left in the folder" "" "$(ls -A "$T/x")"
check "...says it stopped" grep -q '^vasdom-export: stopped' "$T/err"

# --- stale temporaries: removed by the next run ---------------------------
echo partial >"$T/x/.big.csv.Ab12Cd"
touch -d '1 hour ago' "$T/x/.big.csv.Ab12Cd"
echo in-use >"$T/x/.big.csv.Ef34Gh"
touch -d '1 hour ago' "$T/x/.big.csv.Ef34Gh"
# a live writer: holds the lock (the same process, so kill ends it)
sh -c 'exec 9<"$1"; flock 9; exec sleep 60' sh "$T/x/.big.csv.Ef34Gh" >/dev/null 2>&1 &
lk=$!
pids="$pids $lk"
i=0; while flock -n "$T/x/.big.csv.Ef34Gh" true && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
echo other >"$T/x/.other.csv.Ij56Kl"
touch -d '1 hour ago' "$T/x/.other.csv.Ij56Kl"
vasdom-export --max 10 -o "$T/x/big.csv" >/dev/null
check_same "export: a killed run's temporary removed, one in use and another file's kept" \
	".big.csv.Ef34Gh .other.csv.Ij56Kl big.csv" "$(ls -A "$T/x" | sort | tr '\n' ' ' | sed 's/ $//')"
kill $lk 2>/dev/null

vasdom-embed -q >/dev/null
vasdom-similar -t 'уборка подъезда' >/dev/null
cache=$(echo "$VASDOM_DB".vec-*)
dead=$(sh -c 'echo $$')
head -c 5000 /dev/zero >"$cache.$dead.tmp"
cdir=$(dirname "$cache") cbase=$(basename "$cache")
head -c 5000 /dev/zero >"$cdir/.$cbase.Mn78Op"
touch -d '1 hour ago' "$cdir/.$cbase.Mn78Op"
head -c 5000 /dev/zero >"$cdir/.$cbase.Qr90St"
vasdom-similar -t 'уборка подъезда' >/dev/null
check "search cache: an old-style temporary of a dead process removed" test ! -e "$cache.$dead.tmp"
check "...a killed run's temporary removed" test ! -e "$cdir/.$cbase.Mn78Op"
check "...a fresh one (maybe being written) kept" test -e "$cdir/.$cbase.Qr90St"

done_testing
