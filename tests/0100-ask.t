#!/bin/sh
# vasdom-ask offline: the sources, the fields of every reply, the old
# service's scenario and the learning from ratings.
. "$(dirname "$0")/lib.sh"
plan 23

q1="Как часто нужно убираться в офисе?"
q2="Какие средства лучше использовать для уборки подъездов?"
q3="Сколько времени занимает уборка одного подъезда?"
q4="Как организовать работу бригады по уборке?"
q5="Какие проблемы чаще всего возникают при уборке подъездов?"
q6="Как часто проводить генеральную уборку в офисных помещениях?"
q7="Какое оборудование нужно для качественной уборки подъездов?"
printf '%s\n' "$q1" "$q2" "$q3" "$q4" "$q5" "$q6" "$q7" | vasdom-ask -s scenario >"$T/asked" 2>"$T/err"
check "seven questions answered, exit 0" [ $? -eq 0 ] 
check_same "seven replies" 7 "$(wc -l <"$T/asked" | tr -d ' ')"
check_same "every reply has every field of the spec" 7 "$(jq -c 'select(has("log_id") and has("session_id") and has("message") and has("response") and has("source") and has("model_used") and has("response_time") and has("similar_found") and has("learning_improved") and has("similar"))' "$T/asked" | wc -l | tr -d ' ')"
check_same "every response is longer than 20 characters" 7 "$(jq -c 'select((.response|length) > 20)' "$T/asked" | wc -l | tr -d ' ')"
check_same "all in the given session" scenario "$(jq -r .session_id "$T/asked" | sort -u)"
check_same "log ids are integers in order" "1 2 3 4 5 6 7" "$(jq -r .log_id "$T/asked" | tr '\n' ' ' | sed 's/ $//')"

jq -r .log_id "$T/asked" >"$T/ids"
printf '5\n4\n5\n3\n4\n5\n4\n' >"$T/ratings"
paste -d' ' "$T/ids" "$T/ratings" | vasdom-rate >"$T/rated"
check_same "4- and 5-rated replies will be used for training" "true true true false true true true" \
	"$(jq -r .will_be_used_for_training "$T/rated" | tr '\n' ' ' | sed 's/ $//')"

vasdom-ask -s scenario "Как правильно организовать уборку в офисных зданиях?" >"$T/learned"
check_same "the eighth question is answered from experience" experience "$(jq -r .source "$T/learned")"
check "similar_found > 0 and learning_improved" jqe '.similar_found > 0 and .learning_improved == true' "$T/learned"
check "the similar exchanges used are rated ones of the scenario" \
	jqe '[.similar[].log_id] | all(. >= 1 and . <= 7)' "$T/learned"

# the intent rules and the default answer, on a fresh database
export VASDOM_DB=$T/fresh.db
check_same "price rule" intent:price "$(vasdom-ask 'Сколько стоит уборка подъезда?' | jq -r .model_used)"
check_same "schedule rule" intent:schedule "$(vasdom-ask 'Когда у вас уборка по графику?' | jq -r .model_used)"
vasdom-ask 'Где ближайшая станция метро?' >"$T/default"
check_same "unmatched: default source" default "$(jq -r .source "$T/default")"
check "default answer names the question and the company" \
	jqe '.response | contains("Где ближайшая станция метро?") and contains("VasDom")' "$T/default"
check_same "-r prints the answer text only" \
	"Стоимость уборки подъездов зависит от площади и этажности дома. Свяжитесь с нашими менеджерами для расчета индивидуального тарифа." \
	"$(vasdom-ask -r 'Какая цена уборки?')"
check_same "a new session id when none is given" 32 "$(vasdom-ask 'Привет' | jq -r '.session_id | length')"

# a correction given with a rating is what the next similar question gets
export VASDOM_DB=$T/correct.db
id=$(vasdom-ask 'Можно ли заказать мойку окон в подъезде?' | jq .log_id)
printf '{"log_id":%s,"rating":2,"correction":"Да, мойку окон в подъездах мы делаем по заявке УК раз в квартал."}\n' "$id" | vasdom-rate >/dev/null
vasdom-ask 'Можно заказать мойку окон в подъезде?' >"$T/corr"
check_same "corrected answer reused" "Да, мойку окон в подъездах мы делаем по заявке УК раз в квартал." "$(jq -r .response "$T/corr")"
check_same "...from experience" experience "$(jq -r .source "$T/corr")"

# a badly rated answer is not reused
export VASDOM_DB=$T/bad.db
id=$(vasdom-ask 'Вы убираете дворы и парковки?' | jq .log_id)
vasdom-rate "$id" 1 "не то" >/dev/null
check_same "an answer rated 1 is avoided" default "$(vasdom-ask 'Вы убираете дворы и парковки у домов?' | jq -r .source)"

# record mode: curated knowledge answers the next question
export VASDOM_DB=$T/record.db
printf '{"message":"Работаете ли вы в Жилетово?","response":"Да, в Жилетово 45 домов обслуживает наша бригада.","rating":5}\n' |
	vasdom-ask --record >"$T/rec"
check_same "record mode stores the pair" record "$(jq -r .source "$T/rec")"
check_same "recorded knowledge answers" "Да, в Жилетово 45 домов обслуживает наша бригада." \
	"$(vasdom-ask -r 'Вы работаете в Жилетово?')"

# piping: ask | jq | rate
export VASDOM_DB=$T/pipe.db
printf 'Вопрос 1\nВопрос 2\n' | vasdom-ask | jq -c '{log_id, rating: 5}' | vasdom-rate >"$T/piped"
check_same "ask | jq | rate rates both" "1 5 2 5" "$(jq -r '"\(.log_id) \(.rating)"' "$T/piped" | tr '\n' ' ' | sed 's/ $//')"
check_same "arguments around a - are asked too, in order" "Вопрос 3|Вопрос 4|Вопрос 5" \
	"$(echo 'Вопрос 4' | vasdom-ask 'Вопрос 3' - 'Вопрос 5' | jq -r .message | tr '\n' '|' | sed 's/|$//')"
done_testing
