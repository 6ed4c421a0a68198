#!/bin/sh
# Limits: hostile input (a 100 MB line, an endless CSV quote, a million
# lines, JSON nested a million deep) is rejected or streamed within a memory
# cap, and a hostile model endpoint (a never-ending body, 100 MB, a byte a
# second, no answer, nesting, NUL, out-of-range numbers) cannot hold a binary
# past its timeout or grow its memory past the cap documented in vasdom(5).
# The caps are address-space limits (ulimit -v); under ASan or valgrind,
# which reserve far more, the caps are left out but everything else is run.
. "$(dirname "$0")/lib.sh"
plan 60

cap=65536	# KiB: vasdom-ask, -rate, -similar and -embed --text
ecap=131072	# KiB: vasdom-embed against a service (replies capped near 200 KB a text)
if can_cap $cap; then
	run_capped() { k=$1; shift; capped "$k" "$@"; }
	capnote="within $((cap / 1024)) MiB"
else
	run_capped() { shift; "$@"; }
	capnote="(no cap: sanitizer or valgrind build)"
fi
echo "# memory cap: $capnote"

# elapsed CMD...: run CMD, leave its wall-clock seconds in $secs
elapsed() {
	t0=$(date +%s.%N)
	"$@"
	st=$?
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	return $st
}
# under X Y: is X < Y?
under() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x < y) }'; }

# --- a 100 MB line --------------------------------------------------------
big() { head -c 100000000 /dev/zero | tr '\0' a; }
{ printf '{"message":"'; big; printf '"}\n{"message":"после длинной строки","response":"ответ"}\n'; } |
	run_capped $cap vasdom-ask --record >"$T/big.out" 2>"$T/big.err"
check_same "100 MB JSON line: exit 1 $capnote" 1 "$?"
check_same "...rejected by its length" "vasdom-ask: line 1: line longer than 1048576 bytes" "$(cat "$T/big.err")"
check_same "...the next line still stored" "после длинной строки" "$(jq -r .message "$T/big.out")"
{ big; printf '\n7 5\n'; } | run_capped $cap vasdom-rate -i text >"$T/bigr.out" 2>"$T/bigr.err"
check_same "100 MB text line to vasdom-rate: rejected, exit 1 $capnote" "1 1" "$? $(grep -c 'line 1: line longer' "$T/bigr.err")"
{ printf 'message,response\n"'; big; printf '",x\n'; } | run_capped $cap vasdom-ask --record -i csv >/dev/null 2>"$T/bigc.err"
check_same "100 MB CSV field on one line: rejected, exit 1 $capnote" "1 1" "$? $(grep -c 'line 2: line longer' "$T/bigc.err")"
# an open quote makes a record of every line that follows: held to 1 MiB too
{ printf 'message,response\n"open quote,x\n'; yes 'строка внутри кавычек, которая не кончается' | head -n 2500000;
  printf 'конец",x\nследующий вопрос,следующий ответ\n'; } |
	run_capped $cap vasdom-ask --record -i csv >"$T/quote.out" 2>"$T/quote.err"
check_same "a CSV quote left open over 100 MB: exit 1 $capnote" 1 "$?"
check_same "...one record rejected as too long" "vasdom-ask: line 2: CSV record longer than 1048576 bytes" "$(cat "$T/quote.err")"
check_same "...and reading goes on after the quote closes" "следующий вопрос" "$(jq -r .message "$T/quote.out")"
vasdom-embed -q >/dev/null
{ printf '{"log_id":"'; big; printf '"}\n'; } | run_capped $cap vasdom-similar -i jsonl >/dev/null 2>"$T/bigs.err"
check_same "100 MB line to vasdom-similar: rejected, exit 1 $capnote" "1 1" "$? $(grep -c 'line 1: line longer' "$T/bigs.err")"
{ big; printf '\n'; } | run_capped $cap vasdom-embed --text -i text >/dev/null 2>"$T/bige.err"
check_same "100 MB line to vasdom-embed --text: rejected, exit 1 $capnote" "1 1" "$? $(grep -c 'line 1: line longer' "$T/bige.err")"
run_capped $cap vasdom-ask "$(head -c 100000 /dev/zero | tr '\0' a)" >/dev/null 2>"$T/bigarg.err"
check_same "a 100 kB argument: rejected as too long, exit 1" "1 1" "$? $(grep -c 'more than 2000' "$T/bigarg.err")"

# --- a million lines ------------------------------------------------------
yes '1 9' | head -n 1000000 | run_capped $cap vasdom-rate --rejects "$T/million.rej" >/dev/null 2>"$T/million.err"
check_same "a million bad ratings: exit 1 $capnote" 1 "$?"
check_same "...a million messages" 1000000 "$(wc -l <"$T/million.err" | tr -d ' ')"
check_same "...the last naming line 1000000" "vasdom-rate: line 1000000: rating: expected a whole number from 1 to 5, got 9" \
	"$(tail -n 1 "$T/million.err")"
check_same "...a million lines in the rejects file" 1000000 "$(wc -l <"$T/million.rej" | tr -d ' ')"
before=$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges')
yes '{"message":"   "}' | head -n 1000000 | run_capped $cap vasdom-ask --record >/dev/null 2>"$T/million2.err"
check_same "a million empty messages: exit 1, a million messages $capnote" "1 1000000" \
	"$? $(grep -c 'empty message' "$T/million2.err")"
