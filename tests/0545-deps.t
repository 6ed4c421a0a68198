#!/bin/sh
# Two commands set a fresh machine up: make check and make demo install the
# missing Debian packages first (scripts/install-deps, as root), or print
# the exact command to run. dpkg-query and apt-get are fakes here that
# report zsh missing and log what they are asked: nothing is installed.
. "$(dirname "$0")/lib.sh"
plan 8
unset MAKEFLAGS MAKELEVEL MFLAGS

mkdir "$T/fake"
cat >"$T/fake/dpkg-query" <<'FAKE'
#!/bin/sh
for last; do :; done
[ "$last" = zsh ] && exit 1
printf 'install ok installed'
FAKE
cat >"$T/fake/apt-get" <<FAKE
#!/bin/sh
echo "apt-get \$*" >>"$T/apt.log"
FAKE
chmod 755 "$T/fake"/*

PATH=$T/fake:$PATH make -s -C "$top" deps >"$T/out" 2>&1
check_same "as root, a package missing: make deps runs install-deps, exit 0" 0 $?
check_same "...which installs just that package" "apt-get update
apt-get install -y --no-install-recommends zsh" "$(cat "$T/apt.log" 2>&1)"
check "...and says so" grep -q 'install-deps: installing: zsh' "$T/out"

chmod 755 "$T"
rm -f "$T/apt.log"
setpriv --reuid=nobody --regid=nogroup --clear-groups env PATH="$T/fake:$PATH" \
	make -s -C "$top" deps >"$T/out" 2>&1
check "not root: make deps fails" test $? -ne 0
check "...printing the exact command" grep -qF 'apt-get update && apt-get install -y --no-install-recommends zsh' "$T/out"
check_same "...and installs nothing" "" "$(cat "$T/apt.log" 2>/dev/null)"

check "make check runs install-deps before the tests" \
	sh -c "make -n -C '$top' check 2>/dev/null | awk '/install-deps/ { d = NR } /prove/ { p = NR } END { exit !(d && p && d < p) }'"
check "make demo runs install-deps before the demo" \
	sh -c "make -n -C '$top' demo 2>/dev/null | awk '/install-deps/ { d = NR } /scripts\\/demo/ { p = NR } END { exit !(d && p && d < p) }'"

done_testing
