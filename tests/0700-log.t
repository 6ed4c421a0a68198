#!/bin/sh
# vasdom-log: browsing with every filter and the cursor, the search in
# any inflection and ranked, transcripts, forgetting a session for good
# (its text in neither the database, its -wal nor the search cache; never
# returned again), and a backup.
. "$(dirname "$0")/lib.sh"
plan 60

ids() { jq -r .log_id | tr '\n' ' ' | sed 's/ $//'; }
cat >"$T/kb.jsonl" <<'EOF2'
{"message":"Когда уборка подъезда?","response":"По графику.","rating":5,"session_id":"a","created_at":"2026-01-10T10:00:00Z"}
{"message":"Сколько стоит мытье окон?","response":"По договору.","rating":2,"session_id":"a","created_at":"2026-01-11T10:00:00Z"}
{"message":"Где ваш офис?","response":"В Калуге.","session_id":"b","created_at":"2026-02-01T10:00:00Z"}
{"message":"Кто отвечает за лифт?","response":"Управляющая компания.","rating":1,"correction":"Лифт обслуживает УК, не мы.","session_id":"b","created_at":"2026-02-02T10:00:00Z"}
{"message":"Нужна уборка уборки уборку, срочно уборка","response":"Запишем.","rating":4,"session_id":"c","created_at":"2026-03-01T10:00:00Z"}
{"message":"Про мусор","response":"Вывоз мусора по средам, уборку делаем после.","session_id":"c","created_at":"2026-03-02T10:00:00Z"}
{"message":"Какой у вас телефон?","response":"Звоните менеджеру.","rating":3,"session_id":"d","created_at":"2026-03-03T10:00:00Z"}
{"message":"Есть ли скидки?","response":"Нет.","session_id":"d","created_at":"2026-03-04T10:00:00Z"}
EOF2
vasdom-ask --record <"$T/kb.jsonl" >/dev/null
printf '%s\n' '{"message":"Как часто вы моете лестницы?","response":"Дважды в неделю.","session_id":"e"}' \
	'{"message":"Какие бригады работают в Жилетово?","response":"Третья.","session_id":"e"}' |
	vasdom-ask --record >/dev/null

# browse
vasdom-log >"$T/o"
check_same "newest first, every field of vasdom(7)" "10 9 8 7 6 5 4 3 2 1" "$(ids <"$T/o")"
check_same "...the fields" \
	"log_id session_id message response source model_used response_time similar_found learning_improved confidence handover rating feedback_text correction created_at updated_at" \
	"$(head -1 "$T/o" | jq -r 'keys_unsorted | join(" ")')"
check_same "-n 3" "10 9 8" "$(vasdom-log -n 3 | ids)"
i=0; while [ $i -lt 25 ]; do i=$((i + 1)); echo "Вопрос номер $i"; done | vasdom-ask -s bulk >/dev/null
check_same "20 by default" 20 "$(vasdom-log | wc -l | tr -d ' ')"
check_same "-n 0: all" 35 "$(vasdom-log -n 0 | wc -l | tr -d ' ')"
check_same "--session" "4 3" "$(vasdom-log --session b | ids)"
check_same "--source record --rating 5" "1" "$(vasdom-log --source record --rating 5 | ids)"
check_same "--min-rating 4" "5 1" "$(vasdom-log --min-rating 4 | ids)"
check_same "--unrated, in a window" "8 6 3" "$(vasdom-log --unrated --since 2026-01-01 --until 2026-03-31 | ids)"
check_same "--corrected" "4" "$(vasdom-log --corrected | ids)"
check_same "--since/--until: a day alone includes that day" "4 3" "$(vasdom-log --since 2026-02-01 --until 2026-02-02 | ids)"
check_same "--id-gt: a cursor, oldest first" "9 10 11" "$(vasdom-log --id-gt 8 -n 3 | ids)"
vasdom-log --session nobody >"$T/o"
check_same "nothing found: exit 1, no output" "1 0" "$? $(wc -c <"$T/o" | tr -d ' ')"
check_same "-f csv: the header and a row" "log_id,session_id,message" \
	"$(vasdom-log -f csv -n 1 | head -1 | cut -d, -f1-3)"
check_fails "--rating 6: usage error" 2 vasdom-log --rating 6 2>/dev/null
check_fails "--source nonsense: usage error" 2 vasdom-log --source nonsense 2>/dev/null
check_fails "--until before --since: usage error" 2 vasdom-log --since 2026-03-01 --until 2026-01-01 2>/dev/null
check_fails "--dry-run without --forget: usage error" 2 vasdom-log --dry-run 2>/dev/null
check_fails "no database at the path: exit 3" 3 vasdom-log -d "$T/none.db" 2>/dev/null
check "...and none made" test ! -e "$T/none.db"

