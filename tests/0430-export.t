#!/bin/sh
# vasdom-export: the OpenAI chat fine-tuning layout on the old service's
# scenario, thresholds, periods, order, corrections, CSV and TRL KTO
# layouts, dedup, split, redaction, the training_datasets record, atomic
# output files and bad options.
. "$(dirname "$0")/lib.sh"
plan 92

rated_scenario
vasdom-export >"$T/o" 2>"$T/err"
check_same "exit 0, nothing on stderr" "0 " "$? $(cat "$T/err")"
check_same "6 lines: the exchanges rated 4 or more" 6 "$(wc -l <"$T/o" | tr -d ' ')"
check_same "each: messages then metadata, nothing else" 6 \
	"$(jq -c 'select(keys_unsorted == ["messages", "metadata"])' "$T/o" | wc -l | tr -d ' ')"
check_same "each: user then assistant, non-empty text" 6 \
	"$(jq -c 'select([.messages[].role] == ["user", "assistant"] and
	all(.messages[]; (.content | type) == "string" and (.content | length) > 0)
	and all(.messages[]; keys == ["content", "role"]))' "$T/o" | wc -l | tr -d ' ')"
check_same "metadata: log_id, rating, session_id, created_at, model_used" 6 \
	"$(jq -c 'select(.metadata | has("log_id") and has("rating") and has("session_id")
	and has("created_at") and has("model_used") and (.log_id | type) == "number")' "$T/o" | wc -l | tr -d ' ')"
check_same "newest first, the 3 left out" "7:4 6:5 5:4 3:5 2:4 1:5" \
	"$(jq -r '"\(.metadata.log_id):\(.metadata.rating)"' "$T/o" | tr '\n' ' ' | sed 's/ $//')"
check_same "the user's question and the logged answer" \
	"$(sqlite3 "$VASDOM_DB" 'select message || "|" || response from exchanges where log_id = 7')" \
	"$(head -1 "$T/o" | jq -r '.messages | "\(.[0].content)|\(.[1].content)"')"
check_same "session and model as logged" "scenario $(sqlite3 "$VASDOM_DB" 'select model_used from exchanges where log_id = 7')" \
	"$(head -1 "$T/o" | jq -r '"\(.metadata.session_id) \(.metadata.model_used)"')"
check_same "each export is recorded" "1|openai|6|4|" \
	"$(sqlite3 "$VASDOM_DB" 'select count(*), format, sample_count, min_rating, ifnull(path, "") from training_datasets')"

# options of the openai layout
check_same "--system: a system message first" "system user assistant|Ты помощник VasDom" \
	"$(vasdom-export --system 'Ты помощник VasDom' --max 1 | jq -r '"\([.messages[].role] | join(" "))|\(.messages[0].content)"')"
check_same "--no-metadata: messages alone" '["messages"]' "$(vasdom-export --no-metadata --max 1 | jq -c keys)"
check_same "--min-rating 5" 3 "$(vasdom-export --min-rating 5 | wc -l | tr -d ' ')"
check_same "VASDOM_MIN_RATING=3" 7 "$(VASDOM_MIN_RATING=3 vasdom-export | wc -l | tr -d ' ')"
check_same "MIN_RATING_THRESHOLD=5 (the old name)" 3 "$(MIN_RATING_THRESHOLD=5 vasdom-export | wc -l | tr -d ' ')"
check_same "--min-rating is recorded" 5 "$(sqlite3 "$VASDOM_DB" 'select min_rating from training_datasets where id = (select max(id) from training_datasets)')"
check_same "--max 2: the two newest" "7 6" "$(vasdom-export --max 2 | jq -r .metadata.log_id | tr '\n' ' ' | sed 's/ $//')"
check_same "-f jsonl is openai" "$(vasdom-export | md5sum)" "$(vasdom-export -f jsonl | md5sum)"

