#!/bin/sh
# Trust: every answer says how sure it is; an experience answer below
# --min-confidence is not given, the question falls through to the rules,
# then to the default answer with "handover": true.
. "$(dirname "$0")/lib.sh"
plan 20
empty=$T/none.rules
: >"$empty"
vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
# three curated answers to one question: nothing says which is right
printf '%s\n' \
	'{"message":"Когда приедет бригада на Садовую улицу?","response":"Бригада приедет в понедельник.","rating":5}' \
	'{"message":"Когда приедет бригада на Садовую улицу?","response":"Бригада приедет в четверг.","rating":5}' \
	'{"message":"Когда приедет бригада на Садовую улицу?","response":"Бригада приедет в субботу.","rating":5}' |
	vasdom-ask --record >/dev/null

vasdom-ask --rules "$empty" "Сколько бригад у вашей компании?" >"$T/sure"
check "a question with a confident neighbour is answered from experience" \
	jqe '.source == "experience" and .handover == false and .confidence >= 0.5' "$T/sure"
check_same "with the neighbour's answer" \
	"$(jq -r 'select(.message == "Сколько бригад у компании?") | .response' "$top/data/knowledge.jsonl")" \
	"$(jq -r .response "$T/sure")"

vasdom-ask --rules "$empty" "Когда приедет бригада на Садовую?" >"$T/unsure"
check "an ambiguous one hands over" \
	jqe '.source == "default" and .handover == true and .confidence == 0' "$T/unsure"
check "with the default answer" jqe '.response | test("обратитесь к нашим специалистам")' "$T/unsure"
vasdom-ask --rules "$empty" --min-confidence 0 --explain "Когда приедет бригада на Садовую?" >"$T/any"
check "--min-confidence 0 answers it from experience, below the default threshold" \
	jqe '.source == "experience" and .handover == false and .confidence < 0.5 and .confidence > 0' "$T/any"
check "its three answers share the support" jqe '.signals.share > 0.25 and .signals.share < 0.4' "$T/any"
VASDOM_MIN_CONFIDENCE=0 vasdom-ask --rules "$empty" "Когда приедет бригада на Садовую?" >"$T/env"
check_same "VASDOM_MIN_CONFIDENCE sets it too" experience "$(jq -r .source "$T/env")"
VASDOM_MIN_CONFIDENCE=0 vasdom-ask --rules "$empty" --min-confidence 0.99 \
	"Когда приедет бригада на Садовую?" >"$T/flag"
check_same "the flag wins over the variable" default "$(jq -r .source "$T/flag")"

# an intent rule answers what experience may not
printf 'intent delivery\nmatch приедет\nanswer Мы сообщим время приезда бригады по телефону.\n' >"$T/d.rules"
vasdom-ask --rules "$T/d.rules" "Когда приедет бригада на Садовую?" >"$T/rule"
check "below the threshold, the rules come before the default" \
	jqe '.source == "intent" and .handover == false and .confidence == 0.5' "$T/rule"

# the confidence is the model's probability of the signals it reports
vasdom-ask --rules "$empty" --explain "Что входит в уборку подъезда?" >"$T/x"
expect=$(python3 - "$top/data/confidence.model" "$T/x" <<'PY'
import json, math, sys
w = {}
for line in open(sys.argv[1]):
    line = line.split("#")[0].split()
    if line:
        w[line[0]] = float(line[1])
a = json.load(open(sys.argv[2]))
z = w["bias"] + sum(w[k] * v for k, v in a["signals"].items())
print(round(min(1 / (1 + math.exp(-z)), a["signals"]["share"]), 4) == a["confidence"])
PY
)
check_same "confidence = the logistic model of the --explain signals, at most the share" True "$expect"
check "...and the neighbours that voted: the answer is the one of the best-ranked, each with its evidence" \
	jqe '(.neighbours | length) > 0 and (.neighbours | max_by(.rank) | .answer) == .response
	    and all(.neighbours[]; .cosine >= 0 and .cosine <= 1.0001 and .bm25 >= 0 and .bm25 <= 1.0001
	    and .rank >= .score - 0.05)' "$T/x"

# another model file
printf 'bias -20\nshare 0\nmargin 0\ntop 0\nvotes 0\nlearned 0\n' >"$T/never.model"
VASDOM_CONFIDENCE_MODEL=$T/never.model vasdom-ask --rules "$empty" \
	"Сколько бригад у вашей компании?" >"$T/never"
check "VASDOM_CONFIDENCE_MODEL replaces the built-in model" \
	jqe '.confidence == 0 and .source == "default" and .handover' "$T/never"
printf 'bias 1\nshare x\n' >"$T/bad.model"
VASDOM_CONFIDENCE_MODEL=$T/bad.model vasdom-ask "Привет" >/dev/null 2>"$T/err"
check_same "a malformed model file is exit 3 naming file and line" \
	"vasdom-ask: $T/bad.model: line 2: expected a name and a number" "$(cat "$T/err")"
printf 'bias 1\nshare 1\n' >"$T/short.model"
VASDOM_CONFIDENCE_MODEL=$T/short.model vasdom-ask "Привет" >/dev/null 2>"$T/err"
check_same "a model without every weight is refused, naming the weight" \
	"vasdom-ask: $T/short.model: no weight for 'margin'" "$(cat "$T/err")"
check_fails "--min-confidence above 1 is a usage error" 2 vasdom-ask --min-confidence 2 "Привет" 2>/dev/null
check_fails "a malformed VASDOM_MIN_CONFIDENCE is a configuration error" 3 \
	env VASDOM_MIN_CONFIDENCE=high vasdom-ask "Привет" 2>/dev/null
vasdom-ask -f csv --rules "$empty" "Когда приедет бригада на Садовую?" >"$T/csv"
check_same "CSV carries confidence and handover" "0,true" \
	"$(python3 -c 'import csv,sys; r=next(csv.DictReader(open(sys.argv[1]))); print(r["confidence"]+","+r["handover"])' "$T/csv")"
vasdom-ask --rules "$empty" "Совершенно посторонний вопрос про погоду" >"$T/none"
check "nothing similar: the default answer, handing over" \
	jqe '.source == "default" and .handover == true and .confidence == 0' "$T/none"

# stored with the exchange, for the operator's reviews
check_same "the handover is stored with the exchange" "1|0.0" \
	"$(sqlite3 "$VASDOM_DB" "SELECT handover, confidence FROM exchanges WHERE log_id = $(jq .log_id "$T/none")")"
check_same "and the confidence" "0|$(jq .confidence "$T/sure")" \
	"$(sqlite3 "$VASDOM_DB" "SELECT handover, round(confidence, 4) FROM exchanges WHERE log_id = $(jq .log_id "$T/sure")")"
