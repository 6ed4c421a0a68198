#!/bin/sh
# One rule for whole numbers (log_id, rating) in every input format: a
# JSON integer, or digits as text with blanks around allowed; 5.0, 1e3 and
# "2.0" are refused alike, and the message quotes the input as given.
. "$(dirname "$0")/lib.sh"
plan 12

jq -nc '{message: "Вопрос \(range(3))", response: "Ответ"}' | vasdom-ask --record >/dev/null
rate() { vasdom-rate "$@" >"$T/o" 2>"$T/err"; echo $?; }
msg() { sed 's/^vasdom-rate: line [0-9]*: //' "$T/err"; }

check_same "JSON rating 5.0: refused, quoted as given" "1 rating: expected a whole number from 1 to 5, got 5.0" \
	"$(echo '{"log_id":1,"rating":5.0}' | rate) $(msg)"
check_same "JSON rating \" 5\": taken, as CSV ' 5' is" "0 5" \
	"$(echo '{"log_id":1,"rating":" 5"}' | rate) $(jq -r .rating "$T/o")"
check_same "CSV rating ' 5'" "0 5" "$(printf 'log_id,rating\n2, 5\n' | rate) $(jq -r .rating "$T/o")"
check_same "JSON rating \"05\" and CSV 05 alike" "0 4 0 4" \
	"$(echo '{"log_id":1,"rating":"04"}' | rate) $(jq -r .rating "$T/o") $(printf 'log_id,rating\n1,04\n' | rate) $(jq -r .rating "$T/o")"
check_same "text line '3 4.0': refused, quoted" "1 rating: expected a whole number from 1 to 5, got '4.0'" \
	"$(echo '3 4.0' | rate) $(msg)"
check_same "JSON log_id 1e3: refused (not taken as 1000), quoted as given" "1 log_id: expected a whole number, got 1e3" \
	"$(echo '{"log_id":1e3,"rating":5}' | rate) $(msg)"
check_same "JSON log_id 2.0: refused" "1 log_id: expected a whole number, got 2.0" \
	"$(echo '{"log_id":2.0,"rating":5}' | rate) $(msg)"
check_same "CSV log_id 2.0: refused the same way" "1 log_id: expected a whole number, got '2.0'" \
	"$(printf 'log_id,rating\n2.0,5\n' | rate) $(msg)"
check_same "JSON rating 4.5" "1 rating: expected a whole number from 1 to 5, got 4.5" \
	"$(echo '{"log_id":1,"rating":4.5}' | rate) $(msg)"
check_same "JSON rating \"five\"" "1 rating: expected a whole number from 1 to 5, got 'five'" \
	"$(echo '{"log_id":1,"rating":"five"}' | rate) $(msg)"
check_same "JSON rating true" "1 rating: expected a whole number from 1 to 5, got true" \
	"$(echo '{"log_id":1,"rating":true}' | rate) $(msg)"
vasdom-embed -q >/dev/null
echo '{"log_id":1e0}' | vasdom-similar >/dev/null 2>"$T/err"
check "similar: JSON log_id 1e0 refused by the same rule" grep -q 'log_id: expected a whole number, got 1e0' "$T/err"

done_testing