# search: every inflection, ranked by BM25, the question first
vasdom-log -q уборка >"$T/o"
check_same "-q уборка finds уборка, уборки, уборку (answers too)" "5 1 6" "$(ids <"$T/o")"
check_same "...ranked: rank 1, 2, 3 with falling scores" "1 2 3 true" \
	"$(jq -rs '[.[].rank | tostring] + [(.[0].score > .[1].score and .[1].score > .[2].score | tostring)] | join(" ")' "$T/o")"
check_same "-q уборку: the same" "5 1 6" "$(vasdom-log -q уборку | ids)"
check_same "-q: every word must be there" "1" "$(vasdom-log -q 'уборки подъездов' | ids)"
check_same "-q over corrections" "4" "$(vasdom-log -q 'обслуживают' | ids)"
check_same "-q with a filter" "6" "$(vasdom-log -q уборка --unrated | ids)"
sqlite3 "$VASDOM_DB" "insert into exchanges (session_id, message, response, source, created_at, updated_at)
	values ('sql', 'Уборкой займемся завтра', 'Да', 'record', '2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z')"
check_same "a row written by sqlite3 is found (queued by a trigger)" "36" "$(vasdom-log -q уборкой --session sql | ids)"
sqlite3 "$VASDOM_DB" "update exchanges set message = 'Про лестницы' where log_id = 36"
check_same "...and once changed, found by its new text only" ":36" \
	"$(vasdom-log -q уборка --session sql | ids):$(vasdom-log -q лестница --session sql | ids)"
check_fails "-q of function words only: usage error" 2 vasdom-log -q 'как и' 2>/dev/null

# transcript
check_same "--transcript: the session in order (records when piped)" "3 4" "$(vasdom-log --transcript b | ids)"
vasdom-log --transcript b -f text >"$T/o"
check "-f text: readable, the question, answer and correction" \
	grep -q '^Correction: Лифт обслуживает УК, не мы.$' "$T/o"
check_same "...one block per exchange" 2 "$(grep -c '^#[0-9]' "$T/o")"
printf '{"message":"Привет\\u001b]0;pwned\\u0007\\u001b[2J","response":"Да","session_id":"esc"}\n' |
	vasdom-ask -d "$T/esc.db" --record >/dev/null
check_same "-f text: a terminal's control characters shown escaped, not sent" 'Q: Привет\x1b]0;pwned\x07\x1b[2J' \
	"$(vasdom-log -d "$T/esc.db" --transcript esc -f text | grep '^Q:')"

# forget a session with a phone number and a name in it, held by an
# export, a vector, the search cache and the search index; another
# process keeps the database open, so its -wal file stays
phone='+7 916 555-12-34' name='Аглая Вертихвосткина'
vasdom-ask -s victim "Позвоните мне $phone, спросите $name" "Это снова $name" >/dev/null
vasdom-rate "$(vasdom-log --session victim -n 1 | jq .log_id)" 5 "спасибо, $name" >/dev/null
vasdom-embed -q >/dev/null
vasdom-similar -t "$name" -n 1 >/dev/null
check "the planted name is in the search cache's answers" \
	sh -c "vasdom-similar -t '$name' -n 3 | grep -q Вертихвосткина"
check_same "...and in the search index" "38 37" "$(vasdom-log -q Вертихвосткина | ids)"
mkdir "$T/exp"
vasdom-export --min-rating 1 -o "$T/exp/all.jsonl" >/dev/null
mkfifo "$T/fifo"
sqlite3 "$VASDOM_DB" <"$T/fifo" >/dev/null &
reader=$!
pids="$pids $reader"
exec 3>"$T/fifo"
echo 'select count(*) from exchanges;' >&3
sleep 0.3
vasdom-log --forget --session victim --dry-run >"$T/dry"
check_same "--dry-run: reports 2 exchanges, removes none" "2 2" \
	"$(jq -r .exchanges "$T/dry") $(vasdom-log --session victim | wc -l | tr -d ' ')"
vasdom-log --forget --session victim >"$T/f" 2>"$T/err"
check_same "--forget: exit 0, no warning" "0 " "$? $(cat "$T/err")"
check_same "...reports what it removed" "2 1 2 true" \
	"$(jq -r '"\(.exchanges) \(.ratings) \(.embeddings) \(.wal_truncated)"' "$T/f")"
check_same "...and names the recorded export that held them (the rated one)" "$(cd "$T/exp" && pwd -P)/all.jsonl 1" \
	"$(jq -r '.exports[] | "\(.path) \(.exchanges)"' "$T/f")"