# periods, order by time and corrections, on a database of dated records
export VASDOM_DB=$T/dated.db
{
	echo '{"message":"Январский вопрос","response":"Ответ января","rating":5,"created_at":"2026-01-05T10:00:00Z"}'
	echo '{"message":"Поздний вопрос","response":"Ответ позже","rating":4,"created_at":"2026-01-06T23:59:59Z"}'
	echo '{"message":"Февральский вопрос","response":"Ответ февраля","rating":5,"created_at":"2026-02-01T00:00:00Z"}'
	echo '{"message":"Загружен позже, но старый","response":"Старый ответ","rating":5,"created_at":"2025-12-31T12:00:00Z"}'
	echo '{"message":"Плохой, но исправленный","response":"Неверно","rating":2,"correction":"Исправленный ответ","created_at":"2026-01-10T00:00:00Z"}'
	echo '{"message":"Плохой","response":"Неверно","rating":1,"created_at":"2026-01-11T00:00:00Z"}'
	echo '{"message":"Без оценки","response":"Ответ","created_at":"2026-01-12T00:00:00Z"}'
	echo '{"message":"Пустое исправление","response":"Как было","rating":4,"correction":"","created_at":"2026-01-13T00:00:00Z"}'
} | vasdom-ask --record >/dev/null
vasdom-export >"$T/d"
check_same "newest first by created_at, not by log id" \
	"2026-02-01 2026-01-13 2026-01-10 2026-01-06 2026-01-05 2025-12-31" \
	"$(jq -r '.metadata.created_at[:10]' "$T/d" | tr '\n' ' ' | sed 's/ $//')"
check_same "a correction is the answer, counted as rated 5" "Исправленный ответ 5 true" \
	"$(jq -r 'select(.messages[0].content == "Плохой, но исправленный") | "\(.messages[1].content) \(.metadata.rating) \(.metadata.corrected)"' "$T/d")"
check_same "an empty correction is no correction" "Как было 4 false" \
	"$(jq -r 'select(.messages[0].content == "Пустое исправление") | "\(.messages[1].content) \(.metadata.rating) \(.metadata.corrected)"' "$T/d")"
check_same "--since/--until: from the start of one day to the end of the other" "2026-01-06 2026-01-05" \
	"$(vasdom-export --since 2026-01-05 --until 2026-01-06 | jq -r '.metadata.created_at[:10]' | tr '\n' ' ' | sed 's/ $//')"
check_same "--until with a time is exclusive" 1 \
	"$(vasdom-export --since 2026-01-05 --until 2026-01-06T23:59:59 | wc -l | tr -d ' ')"
check_same "--since with a time" "2026-02-01" \
	"$(vasdom-export --since 2026-01-31T23:00:00Z | jq -r '.metadata.created_at[:10]')"
echo '{"message":"Сегодняшний вопрос","response":"Ответ сегодня","rating":4}' | vasdom-ask --record >/dev/null
check_same "--days 2: only the recent" "Сегодняшний вопрос" "$(vasdom-export --days 2 | jq -r '.messages[0].content')"

# CSV: the same rows, a header, values quoted by libcsv
cat >"$T/csvcheck.py" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
print(json.dumps(rows, ensure_ascii=False))
EOF
printf '%s\n' '{"message":"Вопрос, с запятой и \"кавычками\"","response":"Строка 1\nстрока 2, \"ответ\"","rating":5,"created_at":"2026-03-01T00:00:00Z"}' |
	vasdom-ask --record >/dev/null
vasdom-export -f csv >"$T/c.csv"
check_same "csv header" "log_id,session_id,created_at,rating,corrected,message,response,model_used,source" "$(head -1 "$T/c.csv")"
python3 "$T/csvcheck.py" "$T/c.csv" >"$T/c.json"
check_same "csv: as many rows as the JSON export" "$(vasdom-export | wc -l | tr -d ' ')" "$(jq length "$T/c.json")"
check_same "csv: commas, quotes and newlines survive a CSV reader" \
	'Вопрос, с запятой и "кавычками"|Строка 1
