#!/bin/sh
# vasdom-export -f dpo and -f trl-dpo: preference pairs from badly rated
# answers (rejected) and well rated answers to the same or a similar
# question, or the correction given (preferred).
. "$(dirname "$0")/lib.sh"
plan 23

cat >"$T/in.jsonl" <<'EOF'
{"message":"Сколько стоит уборка подъезда в месяц?","response":"Не знаю.","rating":1,"created_at":"2026-01-10T10:00:00Z"}
{"message":"Сколько стоит уборка подъезда в месяц?","response":"Не знаю.","rating":1,"created_at":"2026-01-08T10:00:00Z"}
{"message":"Сколько стоит уборка подъезда в месяц?","response":"Стоимость зависит от площади и этажности дома; менеджер рассчитает тариф.","rating":5,"created_at":"2026-01-09T10:00:00Z"}
{"message":"Вы моете окна в подъездах?","response":"Нет.","rating":2,"correction":"Да, мойку окон делаем по заявке УК раз в квартал.","created_at":"2026-01-11T10:00:00Z"}
{"message":"Как с вами связаться?","response":"Звоните 8 912 345 67 89.","rating":1,"correction":"Звоните в офис: +7 (4842) 12-34-56 или пишите на info@vasdom.ru.","created_at":"2026-01-05T10:00:00Z"}
{"message":"Где ближайшее метро?","response":"Не знаю.","rating":1,"created_at":"2026-01-12T10:00:00Z"}
{"message":"Как часто убирают подъезды?","response":"Два раза в неделю.","rating":5,"created_at":"2026-01-01T10:00:00Z"}
{"message":"Как часто у вас убирают подъезды?","response":"Два раза в неделю.","rating":2,"created_at":"2026-01-13T10:00:00Z"}
{"message":"Работаете ли вы в Жилетово?","response":"Да, в Жилетово 45 домов.","rating":5,"created_at":"2026-01-02T10:00:00Z"}
{"message":"Сколько у вас бригад?","response":"Шесть бригад по районам Калуги.","rating":4,"created_at":"2026-01-03T10:00:00Z"}
{"message":"Есть ли скидки для ТСЖ?","response":"Уточните у менеджера.","rating":3,"created_at":"2026-01-04T10:00:00Z"}
EOF
vasdom-ask --record <"$T/in.jsonl" >/dev/null

vasdom-export -f dpo >"$T/dpo"
check_same "dpo: exit 0" 0 $?
check_same "dpo: OpenAI preference layout, keys in order" 4 \
	"$(jq -c 'select(keys_unsorted == ["input", "preferred_output", "non_preferred_output"]
	and (.input | keys_unsorted) == ["messages", "tools", "parallel_tool_calls"]
	and .input.tools == [] and .input.parallel_tool_calls == true)' "$T/dpo" | wc -l | tr -d ' ')"
check_same "dpo: input ends with the user, one assistant message on each side" 4 \
	"$(jq -c 'select([.input.messages[].role] == ["user"]
	and [.preferred_output[].role] == ["assistant"] and [.non_preferred_output[].role] == ["assistant"]
	and .preferred_output[0].content != .non_preferred_output[0].content)' "$T/dpo" | wc -l | tr -d ' ')"
jq -r '"\(.input.messages[0].content)|\(.preferred_output[0].content)|\(.non_preferred_output[0].content)"' "$T/dpo" >"$T/pairs"
check_same "the correction preferred over the original" 1 \
	"$(grep -cx 'Вы моете окна в подъездах?|Да, мойку окон делаем по заявке УК раз в квартал.|Нет.' "$T/pairs")"
check_same "a well rated answer to the same question preferred over the bad one" 2 \
	"$(grep -cx 'Сколько стоит уборка подъезда в месяц?|Стоимость зависит от площади и этажности дома; менеджер рассчитает тариф.|Не знаю.' "$T/pairs")"
