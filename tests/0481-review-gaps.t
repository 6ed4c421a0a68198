#!/bin/sh
# vasdom-review --gaps: questions not answered well, clustered by meaning,
# with drafts that vasdom-ask --record takes as they are.
. "$(dirname "$0")/lib.sh"
plan 24

vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
kb=$(wc -l <"$top/data/knowledge.jsonl" | tr -d ' ')
c1=$((kb + 1)) sure=$((kb + 2)) c2=$((kb + 3)) dog=$((kb + 4)) price=$((kb + 5)) known=$((kb + 6))
vasdom-ask -s s1 "Можно ли заказать химчистку ковров?" "Делаете ли вы химчистку ковров?" \
	"Есть ли у вас химчистка ковров?" "Где купить собаку?" "Сколько стоит уборка подъезда?" \
	"Сколько бригад у компании?" >"$T/asked"
check_same "the carpet questions hand over (the test's premise)" "default default" \
	"$(jq -r "select(.log_id == $c1 or .log_id == $c2) | .source" "$T/asked" | tr '\n' ' ' | sed 's/ $//')"
vasdom-review --gaps >"$T/g"
check_same "exit 0" 0 $?
check_same "two clusters: the carpets, the dog" 2 "$(wc -l <"$T/g" | tr -d ' ')"
check_same "...and one carpet question is answered surely from the knowledge (the test's premise)" \
	"experience false" "$(jq -r "select(.log_id == $sure) | \"\(.source) \(.handover)\"" "$T/asked")"
check_same "the largest first, with the log ids of all its members; the sure answer among them, its question being farther from the knowledge than the knowledge typically is from itself" \
	"1 3 $c1 $sure $c2" \
	"$(jq -r 'select(.cluster == 1) | "\(.cluster) \(.size) \(.log_ids | map(tostring) | join(" "))"' "$T/g")"
check_same "a sure answer to a question the knowledge holds is no gap" "" \
	"$(jq -r "select(.log_ids | index($known)) | .cluster" "$T/g")"
check_same "its questions, the most central first" 3 "$(jq 'select(.cluster == 1) | .questions | length' "$T/g")"
# (one process asked both: they may share a millisecond, so compare with
# what was stored rather than expect first < last)
check_same "first and last seen: its members' times" \
	"$(jq -r "select(.log_id == $c1 or .log_id == $c2) | .created_at" "$T/asked" | tr '\n' ' ' | sed 's/ $//')" \
	"$(jq -r 'select(.cluster == 1) | "\(.first_seen) \(.last_seen)"' "$T/g")"
check_same "two hand-overs, no topic" "2 null" "$(jq -r 'select(.cluster == 1) | "\(.handovers) \(.topic)"' "$T/g")"
check_same "the draft: a question of the cluster, no answer yet, rated 5" "true  5" \
	"$(jq -r 'select(.cluster == 1) | "\(.draft.message as $m | .questions | index($m) != null) \(.draft.response) \(.draft.rating)"' "$T/g")"
check_same "an answer of the rules rated 2 is a gap, under its intent topic" "" \
	"$(jq -r "select(.log_ids | index($price)) | .topic" "$T/g")"
echo "$price 2" | vasdom-rate >/dev/null
check_same "...once rated 2: a gap, under its intent topic" "price 1" \
	"$(vasdom-review --gaps | jq -r "select(.log_ids | index($price)) | \"\(.topic) \(.rated_poorly)\"")"
# a correction is the answer to start from
echo "{\"log_id\":$dog,\"rating\":1,\"correction\":\"Собак мы не продаём.\"}" | vasdom-rate >/dev/null
check_same "the correction is the draft's answer" "Собак мы не продаём." \
	"$(vasdom-review --gaps --drafts | jq -r 'select(.message == "Где купить собаку?") | .response')"
sqlite3 "$VASDOM_DB" .dump >"$T/before"
vasdom-review --gaps >/dev/null
check_same "nothing was written" "" "$(sqlite3 "$VASDOM_DB" .dump | diff "$T/before" - | head -3)"

# the drafts, edited, feed vasdom-ask --record
vasdom-review --gaps --drafts -n 1 >"$T/todo.jsonl"
check_same "-n 1 --drafts: one line of message, response, rating" "message response rating" \
	"$(jq -r 'keys_unsorted | join(" ")' "$T/todo.jsonl")"
jq -c '.response = "Химчистку ковров мы не делаем."' "$T/todo.jsonl" | vasdom-ask --record >"$T/rec"
check_same "the edited draft is recorded" 0 $?
check_same "...and answers the gap's question from then on" "experience Химчистку ковров мы не делаем." \
	"$(vasdom-ask 'Можно ли заказать химчистку ковров?' | jq -r '"\(.source) \(.response)"')"

vasdom-review --gaps -f csv >"$T/csv"
check_same "-f csv: the header" \
	"cluster,size,log_ids,first_seen,last_seen,questions,topic,handovers,low_confidence,rated_poorly,corrected,draft" \
	"$(head -1 "$T/csv")"
VASDOM_DB=$T/empty.db vasdom-ask --record <"$top/data/knowledge.jsonl" >/dev/null
check_fails "no gaps: exit 1" 1 env VASDOM_DB="$T/empty.db" vasdom-review --gaps
check_fails "--drafts without --gaps: usage error" 2 vasdom-review --conflicts --drafts
check_fails "a rules file that is not there: configuration error" 3 vasdom-review --gaps --rules "$T/none.rules"

# the words in a link between two gap questions (vd_question_words)
qw=$($VASDOM_BIN/tests/unit/question-words "Подскажите, как оплатить уборку?" \
	"Подскажите, как оплатить договор?" "Подскажите, где лифт?")
check_same "words every question has weigh nothing" "0.000 0.000" \
	"$(echo "$qw" | awk '$2 == 2 { printf "%s%s", sep, $3; sep = " " }')"
check_same "words two of three share link them" 1 \
	"$(echo "$qw" | awk '$1 == 0 && $2 == 1 { print ($3 > 0.2 && $3 < 1) }')"
check_same "-h: --gaps' least similarity is 0.3 (the links measured with it)" 1 \
	"$(vasdom-review -h | grep -c -- '--gaps: 0.3')"
done_testing
