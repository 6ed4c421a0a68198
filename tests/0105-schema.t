#!/bin/sh
# Schema migrations: a database of an older version (tests/schema-4.sql,
# made by the schema-4 tools) is brought up to date on open, its rows kept,
# and ends with the same tables as a new file.
. "$(dirname "$0")/lib.sh"
plan 11

sqlite3 "$VASDOM_DB" <"$top/tests/schema-4.sql"
check_same "fixture is schema 4" 4 "$(sqlite3 "$VASDOM_DB" 'PRAGMA user_version')"
vasdom-stats >/dev/null 2>"$T/err"
check_same "opening it migrates: exit 0" 0 $?
check_same "...to schema 7" 7 "$(sqlite3 "$VASDOM_DB" 'PRAGMA user_version')"
check_same "old rows kept, ratings and correction too" "1|5||2|2|Цена по договору." \
	"$(sqlite3 "$VASDOM_DB" 'select log_id, rating, correction from exchanges order by log_id' | tr '\n' '|' | sed 's/|$//')"
check_same "old rows: no token counts or confidence, not handed over" "2|0|0|0|0" \
	"$(sqlite3 "$VASDOM_DB" 'select count(*), count(prompt_tokens), count(completion_tokens), count(confidence), sum(handover) from exchanges')"
# the exchanges table of a migrated file and of a new one: same columns,
# types, defaults and constraints
cols="select name, type, \"notnull\", coalesce(dflt_value, '') from pragma_table_info('exchanges')"
VASDOM_DB=$T/new.db vasdom-ask --record </dev/null >/dev/null   # a new database
check_same "migrated exchanges == new exchanges" "$(sqlite3 "$T/new.db" "$cols")" "$(sqlite3 "$VASDOM_DB" "$cols")"
check_same "new columns present" "prompt_tokens INTEGER|completion_tokens INTEGER|confidence REAL|handover INTEGER" \
	"$(sqlite3 "$VASDOM_DB" "select name || ' ' || type from pragma_table_info('exchanges') where cid >= 16" | tr '\n' '|' | sed 's/|$//')"
check_same "same triggers and indexes" \
	"$(sqlite3 "$T/new.db" "select type, name from sqlite_master where type in ('index', 'trigger', 'table') order by 1, 2")" \
	"$(sqlite3 "$VASDOM_DB" "select type, name from sqlite_master where type in ('index', 'trigger', 'table') order by 1, 2")"
check_same "schema 6: every old exchange queued for the search index" 2 \
	"$(sqlite3 "$VASDOM_DB" 'select count(*) from text_changes')"
check_same "...and found by a search once indexed" "2" \
	"$(vasdom-log -q 'цена договор' | jq -r .log_id)"
echo "Как часто убирают подъезд?" | vasdom-ask -s s2 >/dev/null
check_same "a new exchange after migration: handover 0" "3|0" \
	"$(sqlite3 "$VASDOM_DB" 'select log_id, handover from exchanges where session_id = "s2"')"
done_testing