check "the database's -wal file is still there (another process has it open)" test -e "$VASDOM_DB-wal"
for s in "555-12-34" "Вертихвосткин" "ертихвосткин"; do
	check_same "grep -c '$s': 0 in the database, its -wal and the search caches" 0 \
		"$(cat "$VASDOM_DB" "$VASDOM_DB-wal" "$VASDOM_DB".vec-* 2>/dev/null | grep -c -a -- "$s")"
done
check_same "vasdom-similar never returns them" "" \
	"$(vasdom-similar -t "$name" -n 50 | jq -r 'select(.message | test("Вертихвосткин")) | .log_id')"
check_same "vasdom-ask's experience never uses them" "" \
	"$(vasdom-ask "Позвоните мне, спросите" | jq -c '.similar[]? | select(.log_id >= 37)')"
check_same "vasdom-export and vasdom-log never show them" "0 0" \
	"$(vasdom-export --min-rating 1 | grep -c Вертихвосткин) $(vasdom-log -n 0 | grep -c Вертихвосткин)"
check_same "vasdom-stats counts them no more" 37 "$(vasdom-stats | jq .total_interactions)"
check_same "...nor the search index" "" "$(vasdom-log -q Вертихвосткина | ids)"
exec 3>&-
wait "$reader"
vasdom-log --forget --session victim >"$T/o"
check_same "forgetting it again: nothing found, exit 1" "1 0" "$? $(jq .exchanges "$T/o")"
check_fails "--forget without a choice: usage error" 2 vasdom-log --forget 2>/dev/null
check_same "--forget --log-id 1,2 --keep-endorsed: only the poorly rated one" "2" \
	"$(vasdom-log --forget --log-id 1,2 --keep-endorsed | jq -c '.log_ids[]')"

# export lineage: every recorded export notes the log ids it wrote, as
# forget --dry-run tells
held() { vasdom-log --forget --dry-run "$@" | jq -r '[.exports[] | "\(.name):\(.exchanges)"] | join(" ")'; }
vasdom-export --min-rating 1 -o "$T/exp/l.jsonl" >/dev/null
ids=$(jq -r .metadata.log_id "$T/exp/l.jsonl" | sort -n | paste -sd, -)
check_same "export lineage: forgetting what l.jsonl holds names it, with all its rows" \
	"l:$(wc -l <"$T/exp/l.jsonl" | tr -d ' ')" "$(held --log-id "$ids" | tr ' ' '\n' | grep '^l:')"
unrated=$(vasdom-log --unrated -n 1 | jq .log_id)
check_same "...an exchange it did not write does not name it" "" "$(held --log-id "$unrated" | tr ' ' '\n' | grep '^l:')"
vasdom-export --min-rating 1 --split 0.5 --seed 3 -o "$T/exp/s" >/dev/null
check_same "...a split: each file its own rows" \
	"s.train:$(wc -l <"$T/exp/s.train.jsonl" | tr -d ' ') s.valid:$(wc -l <"$T/exp/s.valid.jsonl" | tr -d ' ')" \
	"$(held --log-id "$ids" | tr ' ' '\n' | grep '^s[.]' | tr '\n' ' ' | sed 's/ $//')"
printf '%s\n' '{"message":"Сколько стоит уборка подъезда?","response":"Дорого","rating":1}' \
	'{"message":"Сколько стоит уборка подъезда в месяц?","response":"По договору","rating":5}' |
	vasdom-ask -d "$T/pairs.db" --record >/dev/null
vasdom-export -d "$T/pairs.db" -f trl-dpo -o "$T/exp/p.jsonl" >/dev/null
check_same "...preference pairs: the rejected and the chosen exchange of each" "p:1 p:1" \
	"$(held -d "$T/pairs.db" --log-id 1) $(held -d "$T/pairs.db" --log-id 2)"
vasdom-log --forget --log-id "$(jq -r '.metadata.log_id' "$T/exp/l.jsonl" | head -1)" >"$T/o"
check_same "forgetting an exchange names every export that held it: l, one side of s" "l s" \
	"$(jq -r '[.exports[].name | select(test("^(l|s[.].*)$"))] | join(" ")' "$T/o" | sed 's/s[.][a-z]*$/s/')"

# backup
vasdom-log --backup "$T/copy.db" >"$T/b"
check_same "--backup: integrity ok, the counts of the copy" "ok 35" "$(jq -r '"\(.integrity) \(.exchanges)"' "$T/b")"
check_same "...mode 0600" 600 "$(stat -c %a "$T/copy.db")"
check_same "...a database the tools open" 35 "$(vasdom-stats -d "$T/copy.db" | jq .total_interactions)"
check_fails "--backup into a missing folder: exit 3" 3 vasdom-log --backup "$T/no/such/copy.db" 2>/dev/null
done_testing
