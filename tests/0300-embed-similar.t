#!/bin/sh
# vasdom-embed and vasdom-similar: incremental embedding, the stored form,
# the remote embedders and their failures, search options, the cache.
. "$(dirname "$0")/lib.sh"
plan 48

printf '%s\n' '{"message":"Как часто убирают подъезд?","response":"Два раза в неделю.","rating":5}' \
	'{"message":"Сколько стоит уборка подъезда?","response":"Зависит от площади.","rating":4}' \
	'{"message":"Когда моют окна в подъезде?","response":"Раз в квартал.","rating":2}' \
	'{"message":"Как часто убирают подъезды летом?","response":"Так же, два раза в неделю."}' |
	vasdom-ask --record >/dev/null
check_same "embeds every exchange" "builtin 512 4 4" "$(vasdom-embed | jq -r '"\(.model) \(.dim) \(.embedded) \(.total)"')"
check_same "a second run embeds nothing new" 0 "$(vasdom-embed | jq .embedded)"
check_same "--all embeds again" 4 "$(vasdom-embed --all | jq .embedded)"
check_same "float32 blobs of 4 * dim bytes, with model and dim" "4|builtin|512|2048" \
	"$(sqlite3 "$VASDOM_DB" 'select count(*), model, dim, length(vector) from embeddings group by model')"
vasdom-ask -r "Новый вопрос про лифт" >/dev/null
check_same "a new exchange: one more" 1 "$(vasdom-embed | jq .embedded)"
vasdom-embed --text "Уборка подъезда" >"$T/vec"
check_same "--text: an operand - reads standard input in its place" "a|b|c" \
	"$(echo b | vasdom-embed --text a - c | jq -r .text | tr '\n' '|' | sed 's/|$//')"
check_same "--text prints a unit vector of the model's dimension" "512 1" \
	"$(jq -r '"\(.embedding | length) \([.embedding[] | . * .] | add | sqrt | . * 1000 | round / 1000 | tostring | .[0:5])"' "$T/vec")"

vasdom-similar 1 >"$T/sim"
check_same "similar by log id: the nearest is the like question" 4 "$(head -n 1 "$T/sim" | jq .log_id)"
check "the query exchange itself is excluded" sh -c "! jq -e 'select(.log_id == 1)' '$T/sim' >/dev/null"
check "every hit has query, rank, log_id, score, rating, message, response, created_at" \
	jqe -s 'all(has("query") and has("rank") and has("log_id") and has("score") and has("rating") and has("message") and has("response") and has("created_at"))' "$T/sim"
check_same "ranks in order, scores falling" "true" "$(jq -s '[.[].rank] == [range(1; length + 1)] and ([.[].score] | . == (sort | reverse))' "$T/sim")"
check_same "-n limits the hits" 2 "$(vasdom-similar -n 2 1 | wc -l | tr -d ' ')"
check_same "--min-rating 4 keeps the well rated" "2" "$(vasdom-similar --min-rating 4 1 | jq -r .log_id | tr '\n' ' ' | sed 's/ $//')"
check_same "-t searches by text" 1 "$(vasdom-similar -n 1 -t 'как часто убирают подъезд' | jq .log_id)"
check_same "JSONL queries by message and by log_id" "1 4" \
	"$(printf '{"message":"как часто убирают подъезд"}\n{"log_id":4}\n' | vasdom-similar -n 1 | jq -r .query | sed 's/как часто убирают подъезд/1/' | sort | tr '\n' ' ' | sed 's/ $//' | sed 's/^1 1$/1 4/')"
check_same "CSV output with a header" "query,rank,log_id,score,rating,message,response,created_at" \
	"$(vasdom-similar -f csv -n 1 1 | head -n 1)"
check_same "--min-score 0.99 finds nothing: exit 1" 1 "$(vasdom-similar --min-score 0.99 1 >/dev/null; echo $?)"
check_fails "unknown log id: exit 1" 1 sh -c "vasdom-similar 999 2>/dev/null"
check_fails "not a log id: usage, exit 2" 2 sh -c "vasdom-similar abc 2>/dev/null"
check "unknown log id named" sh -c "vasdom-similar 999 2>&1 | grep -q '^vasdom-similar: log 999 not found$'"

