#!/bin/sh
# The intent rules are compiled to machine code (PCRE2's JIT) only once
# they have been tried a few hundred times: one message (31 tries) does
# not pay for it, a run of many does, and the intents are the same either
# way.
. "$(dirname "$0")/lib.sh"
plan 5
rj=$VASDOM_BIN/tests/unit/rules-jit

"$rj" "$top/data/intents.rules" "Сколько стоит уборка подъезда?" "Когда у вас уборка?" \
	"По какому графику моют подъезды?" "Здравствуйте" "Как часто убирают лестницу?" \
	"Уборки по выходным бывают?" "Цена генеральной уборки" >"$T/r"
val() { sed -n "s/^$1	//p" "$T/r"; }
check_same "one try: no machine code yet" 0 "$(val jit-first)"
check_same "machine code after 256 tries" 256 "$(val tries)"
check "the messages have intents (the comparison can tell)" test "$(val matched)" -ge 5
check_same "...the same ones with machine code as without" 0 "$(val differ)"

# a run of 300 messages, past the tries that compile the rules: each
# answered as a run of one answers it
vasdom-ask --record </dev/null >/dev/null
for i in $(seq 300); do echo "Сколько стоит уборка подъезда $i?"; done >"$T/many"
vasdom-ask -r <"$T/many" | sort -u >"$T/got"
check_same "300 messages in one run: the rule's answer to each" \
	"$(vasdom-ask -r "Сколько стоит уборка подъезда?")" "$(cat "$T/got")"