check_same "nothing was stored" "$before" "$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM exchanges')"

# --- deep nesting ---------------------------------------------------------
deep() { awk -v n="$1" -v o="$2" -v c="$3" 'BEGIN { for (i = 0; i < n; i++) printf "%s", o; for (i = 0; i < n; i++) printf "%s", c; print "" }'; }
{ printf '{"message":'; deep 400000 '[' ']' | tr -d '\n'; printf '}\n{"message":"после","response":"ответ"}\n'; } |
	run_capped $cap vasdom-ask --record >"$T/deep.out" 2>"$T/deep.err"
check_same "JSON nested 400,000 deep: exit 1, no crash $capnote" 1 "$?"
check "...rejected as too deep" grep -q 'line 1: broken JSON.*depth' "$T/deep.err"
check_same "...the next line stored" "после" "$(jq -r .message "$T/deep.out")"
deep 150000 '{"a":' '}' | sed 's/^/{"log_id":1,"rating":5,"x":/; s/$/}/' |
	run_capped $cap vasdom-rate >/dev/null 2>"$T/deep2.err"
check_same "objects nested 150,000 deep: rejected as too deep, exit 1" "1 1" "$? $(grep -c 'line 1: broken JSON.*depth' "$T/deep2.err")"

# --- hostile language-model endpoints ----------------------------------
# each: the answer falls back to the rules, the failure is recorded, and
# the run ends within the timeout (2 s) plus a second or two of start-up
export VASDOM_LLM_TIMEOUT=2
hostile() {
	mode=$1 why=$2
	fake_server "$mode"
	VASDOM_LLM_URL=$fake_url elapsed run_capped $cap vasdom-ask 'Сколько стоит уборка?' >"$T/h.$mode" 2>"$T/h.$mode.err"
	st=$?
	check_same "$mode: answered from the rules, exit 0, in $secs s $capnote" "0 intent" \
		"$st $(jq -r .source "$T/h.$mode")"
	check "$mode: in time (under 4.5 s)" under "$secs" 4.5
	check "$mode: the failure recorded" jqe --arg why "$why" '.model_error | test($why)' "$T/h.$mode"
}
hostile endless "timed out"
hostile trickle "timed out"
hostile slow "timed out"
hostile huge "larger than 8388608 bytes"
hostile deep "depth"
hostile nul "NUL"
# a listener that accepts and never says a word: only the deadline ends it
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
end = time.time() + 120
while time.time() < end:
    c, _ = s.accept(); conns.append(c)
' "$T/port.mute" &
pids="$pids $!"
i=0; while [ ! -s "$T/port.mute" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
VASDOM_LLM_URL=http://127.0.0.1:$(cat "$T/port.mute")/v1 elapsed vasdom-ask 'Сколько стоит уборка?' >"$T/h.mute"
check "a silent server: the deadline ends the call, in $secs s" under "$secs" 4.5
check "...and it is recorded" jqe '.source == "intent" and (.model_error | test("timed out"))' "$T/h.mute"

# --- hostile embedding endpoints ----------------------------------------
export VASDOM_EMBED_TIMEOUT=2 VASDOM_DB=$T/embed.db
printf '{"message":"Вопрос %d","response":"Ответ"}\n' 1 2 3 | vasdom-ask --record >/dev/null
if can_cap $ecap; then ecapnote="within $((ecap / 1024)) MiB"; else ecapnote=$capnote; fi
ehostile() {
	mode=$1 why=$2
	fake_server "$mode"
	VASDOM_EMBED_TIMEOUT=${4:-2} VASDOM_EMBED_URL=$fake_url elapsed run_capped $ecap vasdom-embed -q -m "hostile-$mode" >"$T/e.$mode" 2>"$T/e.$mode.err"
	st=$?
	check_same "embed $mode: exit 1, nothing stored, in $secs s $ecapnote" "1 0 0" \
		"$st $(jq .embedded "$T/e.$mode") $(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM embeddings WHERE model = 'hostile-$mode'")"
	check "embed $mode: in time (under ${3:-4.5} s)" under "$secs" "${3:-4.5}"
	check "embed $mode: saying why" grep -q "$why" "$T/e.$mode.err"
}
ehostile endless "timed out"
ehostile trickle "timed out"
ehostile huge "malformed JSON\|larger than\|timed out"
# 100 MB of well-formed numbers: cut off at the reply cap, never parsed
ehostile bignums "larger than"
ehostile deep "depth\|larger than"
ehostile wrongcount "vectors for"
# numbers beyond float range must not become NaN vectors (see the report)
fake_server overflow
VASDOM_EMBED_URL=$fake_url vasdom-embed -q -m hostile-overflow >/dev/null 2>&1
nan=$(sqlite3 "$VASDOM_DB" "SELECT count(*) FROM embeddings WHERE model = 'hostile-overflow' AND instr(hex(vector), '0000C0FF') % 8 = 1")
if [ "$nan" = 0 ]; then ok "embedding values beyond float range are refused, no NaN stored"
else not_ok "embedding values beyond float range are refused, no NaN stored ($nan stored)"; fi
done_testing
