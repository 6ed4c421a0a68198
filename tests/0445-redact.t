#!/bin/sh
# --redact against a table of real-looking samples (tests/redact-samples.tsv:
# the text, then what it must become): phones in every usual form and
# other countries', obfuscated e-mails and mailto:, cards grouped by dots
# or underscores, long numbers masked whole, SNILS, INN, passports, and
# text that must stay as it is. Session ids are pseudonymised.
. "$(dirname "$0")/lib.sh"
samples=$top/tests/redact-samples.tsv
plan $(($(wc -l <"$samples") + 6))

# one exchange per sample, in order; the export is newest first
awk -F'\t' '{ print $1 }' "$samples" | jq -R -c '{message: "Мои данные: \(.), спасибо", response: "Записали.",
	rating: 5, session_id: "+7 912 345-67-89", created_at: "2026-01-01T00:00:00Z"}' |
	vasdom-ask --record >/dev/null
vasdom-export --redact >"$T/x" 2>"$T/err"
jq -r '[.metadata.log_id, .messages[0].content] | @tsv' "$T/x" | sort -n | cut -f2- >"$T/got"
i=0
while IFS='	' read -r text want; do
	i=$((i + 1))
	check_same "--redact: $text" "Мои данные: $want, спасибо" "$(sed -n "${i}p" "$T/got")"
done <"$samples"

check "session ids pseudonymised: s- and 16 hex digits" jqe -s 'map(.metadata.session_id | test("^s-[0-9a-f]{16}$")) | all' "$T/x"
check_same "...one session stays one" 1 "$(jq -r .metadata.session_id "$T/x" | sort -u | wc -l | tr -d ' ')"
check "...and the id itself appears nowhere" sh -c "! grep -q '912 345' '$T/x'"
VASDOM_EXPORT_PARALLEL_MIN=0 vasdom-export --redact >"$T/x2"
check_same "...also when two threads export" 1 "$(jq -r .metadata.session_id "$T/x2" | sort -u | wc -l | tr -d ' ')"
vasdom-export --redact -f csv >"$T/x.csv"
check "...the id itself nowhere" sh -c "! grep -q '912 345' '$T/x.csv'"
check "CSV: the session pseudonymised too" grep -q ',"s-[0-9a-f]\{16\}",' "$T/x.csv"

done_testing
