#!/bin/sh
# JSONL lines read by SQLite's JSON1 (vd_json1) make the objects
# jansson's json_loadb makes; what JSON1 might read otherwise (\u escapes,
# reals, integers past 64 bits, nested values) and every malformed line
# is left to jansson, whose messages the rejects keep. The text checks
# beside them: a message trimmed of spaces at both ends (Unicode ones
# too) and UTF-8 checked, as before.
. "$(dirname "$0")/lib.sh"
plan 15
each=$VASDOM_BIN/tests/unit/json1

printf '%s\n' \
	'{"client_id":"a-1","message":"Вопрос: как\n\"часто\"\t\\ убирают?","rating":4,"skip":true,"no":false,"x":null,"n":-0}' \
	'{"a":1,"b":3,"a":"two"}' \
	'  {"message":"x"}  ' \
	'{"n":-9223372036854775808}' >"$T/plain"
"$each" <"$T/plain" >"$T/out"
check_same "plain objects are read by JSON1" "each each each each" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check_same "... into the objects jansson makes" 4 "$(grep -c '^each same ' "$T/out")"
check_same "the last of a repeated key wins, in the first one's place" 'each same {"a":"two","b":3}' "$(sed -n 2p "$T/out")"

printf '%s\n' \
	'{"message":"\u0416 \ud83d\ude00"}' \
	'{"message":"x\\\u0041"}' \
	'{"rating":4.0}' \
	'{"rating":1e2}' \
	'{"similar_used":[1,2],"o":{"k":"v"}}' >"$T/other"
"$each" <"$T/other" >"$T/out"
check_same "\\u escapes, reals and nested values are left to jansson" 5 "$(grep -c '^jansson same ' "$T/out")"
check_same "... which decodes the escapes" 'jansson same {"message":"Ж 😀"}' "$(sed -n 1p "$T/out")"
check_same "a backslash before a u that is not an escape stays with JSON1" 'each same {"message":"C:\\users"}' \
	"$(printf '%s\n' '{"message":"C:\\users"}' | "$each")"

printf '%s\n' '{"n":123456789012345678901}' '["message"]' '{"message":"x"} trailing' \
	'{"message":"a\u0000b"}' '{"message":"\ud800"}' '{"a":1,}' >"$T/bad"
"$each" <"$T/bad" >"$T/out"
check_same "malformed lines get jansson's messages" \
	"error: broken JSON at column 26: too big integer
error: expected a JSON object
error: broken JSON at column 24: end of file expected near 'trailing'
error: broken JSON at column 21: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'
error: broken JSON at column 19: invalid Unicode '\\uD800' near '\"\\ud800\"'
error: broken JSON at column 8: string or '}' expected near '}'" "$(cat "$T/out")"

# the record path: messages trimmed at both ends only, bad UTF-8 rejected
printf '%s\n' '{"message":" \u00a0 Как часто\u00a0убирают? \u200b","response":"Два раза."}' \
	'{"message":"\t Где  ключи?\n","response":"У консьержа."}' >"$T/rec"
printf '{"message":"\300\257","response":"x"}\n' >>"$T/rec"
vasdom-ask --record --rejects "$T/rej" <"$T/rec" >"$T/out" 2>"$T/err"
check_same "messages are trimmed of Unicode spaces at both ends only" \
	"$(printf 'Как часто\302\240убирают?|Где  ключи?')" "$(jq -r '.message' "$T/out" | tr '\n' '|' | sed 's/|$//')"
check_same "an overlong sequence is invalid UTF-8" 1 "$(grep -c 'invalid UTF-8' "$T/rej" "$T/err" | awk -F: '{ s += $2 } END { print s }')"

# replies held in memory for a batch, written at its commit: a CSV header once
( printf '%s\n' '{"message":"Первый?","response":"Да."}'; sleep 0.3
  printf '%s\n' '{"message":"Второй?","response":"Нет."}' ) |
	vasdom-ask --record -f csv >"$T/csv" 2>"$T/err"
check_same "a CSV header once across batches" 1 "$(grep -c '^log_id,' "$T/csv")"
check_same "... and every row after it" 3 "$(wc -l <"$T/csv" | tr -d ' ')"
check_same "stored as the replies say" 2 "$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM exchanges WHERE message IN ('Первый?', 'Второй?')")"
# lines read a piece at a time: one of exactly 1 MiB (its newline
# included) is kept, one byte more is rejected alone, a NUL byte past the
# first piece is seen
python3 -c '
import sys
def rec(m): return b"{\"message\":\"q\",\"response\":\"" + m + b"\"}"
fill = lambda total: rec(b"m" * (total - len(rec(b"")) - 1)) + b"\n"
sys.stdout.buffer.write(fill(1 << 20) + fill((1 << 20) + 1) + rec(b"x" * 3000 + b"\0") + b"\n" + rec(b"last") + b"\n")
' >"$T/long"
VASDOM_DB=$T/long.db vasdom-ask --record --rejects "$T/long.rej" <"$T/long" >"$T/out" 2>"$T/err"
check_same "a line of exactly 1 MiB is stored, whole" "$((1048576 - 30))" "$(jq -r '.response | length' "$T/out" | head -1)"
check_same "one byte longer is rejected alone" "line 2: line longer than 1048576 bytes" \
	"$(grep -o 'line 2: line longer than [0-9]* bytes' "$T/err" "$T/long.rej" | head -1 | sed 's/^[^:]*://')"
check_same "a NUL byte 3,000 bytes in is rejected, the next line stored" "line 3: NUL byte in input|last" \
	"$(grep -o 'line 3: NUL byte in input' "$T/err" "$T/long.rej" | head -1 | sed 's/^[^:]*://')|$(jq -r '.response' "$T/out" | tail -1)"
exit $((failed > 0))