строка 2, "ответ"' "$(jq -r '.[] | select(.created_at | startswith("2026-03-01")) | "\(.message)|\(.response)"' "$T/c.json")"
check_same "csv: a corrected row" "5 true Исправленный ответ" \
	"$(jq -r '.[] | select(.message == "Плохой, но исправленный") | "\(.rating) \(.corrected) \(.response)"' "$T/c.json")"

# TSV: the columns of csv separated by tabs; a TSV reader gets the same rows
cat >"$T/tsvcheck.py" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"), delimiter="\t"))
print(json.dumps(rows, ensure_ascii=False))
EOF
vasdom-export -f tsv >"$T/c.tsv"
check_same "tsv header" "$(printf 'log_id\tsession_id\tcreated_at\trating\tcorrected\tmessage\tresponse\tmodel_used\tsource')" \
	"$(head -1 "$T/c.tsv")"
check_same "tsv: the rows of csv, commas, quotes and newlines and all" "$(cat "$T/c.json")" \
	"$(python3 "$T/tsvcheck.py" "$T/c.tsv")"
check_fails "tsv: --system does not go with it" 2 vasdom-export -f tsv --system x 2>/dev/null

# TRL KTO: every rated exchange, label true from the threshold
vasdom-export -f trl-kto >"$T/k"
check_same "kto: prompt, completion, label" 0 \
	"$(jq -c 'select(keys_unsorted != ["prompt", "completion", "label"])' "$T/k" | wc -l | tr -d ' ')"
check_same "kto: conversational, user prompt, assistant completion" 0 \
	"$(jq -c 'select([.prompt[].role] != ["user"] or [.completion[].role] != ["assistant"] or (.label | type) != "boolean")' "$T/k" | wc -l | tr -d ' ')"
check_same "kto: 8 rated 4-5 or corrected true; rated 1-2 and the corrected one's original false" "8 2" \
	"$(jq -s '"\(map(select(.label)) | length) \(map(select(.label | not)) | length)"' -r "$T/k")"
check "kto: the original answer of the correction is a false example" \
	jqe -s 'any(.[]; .prompt[0].content == "Плохой, но исправленный" and .completion[0].content == "Неверно" and .label == false)' "$T/k"
check_same "kto: --min-rating 5 makes the three 4s false" "5 5" \
	"$(vasdom-export -f trl-kto --min-rating 5 | jq -s -r '"\(map(select(.label)) | length) \(map(select(.label | not)) | length)"')"

# --dedup: one record per question and answer, the newest
export VASDOM_DB=$T/dup.db
{
	for i in 1 2 3; do echo '{"message":"Как часто уборка?","response":"Два раза в неделю.","rating":5}'; done
	echo '{"message":"Как часто уборка?","response":"Каждый день.","rating":4}'
	echo '{"message":"Другой вопрос","response":"Два раза в неделю.","rating":5}'
} | vasdom-ask --record >/dev/null
check_same "without --dedup: all 5" 5 "$(vasdom-export | wc -l | tr -d ' ')"
check_same "--dedup: 3, the newest of the repeated pair kept" "5 4 3" \
	"$(vasdom-export --dedup | jq -r .metadata.log_id | tr '\n' ' ' | sed 's/ $//')"
check_same "--dedup with csv" 4 "$(vasdom-export --dedup -f csv | wc -l | tr -d ' ')"

# --split: disjoint train and validation files by question
export VASDOM_DB=$T/split.db
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	printf '{"message":"Вопрос номер %s о доме %s","response":"Ответ %s","rating":5}\n' $i $i $i
	[ $((i % 10)) -eq 0 ] && printf '{"message":"Вопрос номер %s о доме %s","response":"Другой ответ","rating":4}\n' $i $i
