#!/bin/sh
# The statements a write batch runs for every line are prepared once per
# connection (vd_db_stmt, common/vd_db_stmt.c): one handed out is not
# handed out again until given back, comes back reset with its bindings
# cleared, and a connection closed takes its statements with it.
. "$(dirname "$0")/lib.sh"
plan 7

stmt=$VASDOM_BIN/tests/unit/db-stmt
"$stmt" "$T/a.db" "$T/b.db" >"$T/out"
check_same "the program ran" 0 $?
got() { sed -n "s/^$1 //p" "$T/out"; }
check_same "two asked at once: two statements, each with its own bindings" "yes yes" \
	"$(got two-at-once-distinct) $(got two-at-once-each-its-own)"
check_same "one given back is handed out again" yes "$(got given-back-reused)"
check_same "...reset, its bindings cleared" yes "$(got given-back-clean)"
check_same "a connection closes whole, its statements finalized" yes "$(got closed)"
check_same "after a connection is closed, the next prepares its own" yes "$(got after-close-own-connection)"
check_same "...and reads its own database" yes "$(got after-close-own-data)"
done_testing
