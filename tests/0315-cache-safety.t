#!/bin/sh
# The search cache file beside the database is not trusted blindly: a body
# damaged after its header, a FIFO or a link in its place are rebuilt
# over (no hang, no wrong hits, no write through the link), and its
# temporary file is created exclusively, so a link planted at a
# predictable name is never written through.
. "$(dirname "$0")/lib.sh"
plan 11

vasdom-ask --record </dev/null >/dev/null   # the schema
"$top/scripts/gen-exchanges" "$VASDOM_DB" 2000
vasdom-embed -q >/dev/null
printf '%s\n' '{"message":"уборка подъезд график"}' '{"log_id":5}' >"$T/q"
search() { timeout 60 vasdom-similar -n 5 <"$T/q"; }
search >"$T/want"
cache=$(echo "$VASDOM_DB".vec-*)
check "a cache file was made" test -f "$cache"
check_same "10 hits to compare with" 10 "$(wc -l <"$T/want" | tr -d ' ')"

# --- a damaged body: detected, rebuilt -------------------------------------
size=$(stat -c %s "$cache")
head -c $((size - 192)) /dev/urandom | dd of="$cache" bs=192 seek=1 conv=notrunc 2>/dev/null
cp "$cache" "$T/damaged"
search >"$T/got" 2>"$T/err"
check_same "damaged cache: the hits of a sound one" "$(cat "$T/want")" "$(cat "$T/got")"
check "...and the file was built again" sh -c "! cmp -s '$cache' '$T/damaged'"

# --- a FIFO in its place: no hang ---------------------------------------------
rm -f "$cache"
mkfifo "$cache"
search >"$T/got" 2>"$T/err"
check_same "FIFO as cache: exit 0, the right hits" "0 $(cat "$T/want")" "$? $(cat "$T/got")"
check "...replaced by a regular file" test -f "$cache" -a ! -p "$cache"

# --- a link in its place: not followed, the file it names untouched ----------
echo VICTIM >"$T/victim"
rm -f "$cache"
ln -s "$T/victim" "$cache"
search >"$T/got" 2>"$T/err"
check_same "link as cache: the right hits" "$(cat "$T/want")" "$(cat "$T/got")"
check_same "...the file it named untouched" VICTIM "$(cat "$T/victim")"

# --- a link at the temporary's old, predictable name (cache path.PID.tmp) ---
rm -f "$cache"
sh -c 'ln -s "$1" "$2.$$.tmp"; exec vasdom-similar -n 5 <"$3"' sh "$T/victim" "$cache" "$T/q" >"$T/got" 2>"$T/err"
check_same "link planted at CACHE.PID.tmp: the right hits" "$(cat "$T/want")" "$(cat "$T/got")"
check_same "...the file it named untouched" VICTIM "$(cat "$T/victim")"
check "...the cache is a regular file of its own" test -f "$cache" -a ! -L "$cache"

done_testing