done | vasdom-ask --record >/dev/null
vasdom-export --split 0.8 --seed 7 -o "$T/sp" >"$T/sp.out"
check_same "--split: exit 0, two summary lines" "0 2" "$? $(wc -l <"$T/sp.out" | tr -d ' ')"
check_same "files PREFIX.train.jsonl and PREFIX.valid.jsonl, mode 0600" "600 600" \
	"$(stat -c %a "$T/sp.train.jsonl") $(stat -c %a "$T/sp.valid.jsonl")"
tr=$(wc -l <"$T/sp.train.jsonl" | tr -d ' ')
va=$(wc -l <"$T/sp.valid.jsonl" | tr -d ' ')
check_same "every record in one of them" 66 $((tr + va))
check "about 80% in train ($tr of 66)" test "$tr" -ge 42 -a "$tr" -le 62
jq -r '.messages[0].content' "$T/sp.train.jsonl" | sort -u >"$T/q.train"
jq -r '.messages[0].content' "$T/sp.valid.jsonl" | sort -u >"$T/q.valid"
check_same "no question in both" "" "$(comm -12 "$T/q.train" "$T/q.valid")"
check_same "the summary names the files and counts" "$tr $T/sp.train.jsonl sp.train $va $T/sp.valid.jsonl sp.valid" \
	"$(jq -r '"\(.sample_count) \(.path) \(.name)"' "$T/sp.out" | tr '\n' ' ' | sed 's/ $//')"
check_same "both recorded" "sp.train|$tr|$T/sp.train.jsonl sp.valid|$va|$T/sp.valid.jsonl" \
	"$(sqlite3 "$VASDOM_DB" 'select name, sample_count, path from training_datasets order by id' | tr '\n' ' ' | sed 's/ $//')"
cp "$T/sp.train.jsonl" "$T/first.train"
vasdom-export --split 0.8 --seed 7 -o "$T/sp" >/dev/null
check "the same seed, the same split" cmp -s "$T/first.train" "$T/sp.train.jsonl"
vasdom-export --split 0.8 --seed 8 -o "$T/sp" >/dev/null
check "another seed, another split" sh -c '! cmp -s "$1" "$2"' sh "$T/first.train" "$T/sp.train.jsonl"
vasdom-export -f csv --split 0.5 -o "$T/spc" >/dev/null
check_same "csv split: .csv files, each with its header" "2 68" \
	"$(grep -c '^log_id,' "$T/spc.train.csv" "$T/spc.valid.csv" | wc -l | tr -d ' ') $(cat "$T/spc.train.csv" "$T/spc.valid.csv" | wc -l | tr -d ' ')"
vasdom-export -f tsv --split 0.5 -o "$T/spt" >/dev/null
check_same "tsv split: .tsv files, each with its header" "2 68" \
	"$(grep -c "^log_id$(printf '\t')" "$T/spt.train.tsv" "$T/spt.valid.tsv" | wc -l | tr -d ' ') $(cat "$T/spt.train.tsv" "$T/spt.valid.tsv" | wc -l | tr -d ' ')"
vasdom-export -f tsv -o "$T/named.tsv" >"$T/named.out"
check_same "tsv: the name recorded without .tsv" named "$(jq -r .name "$T/named.out")"

# --redact: Russian phone formats, e-mail, card numbers; other numbers stay
export VASDOM_DB=$T/pii.db
cat >"$T/pii.jsonl" <<'EOF'
{"message":"Позвоните: +7 912 345-67-89, 8 (912) 345-67-89, +7(912)3456789, 89123456789, 8-912-345-67-89, +7 (4842) 12-34-56","response":"Пишите на ivan.petrov@mail.ru или a_b+c@sub.example.com","rating":5}
{"message":"Оплата картой 4276 1234 5678 9012 или 4276-1234-5678-9012 или 4276123456789012","response":"В Калуге 348 домов, 6 бригад, 82 сотрудника; заявка № 12345 от 2026-11-24, звонок в 8:30","rating":5}
EOF
vasdom-ask --record <"$T/pii.jsonl" >/dev/null
vasdom-export --redact >"$T/r"
check_same "six phone numbers masked" 6 "$(jq -r '.messages[0].content' "$T/r" | grep -o '\[phone\]' | wc -l | tr -d ' ')"
check_same "...and nothing else of them left" "Позвоните: [phone], [phone], [phone], [phone], [phone], [phone]" \
	"$(jq -r 'select(.metadata.log_id == 1) | .messages[0].content' "$T/r")"
