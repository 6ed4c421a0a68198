#!/bin/sh
# Frontends keep one process open: vasdom-ask, vasdom-rate and
# vasdom-similar answer each line as soon as it is read while standard
# input stays open (a coprocess over pipes), and a running vasdom-ask
# learns from the ratings and corrections other processes make meanwhile.
. "$(dirname "$0")/lib.sh"
plan 15

co() { python3 "$top/tests/coproc.py" "$@"; }
# the reply's seconds and a jq filter of it: "FIELD-VALUE" when in time
within() { awk -v s="$1" '$1 == "timeout" { print "timeout"; next } $1 != "exit" { print ($1 <= s ? "in-time" : "late " $1) }'; }

printf '%s\n' '{"message":"Как часто убирают подъезды?","response":"Два раза в неделю, по графику бригады.","rating":5}' \
	'{"message":"Сколько стоит уборка подъезда?","response":"Зависит от площади, менеджер рассчитает.","rating":4}' |
	vasdom-ask --record >/dev/null
vasdom-embed -q >/dev/null

# --- vasdom-ask: the first answer (start-up included), then one within 1 s
cat >"$T/s1" <<'S'
send Убираете ли вы дворы?
expect 30
send Как часто у вас уборка подъездов?
expect 1
S
co "$T/s1" -- vasdom-ask -s chat >"$T/o1"
check_same "vasdom-ask: both answered while stdin stayed open" 2 "$(grep -cv '^exit\|^timeout' "$T/o1")"
check_same "...the second within a second" "in-time" "$(sed -n 2p "$T/o1" | within 1)"
check_same "...and the replies are the answers to them, logged" "Убираете ли вы дворы?|Как часто у вас уборка подъездов?|2" \
	"$(sed -n '1,2p' "$T/o1" | cut -d' ' -f2- | jq -r .message | paste -sd'|')|$(sqlite3 "$VASDOM_DB" "select count(*) from exchanges where session_id = 'chat'")"
check_same "...exit 0 at the end of input" "exit 0" "$(tail -n 1 "$T/o1")"

# --- another process rates an answer 1 with a correction: the same running
# process gives the correction to the next similar question
q1=$(sed -n 1p "$T/o1" | cut -d' ' -f2- | jq -r .log_id)
cat >"$T/s2" <<S
send Убираете ли вы дворы у домов?
expect 30
run echo '{"log_id":$q1,"rating":1,"correction":"Дворы мы не убираем, только подъезды многоквартирных домов."}' | vasdom-rate >/dev/null
send Вы убираете дворы?
expect 1
S
co "$T/s2" -- vasdom-ask -s chat2 >"$T/o2"
check "before the rating: not the correction" \
	test "$(sed -n 1p "$T/o2" | cut -d' ' -f2- | jq -r .response)" != "Дворы мы не убираем, только подъезды многоквартирных домов."
check_same "after another process's correction: the same process gives it" \
	"experience|Дворы мы не убираем, только подъезды многоквартирных домов." \
	"$(sed -n 2p "$T/o2" | cut -d' ' -f2- | jq -r '"\(.source)|\(.response)"')"
check_same "...within a second" "in-time" "$(sed -n 2p "$T/o2" | within 1)"
check_same "...naming the corrected exchange as the one used" "$q1" \
	"$(sed -n 2p "$T/o2" | cut -d' ' -f2- | jq -r '.similar[0].log_id')"

# the same when the changes are too many for a delta (here: any), so the
# running process reads its vectors again
cat >"$T/s2b" <<S
send Моете ли вы окна в подъездах?
expect 30
run vasdom-rate -i jsonl <"$T/fix" >/dev/null
send Моете ли окна в подъезде?
expect 1
S
nxt=$(($(sqlite3 "$VASDOM_DB" 'select max(log_id) from exchanges') + 1))
echo "{\"log_id\":$nxt,\"rating\":1,\"correction\":\"Окна моем раз в квартал.\"}" >"$T/fix"
VASDOM_INDEX_DELTA_MAX=0 co "$T/s2b" -- vasdom-ask -s chat2b >"$T/o2b"
check_same "...also when it reads every vector again" "$nxt experience|Окна моем раз в квартал." \
	"$(sed -n 1p "$T/o2b" | cut -d' ' -f2- | jq -r .log_id) $(sed -n 2p "$T/o2b" | cut -d' ' -f2- | jq -r '"\(.source)|\(.response)"')"

# a rating of 1 without a correction: that answer is avoided from then on
cat >"$T/s3" <<S
send Сколько стоит уборка подъездов?
expect 30
run vasdom-rate 2 1 'не то' >/dev/null
send Сколько стоит уборка подъездов?
expect 1
S
co "$T/s3" -- vasdom-ask -s chat3 >"$T/o3"
check_same "an answer another process rated 1 is no longer given" \
	"experience Зависит от площади, менеджер рассчитает.|intent" \
	"$(sed -n 1p "$T/o3" | cut -d' ' -f2- | jq -r '"\(.source) \(.response)"')|$(sed -n 2p "$T/o3" | cut -d' ' -f2- | jq -r .source)"

# --- vasdom-rate and vasdom-similar answer line by line too
cat >"$T/s4" <<'S'
send 1 5 спасибо
expect 30
send 2 4
expect 1
S
co "$T/s4" -- vasdom-rate >"$T/o4"
check_same "vasdom-rate: each rating replied to at once" "1 2" \
	"$(grep -v '^exit' "$T/o4" | cut -d' ' -f2- | jq -r .log_id | paste -sd' ')"
check_same "...the second within a second" "in-time" "$(sed -n 2p "$T/o4" | within 1)"
cat >"$T/s5" <<'S'
send {"message":"Как часто моют подъезды?"}
expect 30
send {"log_id":2}
expect 1
S
co "$T/s5" -- vasdom-similar -n 1 >"$T/o5"
check_same "vasdom-similar: each query answered at once" "1 1" \
	"$(grep -v '^exit' "$T/o5" | cut -d' ' -f2- | jq -r .log_id | paste -sd' ')"
check_same "...the second within a second" "in-time" "$(sed -n 2p "$T/o5" | within 1)"

# a bulk run into a regular file writes the same records (buffered there)
vasdom-ask -s bulk 'Вопрос раз' 'Вопрос два' >"$T/bulk.out"
check_same "into a file: the records all there" 2 "$(wc -l <"$T/bulk.out" | tr -d ' ')"
done_testing