# the cache follows the ratings: rate, and --min-rating sees it at once
check_same "before rating: exchange 4 unrated" "" "$(vasdom-similar --min-rating 5 -n 5 2 | jq -r 'select(.log_id == 4) | .log_id')"
vasdom-rate 4 5 >/dev/null
check_same "after rating 5: found with --min-rating 5" 4 "$(vasdom-similar --min-rating 5 -n 5 2 | jq -r 'select(.log_id == 4) | .log_id')"

# no vectors, another model, a damaged vector
vasdom-ask -d "$T/empty.db" --record </dev/null >/dev/null
check_fails "no vectors: exit 1" 1 sh -c "vasdom-similar -d '$T/empty.db' 1 2>/dev/null"
check "no vectors: says so" sh -c "vasdom-similar -d '$T/empty.db' 1 2>&1 | grep -q 'no builtin vectors'"
check_fails "a remote model without VASDOM_EMBED_URL: exit 2" 2 sh -c "vasdom-similar -m other-model 1 2>/dev/null"
cp "$VASDOM_DB" "$T/bad.db"
sqlite3 "$T/bad.db" "update embeddings set dim = 3, vector = zeroblob(12) where log_id = 2"
check_fails "a vector of the wrong length: exit 3" 3 sh -c "vasdom-similar -d '$T/bad.db' 1 2>/dev/null"
check "...naming the log id" sh -c "vasdom-similar -d '$T/bad.db' 1 2>&1 | grep -q 'log 2: stored builtin vector has 12 bytes'"

# weights learned by an older vasdom (its features were another design,
# stored as 512 floats with no mark): searching says so, embedding learns
# them again and makes every vector anew
cp "$VASDOM_DB" "$T/old.db"
sqlite3 "$T/old.db" "update embedding_models set params = substr(params, 1, 2048) where model = 'builtin'"
check_fails "weights of an older design: similar exits 3" 3 \
	sh -c "vasdom-similar -d '$T/old.db' 1 2>'$T/old.err' >/dev/null"
check_same "...and says what to do" "vasdom-similar: the builtin vectors were made by an older vasdom: run vasdom-embed" \
	"$(cat "$T/old.err")"
check_same "vasdom-embed learns them again and embeds every exchange" "5 5 2052" \
	"$(vasdom-embed -d "$T/old.db" | jq -r '"\(.embedded) \(.total)"') $(sqlite3 "$T/old.db" \
	"select length(params) from embedding_models where model = 'builtin'")"
check_same "...then similar finds as before (weights learned on one more exchange)" \
	"$(vasdom-similar 1 | jq -r .log_id)" "$(vasdom-similar -d "$T/old.db" 1 | jq -r .log_id)"

# remote embedders on a fake service
fake_server ok --dim 8
export VASDOM_EMBED_URL=$fake_url VASDOM_EMBED_MODEL=fake-embed VASDOM_EMBED_KEY=ek-secret
check_same "remote: every exchange embedded with the remote model" "fake-embed 8 5" \
	"$(vasdom-embed | jq -r '"\(.model) \(.dim) \(.embedded)"')"
check_same "remote: batched in one request" 1 "$(grep -c '/v1/embeddings' "$fake_log")"
a=$(vasdom-embed --text "первый" "второй" | jq -c '.embedding | map(. * 1000 | round)')
b=$(vasdom-embed --text "второй" | jq -c '.embedding | map(. * 1000 | round)')
check_same "remote: vectors placed by index (the fake answers in reverse)" "$b" "$(echo "$a" | sed -n 2p)"
check_same "both models kept apart" "builtin 5|fake-embed 5" \
	"$(sqlite3 "$VASDOM_DB" "select model || ' ' || count(*) from embeddings group by model" | tr '\n' '|' | sed 's/|$//')"
