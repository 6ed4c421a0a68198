#!/bin/sh
# make install into a temporary DESTDIR with PREFIX=/usr: every file where
# it belongs, the binaries run from there and answer offline with the
# installed rules, man finds and renders the pages, the completions load,
# the cron scripts run; make uninstall removes all of it. The binaries under
# test are installed as they are (make -o all O=$VASDOM_BIN): nothing is
# rebuilt.
. "$(dirname "$0")/lib.sh"
plan 26
unset MAKEFLAGS MAKELEVEL MFLAGS
D=$T/dest
bins="ask rate embed similar stats export review serve log"
make -s -C "$top" -o all O="$VASDOM_BIN" PREFIX=/usr DESTDIR="$D" install >"$T/make.out" 2>&1
check_same "make install PREFIX=/usr DESTDIR=... succeeds" 0 $?
sed 's/^/# /' "$T/make.out"

want="usr/bin/vasdom-ask usr/bin/vasdom-embed usr/bin/vasdom-export usr/bin/vasdom-rate
usr/bin/vasdom-review usr/bin/vasdom-serve usr/bin/vasdom-similar usr/bin/vasdom-stats usr/bin/vasdom-log
usr/libexec/vasdom/check-retraining usr/libexec/vasdom/monthly-retrain
usr/libexec/vasdom/nightly-embed usr/libexec/vasdom/weekly-evaluate usr/libexec/vasdom/retention
usr/share/bash-completion/completions/vasdom-ask usr/share/bash-completion/completions/vasdom-embed
usr/share/bash-completion/completions/vasdom-export usr/share/bash-completion/completions/vasdom-rate
usr/share/bash-completion/completions/vasdom-review usr/share/bash-completion/completions/vasdom-serve
usr/share/bash-completion/completions/vasdom-similar usr/share/bash-completion/completions/vasdom-stats
usr/share/bash-completion/completions/vasdom-log usr/share/man/man1/vasdom-log.1
usr/share/man/man1/vasdom.1 usr/share/man/man1/vasdom-ask.1 usr/share/man/man1/vasdom-embed.1 usr/share/man/man1/vasdom-export.1
usr/share/man/man1/vasdom-rate.1 usr/share/man/man1/vasdom-review.1 usr/share/man/man1/vasdom-serve.1 usr/share/man/man1/vasdom-similar.1 usr/share/man/man1/vasdom-stats.1
usr/share/man/man5/vasdom.5 usr/share/man/man7/vasdom.7
usr/share/vasdom/crontab.example usr/share/vasdom/intents.rules usr/share/vasdom/knowledge.jsonl
usr/share/vasdom/profile
usr/share/zsh/site-functions/_vasdom"
got=$(cd "$D" && find . -type f -o -type l | sed 's|^\./||' | sort)
check_same "the files installed" "$(printf '%s\n' $want | sort)" "$got"
check "binaries and cron scripts executable, the rest not" sh -c "
	cd '$D' && for f in usr/bin/* usr/libexec/vasdom/*; do test -x \"\$f\" || exit 1; done &&
	test -z \"\$(find usr/share -type f -perm /111)\""

# the installed binaries run from there
B=$D/usr/bin
check_same "installed vasdom-ask -h" 0 "$("$B/vasdom-ask" -h >/dev/null; echo $?)"
check_same "installed vasdom-ask --version" "vasdom-ask $(vasdom-ask --version | cut -d' ' -f2)" "$("$B/vasdom-ask" --version)"
check "the installed rules file is the default one" cmp -s "$D/usr/share/vasdom/intents.rules" "$top/data/intents.rules"
unset VASDOM_RULES VASDOM_PROFILE
export VASDOM_DB=$T/inst.db
check_same "installed vasdom-ask answers offline with the installed rules" intent:price \
	"$(PATH=$B:/usr/bin:/bin "$B/vasdom-ask" --rules "$D/usr/share/vasdom/intents.rules" 'Сколько стоит уборка?' | jq -r .model_used)"
id=$(PATH=$B:/usr/bin:/bin "$B/vasdom-ask" 'Когда уборка?' | jq .log_id)
check_same "...and the installed vasdom-rate rates it" true "$("$B/vasdom-rate" "$id" 5 | jq .success)"
check "...and the other installed binaries run" sh -c "'$B/vasdom-embed' -q >/dev/null && '$B/vasdom-similar' '$id' >/dev/null &&
	'$B/vasdom-stats' >/dev/null && '$B/vasdom-export' --dry-run >/dev/null"
# without --rules the installed binary reads the rules installed beside it
# (BINDIR/../share/vasdom), whatever PREFIX it was compiled for
cp "$D/usr/share/vasdom/intents.rules" "$T/rules.saved"
printf 'intent probe\nmatch зонд\nanswer Ответ из установленного файла правил.\n' >>"$D/usr/share/vasdom/intents.rules"
check_same "the installed vasdom-ask reads the installed rules file" "Ответ из установленного файла правил." \
	"$(PATH=$B:/usr/bin:/bin "$B/vasdom-ask" -r 'Что такое зонд?')"
cp "$T/rules.saved" "$D/usr/share/vasdom/intents.rules"
# and the profile installed beside it
check "the installed profile is the default one" cmp -s "$D/usr/share/vasdom/profile" "$top/data/profile"
sed 's/^default: .*/default: Установленный профиль: {question}/' "$top/data/profile" >"$D/usr/share/vasdom/profile"
check_same "the installed vasdom-ask reads the installed profile" "Установленный профиль: Что такое зонд?" \
	"$(PATH=$B:/usr/bin:/bin "$B/vasdom-ask" -r 'Что такое зонд?')"
