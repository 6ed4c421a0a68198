#!/bin/sh
# Text rules the built-in embedder relies on: case folding composed to NFC,
# so ё reads as е and й stays one letter that Snowball can strip.
. "$(dirname "$0")/lib.sh"
plan 8
words=$VASDOM_BIN/tests/unit/text-words

check_same "Ёлка is folded to елка" "елка" "$("$words" Ёлка | cut -f1)"
check_same "новый and новая share a stem" "нов нов" "$("$words" новый новая | cut -f2 | tr '\n' ' ' | sed 's/ $//')"
check_same "й is one code point (decomposed input too)" "йогурт йогурт" \
	"$("$words" "Йогурт" "$(printf 'и\314\206огурт')" | cut -f1 | tr '\n' ' ' | sed 's/ $//')"
# the letters folded without utf8proc's tables: A-Z, a-z, 0-9, А-я but Й й
check_same "124 code points folded by vd_text_fold_simple, as utf8proc folds them" 124 \
	"$("$VASDOM_BIN/tests/unit/text-fold")"
check_same "a word of those letters and of others: one word, folded and composed" \
	"елкй café" "$("$words" "$(printf 'ЁлкИ\314\206 CAFE\314\201')" | cut -f1 | tr '\n' ' ' | sed 's/ $//')"
# 1,000 words, each stemmed twice in one process: the second time from
# the stem cache for the first 512 of them, the rest stemmed again
syl="ба во гу де жи зо ку лы ма ню"
many=$(for a in $syl; do for b in $syl; do for c in $syl; do printf '%s%s%sами ' $a $b $c; done; done; done)
"$words" "$many" "$many" >"$T/twice"
check_same "1,000 words' stems, remembered or not, the same the second time" \
	"$(sed -n 1,1000p "$T/twice")" "$(sed -n 1001,2000p "$T/twice")"
check_same "and stemmed: бабабаами -> бабаба" "бабабаами	бабаба" "$(sed -n 1p "$T/twice")"
vasdom-embed --text Ёлка елка >"$T/v" 2>"$T/err"
check_same "Ёлка and елка embed identically" 1 \
	"$(jq -s '.[0].embedding == .[1].embedding' "$T/v" | grep -c true)"
