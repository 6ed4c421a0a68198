#!/bin/sh
# A killed batch of questions can be run again: vasdom-ask honours
# client_id in normal mode as --record does (a question stored under it
# is not asked again; --skip-existing prints it as stored).
. "$(dirname "$0")/lib.sh"
plan 7

q() { jq -nc --argjson n "$1" 'range(1; $n + 1) | {client_id: "q\(.)", message: "Как часто убирают подъезд номер \(.)?"}'; }
count() { sqlite3 "$VASDOM_DB" 'SELECT count(*), count(DISTINCT client_id) FROM exchanges'; }
q 3 | vasdom-ask >"$T/first"
check_same "3 questions asked, each stored with its client_id" "3|3" "$(count)"
check_same "...client_id q2 is log 2" 2 "$(sqlite3 "$VASDOM_DB" "SELECT log_id FROM exchanges WHERE client_id = 'q2'")"
q 3 | vasdom-ask >"$T/again" 2>"$T/err"
check_same "asked again without --skip-existing: exit 1, each line rejected" "1 3" "$? $(grep -c 'client_id q[123] is already stored as log [123]' "$T/err")"
check_same "...nothing stored twice" "3|3" "$(count)"
q 5 | vasdom-ask --skip-existing >"$T/resume"
check_same "resumed with --skip-existing: the 3 stored printed as existed, 2 new asked" \
	"1:true 2:true 3:true 4:null 5:null" \
	"$(jq -r '"\(.log_id):\(.existed)"' "$T/resume" | tr '\n' ' ' | sed 's/ $//')"
check_same "...5 exchanges, no duplicates" "5|5" "$(count)"
check_same "...the stored answers printed as they were" "$(jq -c '[.log_id, .response]' "$T/first")" \
	"$(head -n 3 "$T/resume" | jq -c '[.log_id, .response]')"

done_testing