check_same "newest rejected first" "Вы моете окна в подъездах? Сколько стоит уборка подъезда в месяц? Сколько стоит уборка подъезда в месяц? Как с вами связаться?" \
	"$(jq -r '.input.messages[0].content' "$T/dpo" | tr '\n' ' ' | sed 's/ $//')"
check "no pair for a question nothing similar was rated well" sh -c '! grep -q "метро" "$1"' sh "$T/dpo"
check "no pair whose preferred answer is the rejected one" sh -c '! grep -q "у вас убирают" "$1"' sh "$T/dpo"
check "a 3 is on neither side" sh -c '! grep -q "скидки" "$1"' sh "$T/dpo"

vasdom-export -f trl-dpo >"$T/trl"
check_same "trl-dpo: prompt, chosen, rejected, conversational" 4 \
	"$(jq -c 'select(keys_unsorted == ["prompt", "chosen", "rejected"] and [.prompt[].role] == ["user"]
	and [.chosen[].role] == ["assistant"] and [.rejected[].role] == ["assistant"])' "$T/trl" | wc -l | tr -d ' ')"
check_same "trl-dpo: the same pairs as dpo" "$(cat "$T/pairs")" \
	"$(jq -r '"\(.prompt[0].content)|\(.chosen[0].content)|\(.rejected[0].content)"' "$T/trl")"
check_same "--similarity 0: every bad answer paired with some different good one" 6 \
	"$(vasdom-export -f trl-dpo --similarity 0 | jq -c 'select(.chosen[0].content != .rejected[0].content)' | wc -l | tr -d ' ')"
check_same "--dedup: the repeated bad pair once" 3 "$(vasdom-export -f dpo --dedup | wc -l | tr -d ' ')"
check_same "--max 1: the newest" "Вы моете окна в подъездах?" "$(vasdom-export -f dpo --max 1 | jq -r '.input.messages[0].content')"
check_same "--since: the rejected side in the period" "Вы моете окна в подъездах?" \
	"$(vasdom-export -f trl-dpo --since 2026-01-11 | jq -r '.prompt[0].content')"
check_same "--system first in the input" "system user" \
	"$(vasdom-export -f dpo --system 'Ты помощник VasDom' --max 1 | jq -r '[.input.messages[].role] | join(" ")')"
check_same "--system first in the trl prompt" "system user" \
	"$(vasdom-export -f trl-dpo --system 'Ты помощник VasDom' --max 1 | jq -r '[.prompt[].role] | join(" ")')"
check_same "--redact masks both sides" "Звоните в офис: [phone] или пишите на [email].|Звоните [phone]." \
	"$(vasdom-export -f trl-dpo --redact | jq -r 'select(.prompt[0].content == "Как с вами связаться?") | "\(.chosen[0].content)|\(.rejected[0].content)"')"
check_same "trl-dpo export passes --validate" "true trl-dpo 4" \
	"$(vasdom-export --validate "$T/trl" | jq -r '"\(.valid) \(.format) \(.examples)"')"
check_fails "4 dpo pairs are too few for OpenAI: --validate exit 1" 1 sh -c 'vasdom-export --validate "$1" >/dev/null 2>"$2"' sh "$T/dpo" "$T/err"
check "...saying so" grep -q 'OpenAI requires at least 10' "$T/err"
vasdom-export -f dpo --split 0.5 -o "$T/sp" >/dev/null
check_same "--split with pairs: all pairs, recorded as dpo" "4 dpo" \
	"$(($(cat "$T/sp.train.jsonl" "$T/sp.valid.jsonl" | wc -l))) $(sqlite3 "$VASDOM_DB" 'select distinct format from training_datasets where name like "sp.%"')"

VASDOM_DB=$T/good.db sh -c 'echo "{\"message\":\"Вопрос\",\"response\":\"Ответ\",\"rating\":5}" | vasdom-ask --record >/dev/null'
check_fails "no badly rated answers: nothing to pair, exit 1" 1 vasdom-export -f dpo -d "$T/good.db" 2>/dev/null
done_testing