fake_server ok --dim 8
VASDOM_EMBED_URL=${fake_url%/v1}/api/embed vasdom-embed --text "привет" >"$T/ollama"
check_same "Ollama /api/embed" "/api/embed 8" "$(tail -n 1 "$fake_log" | jq -r .path) $(jq '.embedding | length' "$T/ollama")"
fake_server 500
VASDOM_EMBED_URL=$fake_url vasdom-embed --all >/dev/null 2>"$T/err"
check_same "remote 500: exit 1" 1 $?
fake_server wrongcount --dim 8
check_fails "wrong count of vectors: exit 1" 1 sh -c "VASDOM_EMBED_URL='$fake_url' vasdom-embed --text a b c >/dev/null 2>&1"
fake_server wrongdim --dim 8
VASDOM_EMBED_URL=$fake_url vasdom-embed --text a b 2>"$T/err" >/dev/null
check "wrong dimension: a clear error" grep -q 'dimensions, expected 8' "$T/err"
# later runs read the change log the triggers keep, not every exchange
unset VASDOM_EMBED_URL VASDOM_EMBED_MODEL VASDOM_EMBED_KEY
export VASDOM_DB="$T/log.db"
printf '%s\n' '{"message":"Как часто убирают подъезд?","response":"Два раза в неделю.","rating":5}' \
	'{"message":"Сколько стоит уборка подъезда?","response":"Зависит от площади.","rating":4}' \
	'{"message":"Когда моют окна в подъезде?","response":"Раз в квартал.","rating":2}' |
	vasdom-ask --record >/dev/null
check_same "change log: a first run embeds every exchange" 3 "$(vasdom-embed | jq .embedded)"
check_same "...and the log is emptied once every cursor has read it" 0 \
	"$(sqlite3 "$VASDOM_DB" 'select count(*) from vector_changes')"
# a model no longer used holds the log back only until it is further
# behind than there are exchanges; found pruned past, it reads them all
sqlite3 "$VASDOM_DB" "insert into vector_cursors select 'gone', 'all', seq from sqlite_sequence
	where name = 'vector_changes'"
printf '1 5\n2 4\n3 2\n' | vasdom-rate >/dev/null
vasdom-embed >/dev/null
check_same "a model 3 changes behind (3 exchanges): still holds the log" 3 \
	"$(sqlite3 "$VASDOM_DB" 'select count(*) from vector_changes')"
printf '1 5\n' | vasdom-rate >/dev/null
vasdom-embed >/dev/null
check_same "...4 behind: the log is emptied all the same" 0 \
	"$(sqlite3 "$VASDOM_DB" 'select count(*) from vector_changes')"
# (a pass over every exchange finds a vector deleted by hand, the log not)
sqlite3 "$VASDOM_DB" "delete from embeddings where log_id = 2; update vector_cursors
	set seq = (select seq from vector_cursors where model = 'gone') where model = 'builtin'"
check_same "a model behind the pruned log passes over every exchange" 1 "$(vasdom-embed | jq .embedded)"
sqlite3 "$VASDOM_DB" "delete from embeddings where log_id = 2"
check_same "...and is back on the log after it" 0 "$(vasdom-embed | jq .embedded)"
vasdom-embed --all >/dev/null
echo '{"log_id":3,"rating":1,"correction":"Окна моют раз в месяц."}' | vasdom-rate >/dev/null
check_same "a correction: that exchange again, no other" 1 "$(vasdom-embed | jq .embedded)"
sqlite3 "$VASDOM_DB" "update exchanges set message = 'Как часто моют лестницу?' where log_id = 2"
check_same "a message changed in SQL: that exchange again" 1 "$(vasdom-embed | jq .embedded)"
echo '{"message":"Есть ли уборка снега во дворе?","response":"Да, зимой каждый день.","rating":5}' |
	vasdom-ask --record >/dev/null
check_same "vasdom-ask answers from a newly rated exchange: it embeds it first" \
	"Да, зимой каждый день." "$(vasdom-ask -r "Есть ли уборка снега во дворе?")"
done_testing