check "...and vasdom-stats --health names it" sh -c "'$B/vasdom-stats' --health | jq -e '.profile == \"$D/usr/share/vasdom/profile\"' >/dev/null"
cp "$top/data/profile" "$D/usr/share/vasdom/profile"

# man pages: found by man through MANPATH, rendered, paths of this installation
if command -v man >/dev/null 2>&1; then
	check_same "MANPATH=\$DESTDIR/usr/share/man man -w vasdom-ask" "$D/usr/share/man/man1/vasdom-ask.1" \
		"$(MANPATH=$D/usr/share/man man -w vasdom-ask 2>&1)"
	check "man -w finds vasdom(5) and vasdom(7)" sh -c "
		test \"\$(MANPATH='$D/usr/share/man' man -w 5 vasdom)\" = '$D/usr/share/man/man5/vasdom.5' &&
		test \"\$(MANPATH='$D/usr/share/man' man -w 7 vasdom)\" = '$D/usr/share/man/man7/vasdom.7'"
	check "man vasdom opens the loop page, vasdom(7)" sh -c "MANPATH='$D/usr/share/man' MANPAGER=cat MANWIDTH=80 man vasdom 2>/dev/null | grep -q 'a self-learning customer assistant as small Unix tools'"
	check "man renders vasdom-ask(1)" sh -c "MANPATH='$D/usr/share/man' MANPAGER=cat MANWIDTH=80 man vasdom-ask 2>/dev/null | grep -q 'answer questions and log every exchange'"
else
	skip "man is not installed"; skip "man is not installed"; skip "man is not installed"
	skip "man is not installed"
fi
check "mandoc renders the installed vasdom-ask.1" sh -c "mandoc -Tascii '$D/usr/share/man/man1/vasdom-ask.1' | grep -q 'VASDOM-ASK(1)'"
check "installed pages name the installed rules file" grep -q '^\.It Pa /usr/share/vasdom/intents.rules$' "$D/usr/share/man/man1/vasdom-ask.1"
check "the installed crontab calls the installed scripts" sh -c "
	grep -q '/usr/libexec/vasdom/nightly-embed\$' '$D/usr/share/vasdom/crontab.example' &&
	! grep -q /usr/local '$D/usr/share/vasdom/crontab.example'"

# completions load from there
check_same "installed bash completion registers every binary" "complete -F _vasdom vasdom-stats" \
	"$(bash --norc --noprofile -c '. "$0" && complete -p vasdom-stats' "$D/usr/share/bash-completion/completions/vasdom-stats")"
if command -v zsh >/dev/null 2>&1; then
	check "installed zsh completion parses" zsh -n "$D/usr/share/zsh/site-functions/_vasdom"
else
	skip "zsh is not installed"
fi

# the installed cron scripts run (check-retraining found beside them)
check_same "installed nightly-embed: quiet, exit 0" ":0" \
	"$(PATH=$B:/usr/bin:/bin "$D/usr/libexec/vasdom/nightly-embed" 2>&1):$?"
check_same "installed monthly-retrain: quiet, exit 0" ":0" \
	"$(PATH=$B:/usr/bin:/bin "$D/usr/libexec/vasdom/monthly-retrain" 2>&1):$?"

make -s -C "$top" -o all O="$VASDOM_BIN" PREFIX=/usr DESTDIR="$D" uninstall >"$T/make.out" 2>&1
check_same "make uninstall succeeds" 0 $?
check_same "...and removes every file" "" "$(cd "$D" && find . -type f -o -type l)"
done_testing
