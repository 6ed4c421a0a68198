# Sourced by every tests/NNNN-area.t: TAP output, a private temporary
# database and home, the binaries under test first on PATH.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${VASDOM_BIN:=$top}"
PATH=$VASDOM_BIN:$PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/vasdom-test.XXXXXX")
export HOME=$T XDG_DATA_HOME=$T/data VASDOM_DB=$T/test.db VASDOM_RULES=$top/data/intents.rules \
	VASDOM_PROFILE=$top/data/profile
unset VASDOM_LLM_URL VASDOM_LLM_KEY OPENAI_API_KEY VASDOM_EMBED_URL VASDOM_EMBED_KEY \
	VASDOM_EMBED_MODEL VASDOM_MIN_RATING MIN_RATING_THRESHOLD VASDOM_MIN_SIMILARITY
# VASDOM_WRAP, e.g. "valgrind -q --leak-check=full --error-exitcode=99": every
# vasdom binary runs under it, through wrapper scripts put first on PATH
if [ -n "${VASDOM_WRAP:-}" ]; then
	mkdir -p "$T/wrap"
	for b in "$VASDOM_BIN"/vasdom-*; do
		[ -f "$b" ] && [ -x "$b" ] || continue
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$VASDOM_WRAP" "$b" >"$T/wrap/${b##*/}"
		chmod +x "$T/wrap/${b##*/}"
	done
	PATH=$T/wrap:$PATH
fi
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
n=0 failed=0
plan() { echo "1..$1"; }
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# check DESC CMD...: passes when CMD exits 0
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# check_same DESC EXPECTED ACTUAL
check_same() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf '# expected: %s\n#      got: %s\n' "$2" "$3"; fi
}
# check_fails DESC STATUS CMD...: CMD must exit with STATUS; a crash never counts
check_fails() {
	d=$1 want=$2; shift 2
	"$@"; st=$?
	if [ "$st" -eq "$want" ] && [ "$st" -lt 128 ]; then ok "$d"; else not_ok "$d (exit $st, want $want)"; fi
}
# fake_server MODE [ARGS]: start the fake OpenAI-compatible service on
# 127.0.0.1; sets $fake_url (base, ending in /v1) and $fake_log (requests)
fake_server() {
	fake_log=$T/fake-$1.log fake_n=$((${fake_n:-0} + 1))
	python3 "$top/tests/fake-openai.py" --mode "$@" --log "$fake_log" --port-file "$T/port.$fake_n" \
		2>>"$T/fake-$1.err" &
	pids="$pids $!"
	# a loaded machine (make check beside other builds) can take seconds
	i=0; while [ ! -s "$T/port.$fake_n" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	fake_url=http://127.0.0.1:$(cat "$T/port.$fake_n")/v1
}
# rated_scenario: the old service's seven questions asked in session
# "scenario" and rated 5, 4, 5, 3, 4, 5, 4 (their log ids in $T/ids)
rated_scenario() {
	printf '%s\n' "Как часто нужно убираться в офисе?" \
		"Какие средства лучше использовать для уборки подъездов?" \
		"Сколько времени занимает уборка одного подъезда?" \
		"Как организовать работу бригады по уборке?" \
		"Какие проблемы чаще всего возникают при уборке подъездов?" \
		"Как часто проводить генеральную уборку в офисных помещениях?" \
		"Какое оборудование нужно для качественной уборки подъездов?" |
		vasdom-ask -s scenario | jq -r .log_id >"$T/ids"
	printf '5\n4\n5\n3\n4\n5\n4\n' | paste -d' ' "$T/ids" - | vasdom-rate >/dev/null
}
# serve [ARGS]: start vasdom-serve on a port the system picks; sets $url,
# $srv (its pid) and $log (its standard error, a new file each time);
# up to 60 s for it to listen (under valgrind, four workers load slowly)
serve() {
	serve_n=$((${serve_n:-0} + 1)) log=$T/serve$serve_n.err
	: >"$log"       # there before the background job's redirection makes it
	vasdom-serve -l 127.0.0.1:0 "$@" 2>"$log" &
	srv=$!
	pids="$pids $srv"
	i=0; while ! grep -q 'listening on' "$log" && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
	url=http://$(sed -n 's/.*listening on //p' "$log")
}
# a port nothing listens on
closed_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
jqe() { jq -e "$@" >/dev/null; }
# options_of BIN: the options BIN takes, sorted, one a line: those its -h
# lists (-f and --format of "  -f, --format format"; -h is built from the
# tool's option table, as getopt_long's arguments are) and -h, --help and
# --version, which every binary takes and -h does not list
options_of() {
	{ "$1" -h | sed -n 's/^  \(-[-a-zA-Z]*\)\(, \(--[-a-z]*\)\)\{0,1\}.*/\1 \3/p' | tr ' ' '\n'
		printf '%s\n' -h --help --version; } | grep . | sort -u
}
# capped KB CMD...: run CMD with its address space limited to KB kilobytes
capped() { (k=$1; shift; ulimit -v "$k" && exec "$@"); }
# can_cap KB: do the binaries run at all under that cap? Not under ASan or
# valgrind, which reserve terabytes of address space: those checks skip.
can_cap() { capped "$1" vasdom-ask --version >/dev/null 2>&1; }
skip() { n=$((n + 1)); echo "ok $n # skip $1"; }
done_testing() { [ "$failed" -eq 0 ]; exit $?; }
