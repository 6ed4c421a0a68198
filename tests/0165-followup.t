#!/bin/sh
# Offline follow-ups: a short question (4 words at most) of a session that
# nothing answers on its own is asked again with the session's previous
# question in front; answered_as says which was used.
. "$(dirname "$0")/lib.sh"
plan 10

printf '%s\n' '{"message":"Убираете ли вы дворы?","response":"Дворы мы не убираем, только подъезды.","rating":5}' \
	'{"message":"Моете ли вы окна в подъездах?","response":"Окна моем раз в квартал.","rating":5}' |
	vasdom-ask --record >/dev/null
W="Окна моем раз в квартал."
f() { jq -r '"\(.source)|\(.answered_as)|\(.response)"'; }

vasdom-ask -s s1 'Моете ли вы окна в подъездах?' 'а зимой?' >"$T/o1"
check_same "alone it finds nothing: asked again after the previous question" \
	"experience|Моете ли вы окна в подъездах? а зимой?|$W" "$(sed -n 2p "$T/o1" | f)"
check_same "...the answer is confident, not a handover" "false" "$(sed -n 2p "$T/o1" | jq .handover)"
check_same "...the question is logged as asked" "а зимой?" \
	"$(sqlite3 "$VASDOM_DB" "select message from exchanges where session_id = 's1' order by log_id desc limit 1")"
check_same "a question answered on its own: answered_as is itself" \
	"experience|Моете ли вы окна в подъездах?|$W" "$(sed -n 1p "$T/o1" | f)"
vasdom-ask -s s1 'а дворы?' >"$T/o2"
check_same "a follow-up that finds its answer alone keeps it" \
	"experience|а дворы?|Дворы мы не убираем, только подъезды." "$(f <"$T/o2")"
vasdom-ask 'Моете ли вы окна в подъездах?' 'а зимой?' >"$T/o3"
check_same "no session named: no follow-up" "default|а зимой?" "$(sed -n 2p "$T/o3" | f | cut -d'|' -f1,2)"
vasdom-ask -s s4 'Моете ли вы окна в подъездах?' 'а что у вас зимой бывает?' >"$T/o4"
check_same "more than 4 words: not a follow-up" "default" "$(sed -n 2p "$T/o4" | jq -r .source)"
vasdom-ask -s s5 'Какая сегодня погода?' 'а завтра?' >"$T/o5"
check_same "joined finds nothing either: the default answer, for the question asked" \
	"default|а завтра?|По вопросу 'а завтра?' обратитесь к нашим специалистам. VasDom - клининговая компания с опытом работы в 348 домах Калуги." \
	"$(sed -n 2p "$T/o5" | f)"

# with a language model the conversation goes to it instead; when it
# fails, the offline follow-up applies and the failure is kept
fake_server ok
VASDOM_LLM_URL=$fake_url vasdom-ask -s s6 'Моете ли вы окна в подъездах?' 'а зимой?' >"$T/o6"
check_same "with a model: it answers, with the history" "llm|а зимой?" "$(sed -n 2p "$T/o6" | f | cut -d'|' -f1,2)"
VASDOM_LLM_URL=http://127.0.0.1:$(closed_port)/v1 vasdom-ask -s s7 'Моете ли вы окна в подъездах?' 'а зимой?' >"$T/o7"
check_same "the model down: the follow-up offline, the model's failure kept" \
	"experience|Моете ли вы окна в подъездах? а зимой?|true" \
	"$(sed -n 2p "$T/o7" | jq -r '"\(.source)|\(.answered_as)|\(.model_error != null)"')"
done_testing
