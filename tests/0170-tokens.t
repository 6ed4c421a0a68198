#!/bin/sh
# Token use: the model's usage (prompt_tokens, completion_tokens) is stored
# on the exchange; vasdom-stats sums it (total, per model, per day or
# week) and exports vasdom_llm_tokens_total{type,model} to Prometheus.
# The fake counts a character as a token: its prompt count is the
# characters of the messages sent, its completion count the answer's.
. "$(dirname "$0")/lib.sh"
plan 13

A="Модель: уборка подъездов проводится по графику, согласованному с УК."
alen=$(printf '%s' "$A" | wc -m | tr -d ' ')
fake_server ok
export VASDOM_LLM_URL=$fake_url VASDOM_LLM_MODEL=model-a
vasdom-ask -s tok 'Как часто убирают?' 'А сколько стоит?' >/dev/null
VASDOM_LLM_MODEL=model-b vasdom-ask 'Когда приходит бригада?' >/dev/null
# what the fake counted for each request, in order
jq -r '[.body.messages[].content | length] | add' "$fake_log" >"$T/sent"
check_same "prompt_tokens stored as the model counted them" "$(paste -sd' ' "$T/sent")" \
	"$(sqlite3 "$VASDOM_DB" 'select prompt_tokens from exchanges order by log_id' | paste -sd' ' -)"
check_same "completion_tokens too" "$alen $alen $alen" \
	"$(sqlite3 "$VASDOM_DB" 'select completion_tokens from exchanges order by log_id' | paste -sd' ' -)"
check "...the second question's prompt holds the first turn, so it counts more" \
	test "$(sed -n 2p "$T/sent")" -gt "$(sed -n 1p "$T/sent")"

fake_server nousage
VASDOM_LLM_URL=$fake_url vasdom-ask 'Без подсчёта?' >/dev/null
unset VASDOM_LLM_URL
vasdom-ask 'Сколько стоит уборка?' >/dev/null
check_same "no usage in the reply, or no model: null" "llm|| intent||" \
	"$(sqlite3 "$VASDOM_DB" "select source || '|' || coalesce(prompt_tokens, '') || '|' || coalesce(completion_tokens, '') from exchanges where log_id > 3 order by log_id" | paste -sd' ' -)"

p1=$(sed -n 1p "$T/sent") p2=$(sed -n 2p "$T/sent") p3=$(sed -n 3p "$T/sent")
vasdom-stats >"$T/s"
check_same "stats: the totals" "$((p1 + p2 + p3)) $((3 * alen))" "$(jq -r '"\(.prompt_tokens) \(.completion_tokens)"' "$T/s")"
check_same "stats: per model" \
	"{\"model-a\":{\"prompt_tokens\":$((p1 + p2)),\"completion_tokens\":$((2 * alen))},\"model-b\":{\"prompt_tokens\":$p3,\"completion_tokens\":$alen}}" \
	"$(jq -c .tokens_by_model "$T/s")"
check_same "stats -f csv: the same columns" "$(jq -r 'keys_unsorted | join(",")' "$T/s")" "$(vasdom-stats -f csv | head -1)"
check_same "--by day: the day's sums" "$((p1 + p2 + p3)) $((3 * alen))" \
	"$(vasdom-stats --by day | jq -r '"\(.prompt_tokens) \(.completion_tokens)"')"
sqlite3 "$VASDOM_DB" "update exchanges set created_at = '2026-01-05T10:00:00.000Z' where log_id = 1"
check_same "--by day: each day its own" "2026-01-05 $p1|$(date -u +%F) $((p2 + p3))" \
	"$(vasdom-stats --by day | jq -r '"\(.period) \(.prompt_tokens)"' | paste -sd'|' -)"

vasdom-stats -f prometheus >"$T/metrics"
check "prometheus: prompt tokens of model-a" grep -qx "vasdom_llm_tokens_total{type=\"prompt\",model=\"model-a\"} $((p1 + p2))" "$T/metrics"
check "prometheus: completion tokens of model-b" grep -qx "vasdom_llm_tokens_total{type=\"completion\",model=\"model-b\"} $alen" "$T/metrics"
check "promtool check metrics accepts it" sh -c 'promtool check metrics <"$1" >"$1.lint" 2>&1 && [ ! -s "$1.lint" ]' sh "$T/metrics"
VASDOM_DB=$T/offline.db vasdom-ask 'Сколько стоит уборка?' >/dev/null
VASDOM_DB=$T/offline.db vasdom-stats -f prometheus >"$T/none"
check "no model answered yet: the other metrics, no token metric" \
	sh -c 'grep -q "^vasdom_interactions_total 1$" "$1" && ! grep -q vasdom_llm_tokens "$1"' sh "$T/none"
done_testing
