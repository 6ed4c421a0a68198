#!/bin/sh
# Exchanges deleted with sqlite3, whose foreign keys are off by default,
# leave their vectors behind: the search must still find the others right.
. "$(dirname "$0")/lib.sh"
plan 3

{
	echo '{"message":"Сколько стоит уборка подъезда?","response":"От 3000 рублей.","rating":5}'
	echo '{"message":"Сколько стоит помыть подъезд?","response":"От 3000 рублей.","rating":5}'
	i=0; while [ $i -lt 40 ]; do i=$((i + 1)); echo "{\"message\":\"Вопрос про окна номер $i\",\"response\":\"Ответ $i\",\"rating\":4}"; done
} | vasdom-ask --record >/dev/null
vasdom-embed -q >/dev/null 2>&1
sqlite3 "$VASDOM_DB" "DELETE FROM exchanges WHERE log_id BETWEEN 10 AND 30"
check_same "the premise: their vectors are left behind" 21 \
	"$(sqlite3 "$VASDOM_DB" 'SELECT count(*) FROM embeddings v LEFT JOIN exchanges x USING (log_id) WHERE x.log_id IS NULL')"
rm -f "$VASDOM_DB".vec-*
check_same "vasdom-similar: the nearest is still the other price question" 2 \
	"$(vasdom-similar -n 1 1 | jq .log_id)"
check_same "vasdom-ask: still answered from it" "experience От 3000 рублей." \
	"$(vasdom-ask 'Сколько стоит уборка подъезда?' | jq -r '"\(.source) \(.response)"')"
done_testing
