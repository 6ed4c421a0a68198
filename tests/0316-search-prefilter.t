#!/bin/sh
# The search's 4-bit prefilter and its kernels: the portable and the AVX2
# dot products equal plain arithmetic, the prefilter finds the exact scan's
# hits, the int8 scan of every code (VASDOM_INDEX_CANDIDATES=0) and the
# portable kernel (VASDOM_INDEX_PORTABLE=1) print the same as the default,
# 30 hits are exact from k + 16 exact vectors, which the search hands
# back with the hits,
# a stale cache's delta is prefiltered alike, and a damaged int8 code in
# the cache file (outside its load-time checksum) is caught when read.
. "$(dirname "$0")/lib.sh"
plan 21
kernels=$VASDOM_BIN/tests/unit/index-kernels

"$kernels" >"$T/k"
val() { sed -n "s/^$1	//p" "$T/k"; }
check_same "dot products: portable and AVX2 kernels equal plain arithmetic (AVX2 here: $(val avx2))" 0 "$(val dot)"
check_same "4-bit code checks: AVX2 equals portable, a split run adds up, one bit changed is seen" 0 "$(val sum4)"
check_same "prefilter (256 candidates): the exact scan's 10 hits for 40 queries of 30,000" 0 "$(val search-prefilter)"
check "...a prefilter of 40 candidates misses some (the comparison can tell)" test "$(val search-prefilter-small)" -gt 0
check_same "the int8 scan of every code: the exact hits" 0 "$(val search-int8)"
check_same "the portable kernel: the exact hits" 0 "$(val search-portable)"
check_same "30 hits (vasdom-ask's neighbours): the exact scan's for 40 queries" 0 "$(val search-k30)"
check_same "...from 46 exact vectors a query (k + 16), not 120 (4k)" 46 "$(val rescored-k30)"
check_same "the exact vectors handed back with the hits (vasdom-ask's crowding): each hit's own" 0 "$(val search-vectors)"
check_same "5 hits (vasdom-similar's default): 32 exact vectors, as before" 32 "$(val rescored-k5)"

vasdom-ask --record </dev/null >/dev/null   # the schema
"$top/scripts/gen-exchanges" "$VASDOM_DB" 3000
vasdom-embed -q >/dev/null
seq 1 97 3000 | sed 's/.*/{"log_id":&}/' >"$T/q"
echo '{"message":"уборка подъезд график"}' >>"$T/q"
vasdom-similar -n 10 <"$T/q" >"$T/want"
check_same "32 queries, 10 hits each" 320 "$(wc -l <"$T/want" | tr -d ' ')"
VASDOM_INDEX_CANDIDATES=0 vasdom-similar -n 10 <"$T/q" >"$T/got"
check_same "VASDOM_INDEX_CANDIDATES=0 (every int8 code): the same hits" "$(cat "$T/want")" "$(cat "$T/got")"
VASDOM_INDEX_PORTABLE=1 vasdom-similar -n 10 <"$T/q" >"$T/got"
check_same "VASDOM_INDEX_PORTABLE=1: the same hits" "$(cat "$T/want")" "$(cat "$T/got")"
check_fails "VASDOM_INDEX_PORTABLE=2 is refused (a setting error, exit 3)" 3 sh -c 'VASDOM_INDEX_PORTABLE=2 vasdom-similar -n 1 1 2>/dev/null'

# a changed vector read into the delta beside the file: prefiltered too
cache=$(echo "$VASDOM_DB".vec-*)
cp "$cache" "$T/before"
sqlite3 "$VASDOM_DB" "UPDATE embeddings SET vector = (SELECT vector FROM embeddings WHERE log_id = 1) WHERE log_id = 2000"
vasdom-similar -n 10 1 >"$T/delta"
check "...the stale file was kept (the delta read beside it)" cmp -s "$cache" "$T/before"
check "...and the changed exchange found first, at score 1" \
	sh -c "head -n 1 '$T/delta' | jq -e '.log_id == 2000 and .score > 0.9999' >/dev/null"
VASDOM_INDEX_DELTA_MAX=0 vasdom-similar -n 10 1 >"$T/rebuilt"
check_same "...what the rebuilt file finds" "$(cat "$T/rebuilt")" "$(cat "$T/delta")"

# the int8 codes are the file's last 3000 * 512 bytes: damage them alone
vasdom-similar -n 10 <"$T/q" >"$T/want"
size=$(stat -c %s "$cache")
head -c $((3000 * 512)) /dev/urandom | dd of="$cache" bs=64 seek=$(((size - 3000 * 512) / 64)) conv=notrunc 2>/dev/null
vasdom-similar -n 10 <"$T/q" >"$T/got"
check_same "damaged int8 codes: the hits of a sound file" "$(cat "$T/want")" "$(cat "$T/got")"
check "...and the file removed, for the next search to build again" test ! -e "$cache"

# the 4-bit codes are checked by the scan that reads them: damage them alone
vasdom-similar -n 10 <"$T/q" >/dev/null
off4=$((size - 3000 * 512 - 3000 * 256))
printf '\377\377\377\377' | dd of="$cache" bs=1 seek=$((off4 + 1000 * 256 + 7)) conv=notrunc 2>/dev/null
cp "$cache" "$T/damaged4"
vasdom-similar -n 10 <"$T/q" >"$T/got"
check_same "damaged 4-bit codes: the hits of a sound file" "$(cat "$T/want")" "$(cat "$T/got")"
check "...and the file built again" sh -c "test -f '$cache' && ! cmp -s '$cache' '$T/damaged4'"
done_testing