check_same "e-mail addresses masked" "Пишите на [email] или [email]" "$(jq -r 'select(.metadata.log_id == 1) | .messages[1].content' "$T/r")"
check_same "card numbers masked" "Оплата картой [card] или [card] или [card]" \
	"$(jq -r 'select(.metadata.log_id == 2) | .messages[0].content' "$T/r")"
check_same "counts, order numbers, dates and times stay" \
	"В Калуге 348 домов, 6 бригад, 82 сотрудника; заявка № 12345 от 2026-11-24, звонок в 8:30" \
	"$(jq -r 'select(.metadata.log_id == 2) | .messages[1].content' "$T/r")"
check "without --redact the number is there" sh -c 'vasdom-export | grep -q "+7 912 345-67-89"'
check_same "--redact with csv and kto too" "0 0" \
	"$(vasdom-export --redact -f csv | grep -c '4276\|@mail') $(vasdom-export --redact -f trl-kto | grep -c '4276\|@mail')"

# -o: atomic, 0600, the old file kept when an export fails
export VASDOM_DB=$T/test.db
mkdir "$T/out"
echo OLD >"$T/out/data.jsonl"
chmod 644 "$T/out/data.jsonl"
vasdom-export -o "$T/out/data.jsonl" >"$T/o.out"
check_same "-o: replaced whole, mode 0600" "6 600" "$(wc -l <"$T/out/data.jsonl" | tr -d ' ') $(stat -c %a "$T/out/data.jsonl")"
check_same "...the summary line" "$T/out/data.jsonl 6 data openai 4" \
	"$(jq -r '"\(.path) \(.sample_count) \(.name) \(.format) \(.min_rating)"' "$T/o.out")"
echo OLD >"$T/out/data.jsonl"
check_fails "nothing to export: exit 1" 1 vasdom-export --since 2030-01-01 -o "$T/out/data.jsonl" 2>"$T/err"
check_same "...the old file kept, no temporary left" "OLD data.jsonl" "$(cat "$T/out/data.jsonl") $(ls -A "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check "...and said why" grep -q '^vasdom-export: nothing to export: ' "$T/err"
# the last step fails (the target is a folder): nothing half done
mkdir "$T/out/dir.jsonl"
check_fails "rename over a folder fails: exit 1" 1 vasdom-export -o "$T/out/dir.jsonl" 2>/dev/null
check_same "...the folder untouched, no temporary left" "data.jsonl dir.jsonl" "$(ls -A "$T/out" | tr '\n' ' ' | sed 's/ $//')"
rmdir "$T/out/dir.jsonl"
check_fails "-o into a missing folder: exit 2" 2 vasdom-export -o "$T/nodir/x.jsonl" 2>/dev/null

