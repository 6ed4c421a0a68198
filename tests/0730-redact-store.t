#!/bin/sh
# VASDOM_REDACT_STORE=1: questions, answers, corrections and feedback are
# stored with personal data masked, by vasdom-export --redact's patterns,
# whichever writer stores them (vasdom-ask, vasdom-ask --record,
# vasdom-rate, vasdom-serve): the planted phones and e-mails never reach
# the database file or its WAL. Without it, they are stored as given.
. "$(dirname "$0")/lib.sh"
plan 16

# one phone and one e-mail per writer, so a leak names its writer
ask_q='Позвоните мне: +7 (916) 555-01-11, или на askpetrov@mail.ru'
rec_q='Мой номер 8 916 555 02 22, почта recivanova@yandex.ru'
rec_a='Перезвоним на 89165550333'
rec_c='Пишите на reccorr@example.org или 8(916)555-04-44'
rec_f='мой e-mail recfeed@example.org'
rate_c='Звоните +79165550555'
rate_f='пишите ratefeed@mail.ru'
srv_q='Перезвоните на 8-916-555-06-66, srvask@mail.ru'
srv_c='Наш менеджер: srvcorr@example.org, +7 916 555 07 77'
srv_f='мой телефон 9165550888'
# every planted piece found in the database file and its -wal, one a line
found() {
	for f in "$VASDOM_DB" "$VASDOM_DB-wal"; do
		[ -f "$f" ] && grep -a -o -e "555-01-11" -e askpetrov -e "555 02 22" -e recivanova \
			-e 89165550333 -e reccorr -e "555-04-44" -e recfeed -e 79165550555 -e ratefeed \
			-e "555-06-66" -e srvask -e srvcorr -e "555 07 77" -e 9165550888 "$f"
	done | sort -u
}
req() { curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "$2" "$url$1"; }

# every writer, each text with its own planted data; $1 names the run
write_all() {
	vasdom-ask -s redact "$ask_q" >"$T/asked.$1"
	jq -nc --arg m "$rec_q" --arg r "$rec_a" --arg c "$rec_c" --arg f "$rec_f" \
		'{message: $m, response: $r, correction: $c, feedback_text: $f, rating: 2}' |
		vasdom-ask --record >"$T/recorded.$1"
	jq -nc --arg c "$rate_c" --arg f "$rate_f" --argjson id "$(jq .log_id "$T/asked.$1")" \
		'{log_id: $id, rating: 1, correction: $c, feedback_text: $f}' | vasdom-rate >/dev/null
	serve
	req /api/voice/process "$(jq -nc --arg m "$srv_q" '{message: $m}')" >/dev/null
	cp "$T/body" "$T/served.$1"
	req /api/voice/feedback "$(jq -nc --arg c "$srv_c" --arg f "$srv_f" \
		--argjson id "$(jq .log_id "$T/served.$1")" \
		'{log_id: $id, rating: 5, correction: $c, feedback_text: $f}')" >/dev/null
	# while the server holds the database open, its WAL is there
	found >"$T/found.$1.open"
	test -s "$VASDOM_DB-wal" && echo "$1" >>"$T/wal"
	kill -TERM "$srv"; wait "$srv"
	found >"$T/found.$1"
}

# without the setting: all of them stored as given (what the checks below look for)
write_all plain
check_same "without VASDOM_REDACT_STORE: all 15 planted pieces in the database" 15 \
	"$(cat "$T/found.plain.open" "$T/found.plain" | sort -u | wc -l)"

mv "$VASDOM_DB" "$T/plain.db"
export VASDOM_REDACT_STORE=1
write_all masked
check_same "with VASDOM_REDACT_STORE=1: none in the database or -wal while served" "" \
	"$(cat "$T/found.masked.open")"
check_same "...nor after" "" "$(cat "$T/found.masked")"
check_same "...the WAL was there to look at, both times" "plain masked" "$(paste -sd' ' "$T/wal")"

stored() { sqlite3 "$VASDOM_DB" "SELECT $1 FROM exchanges WHERE log_id = $2"; }
id=$(jq .log_id "$T/asked.masked")
check_same "vasdom-ask: the question stored masked" "Позвоните мне: [phone], или на [email]" \
	"$(stored message "$id")"
check_same "...printed as given" "$ask_q" "$(jq -r .message "$T/asked.masked")"
check_same "vasdom-rate: the correction and feedback masked" "Звоните [phone]|пишите [email]" \
	"$(stored "correction || '|' || feedback_text" "$id")"
rid=$(jq .log_id "$T/recorded.masked")
check_same "vasdom-ask --record: question, answer, correction, feedback masked" \
	"Мой номер [phone], почта [email]|Перезвоним на [phone]|Пишите на [email] или [phone]|мой e-mail [email]" \
	"$(stored "message || '|' || response || '|' || correction || '|' || feedback_text" "$rid")"
check_same "...in the rating history too" "Пишите на [email] или [phone]|мой e-mail [email]" \
	"$(sqlite3 "$VASDOM_DB" "SELECT correction || '|' || feedback_text FROM ratings WHERE log_id = $rid")"
sid=$(jq .log_id "$T/served.masked")
check_same "vasdom-serve: the question masked" "Перезвоните на [phone], [email]" "$(stored message "$sid")"
check_same "...the reply shows it as given" "$srv_q" "$(jq -r .message "$T/served.masked")"
check_same "...the correction and feedback masked" "Наш менеджер: [email], [phone]|мой телефон [phone]" \
	"$(stored "correction || '|' || feedback_text" "$sid")"
check_same "...in the rating history too" "Наш менеджер: [email], [phone]|мой телефон [phone]" \
	"$(sqlite3 "$VASDOM_DB" "SELECT correction || '|' || feedback_text FROM ratings WHERE log_id = $sid")"

# the very masks of vasdom-export --redact, from the plain database
check_same "the masks of vasdom-export --redact" "$(stored message "$rid")" \
	"$(VASDOM_DB=$T/plain.db vasdom-export --redact --min-rating 1 |
		jq -r "select(.metadata.log_id == $rid) | .messages[0].content")"

# a mistyped value is refused, not taken for "off"
mistyped() { VASDOM_REDACT_STORE=yes vasdom-ask -s x "вопрос" >/dev/null 2>"$T/err"; }
check_fails "VASDOM_REDACT_STORE=yes: exit 3" 3 mistyped
check_same "...naming the variable" "vasdom-ask: VASDOM_REDACT_STORE: expected 0 or 1, got 'yes'" "$(cat "$T/err")"
done_testing
