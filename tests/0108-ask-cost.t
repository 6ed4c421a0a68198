#!/bin/sh
# What one message costs beyond a search: vasdom-ask writes no temporary
# file (its insert's sub-journal kept in memory).
. "$(dirname "$0")/lib.sh"
plan 2

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
