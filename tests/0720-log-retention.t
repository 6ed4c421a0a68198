#!/bin/sh
# scripts/cron/retention as cron runs it (no terminal, its own session,
# stdin from /dev/null, a bare environment with a minimal PATH): quiet when
# nothing is old enough, says what it forgot otherwise, keeps the endorsed
# exchanges with -k, one run at a time, and speaks up on failure.
. "$(dirname "$0")/lib.sh"
plan 15
R=$top/scripts/cron/retention

old=$(date -u -d '400 days ago' +%Y-%m-%dT%H:%M:%SZ)
recent=$(date -u -d '10 days ago' +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' \
	"{\"message\":\"Старый вопрос, тел. 8 916 000-11-22\",\"response\":\"Ответ\",\"created_at\":\"$old\"}" \
	"{\"message\":\"Старый хороший\",\"response\":\"Ответ\",\"rating\":5,\"created_at\":\"$old\"}" \
	"{\"message\":\"Старый исправленный\",\"response\":\"Нет\",\"rating\":1,\"correction\":\"Да\",\"created_at\":\"$old\"}" \
	"{\"message\":\"Новый вопрос\",\"response\":\"Ответ\",\"created_at\":\"$recent\"}" |
	vasdom-ask --record >/dev/null

# cronrun ARGS: the script as cron runs it; prints its output, then :status
cronrun() {
	env -i HOME="$HOME" PATH="$VASDOM_BIN:/usr/bin:/bin" VASDOM_DB="$VASDOM_DB" \
		setsid -w sh "$R" "$@" </dev/null 2>&1
	echo ":$?"
}
check_same "nothing older than 500 days: quiet, exit 0" ":0" "$(cronrun 500)"
check_same "...nothing removed" 4 "$(vasdom-stats | jq .total_interactions)"
out=$(cronrun -k 365)
check_same "-k 365: exit 0" ":0" "$(printf '%s\n' "$out" | tail -1)"
check "...says what it forgot" sh -c "printf '%s\n' '$out' | grep -q '^retention: forgot the exchanges logged more than 365 days ago:$'"
check_same "...the old unrated one only (rated 5 and corrected kept)" "[1]" \
	"$(printf '%s\n' "$out" | sed -n 2p | jq -c .log_ids)"
check_same "...gone from the database" "2 3 4" "$(vasdom-log | jq -r .log_id | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_same "...its text overwritten" 0 "$(cat "$VASDOM_DB" "$VASDOM_DB"-wal 2>/dev/null | grep -c -a '000-11-22')"
check_same "the same again: nothing to do, quiet" ":0" "$(cronrun -k 365)"
out=$(cronrun 365)
check_same "without -k: the endorsed old ones go too" "[2,3]" "$(printf '%s\n' "$out" | sed -n 2p | jq -c .log_ids)"
check_same "...the recent one stays" "4" "$(vasdom-log | jq -r .log_id)"

# one run at a time: a held lock makes a second run exit 0 at once
exec 8>>"$T/test.db.retention.lock"
flock 8
check_same "another run holds the lock: quiet, exit 0" ":0" "$(cronrun 1)"
exec 8>&-
check_same "...and it removed nothing" "4" "$(vasdom-log | jq -r .log_id)"

check_fails "no days: usage error" 2 sh "$R" 2>/dev/null
check_fails "days 0: usage error" 2 sh "$R" 0 2>/dev/null
printf 'not a database, a text file that is long enough to be read as one\n' >"$T/broken.db"
out=$(env -i HOME="$HOME" PATH="$VASDOM_BIN:/usr/bin:/bin" VASDOM_DB="$T/broken.db" setsid -w sh "$R" 30 </dev/null 2>&1)
check_same "a broken database: exit 3, and it says so" "3 yes" \
	"$? $(printf '%s\n' "$out" | grep -q 'retention: vasdom-log --forget failed with status 3' && echo yes)"
done_testing