# bad options: exit 2, a clear message, nothing written
n_rec=$(sqlite3 "$VASDOM_DB" 'select count(*) from training_datasets')
vasdom-export --split 1.5 -o "$T/out/bad" 2>"$T/err"
check_same "--split 1.5: exit 2, the message" "2 vasdom-export: --split: expected a number between 0 and 1, got '1.5'" "$? $(cat "$T/err")"
for args in "-f xml" "--split 0 -o $T/out/bad" "--split 1 -o $T/out/bad" "--split 0.9" "--days -1" "--days 0" \
	"--days abc -o $T/out/bad.jsonl" "--since yesterday" "--since 2026-02-30 -o $T/out/bad.jsonl" "--until 2026-13-01" \
	"--since 2026-02-01 --until 2026-01-01" "--days 3 --since 2026-01-01" "--min-rating 6" "--max 0" "--similarity 2" \
	"-f csv --system x -o $T/out/bad.jsonl" "--validate $T/out/data.jsonl -o $T/out/bad" "extra"; do
	# shellcheck disable=SC2086
	vasdom-export $args >"$T/bad.out" 2>"$T/bad.err"
	st=$?
	if [ $st -eq 2 ] && [ ! -s "$T/bad.out" ] && [ ! -e "$T/out/bad.jsonl" ] && [ "$(wc -l <"$T/bad.err")" -ge 1 ] &&
		grep -q '^vasdom-export: \|^usage: ' "$T/bad.err"; then
		ok "vasdom-export $args: usage error"
	else
		not_ok "vasdom-export $args: usage error (exit $st)"
	fi
done
check_same "...no dataset recorded by any of them" "$n_rec" "$(sqlite3 "$VASDOM_DB" 'select count(*) from training_datasets')"
check_same "...no file left in the folder" "data.jsonl" "$(ls -A "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check_fails "an unusable database: exit 3" 3 vasdom-export -d "$T/no/such.db" 2>/dev/null
check "-h: usage on stdout, exit 0" sh -c 'vasdom-export -h | grep -q "^usage: vasdom-export"'
check_same "--dry-run: counts, writes and records nothing" "6 $n_rec" \
	"$(vasdom-export --dry-run | jq .sample_count) $(sqlite3 "$VASDOM_DB" 'select count(*) from training_datasets')"
# every byte JSON escapes, and others, in each text: the texts come out
# exactly as SQLite's json_quote() writes them (vd_export_quote.c takes
# its escapes from it)
esc=$T/esc.db
VASDOM_DB=$esc vasdom-ask --record </dev/null >/dev/null
sqlite3 "$esc" "WITH RECURSIVE b(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM b WHERE i < 127)
	INSERT INTO exchanges (session_id, message, response, source, model_used, response_time,
	created_at, updated_at, rating)
	SELECT 'sess\"' || char(9) || '\\', (SELECT group_concat(char(i), '') FROM b) || ' вопрос \"x\" ' || char(127),
	'ответ' || char(10) || '\\n ' || char(31) || ' end', 'record', 'model \"q\"', 0,
	'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 5;
	INSERT INTO exchanges (session_id, message, response, source, model_used, response_time,
	created_at, updated_at, rating)
	SELECT 's2', 'plain question ' || char(0) || ' after NUL', '\"', 'record', NULL, 0,
	'2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 4"
VASDOM_DB=$esc vasdom-export >"$T/esc.out"
want=$(sqlite3 "$esc" "SELECT '{\"messages\":[{\"role\":\"user\",\"content\":' || json_quote(message) ||
	'},{\"role\":\"assistant\",\"content\":' || json_quote(response) || '}],\"metadata\":{\"log_id\":' ||
	log_id || ',\"rating\":' || rating || ',\"corrected\":false,\"session_id\":' || json_quote(session_id) ||
	',\"created_at\":' || json_quote(created_at) || ',\"model_used\":' || json_quote(model_used) || '}}'
	FROM exchanges ORDER BY created_at DESC")
check_same "texts with every byte JSON escapes: the bytes of json_quote()" "$want" "$(cat "$T/esc.out")"
check_same "...and valid JSON, every byte back" \
	"$(sqlite3 "$esc" "SELECT hex(message) FROM exchanges ORDER BY created_at DESC")" \
	"$(python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    print(json.loads(line)["messages"][0]["content"].encode("utf-8").hex().upper())' "$T/esc.out")"
done_testing
