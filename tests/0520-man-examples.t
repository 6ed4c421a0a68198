#!/bin/sh
# Every EXAMPLES block of every man page is a shell script that runs and
# succeeds against a small test database (bash -e -o pipefail, so a failure
# anywhere in a pipeline counts), each in a fresh folder with a fresh copy
# of the database. A block right after a line '.\" not run: REASON' is a
# TAP skip (those needing a network service); they must stay few.
. "$(dirname "$0")/lib.sh"

# the test database: a knowledge base with ratings of every kind,
# corrections, poorly rated answers that make preference pairs, two
# endorsed answers that contradict each other, and a few questions answered
# by the rules and the default
mkdir -p "$T/fixture" "$T/ex"
export VASDOM_DB=$T/fixture/test.db
cat >"$T/kb.jsonl" <<'EOF'
{"message":"Сколько стоит уборка подъезда?","response":"Стоимость уборки подъездов зависит от площади и этажности дома. Свяжитесь с нашими менеджерами для расчета индивидуального тарифа.","rating":5,"session_id":"s1"}
{"message":"Моете ли вы окна в подъездах?","response":"Нет, окна не моем.","rating":2,"session_id":"s1"}
{"message":"Как часто убирают подъезды?","response":"Рекомендуем уборку подъездов 2 раза в неделю. VasDom обслуживает 348 домов в Калуге с помощью 6 специализированных бригад.","rating":4,"session_id":"s2"}
{"message":"Когда приходит бригада?","response":"График уборки составляется индивидуально для каждого дома. У нас работают 6 бригад по разным районам Калуги.","rating":5,"session_id":"s2"}
{"message":"Сколько стоит помыть подъезд?","response":"Цена зависит от площади и этажности, менеджер рассчитает тариф.","rating":4,"session_id":"s3"}
{"message":"Можно ли заказать уборку после ремонта?","response":"Да, по отдельной заявке.","rating":5,"session_id":"s3"}
{"message":"Убираете ли вы дворы?","response":"Нет.","rating":1,"correction":"Дворы мы не убираем, только подъезды многоквартирных домов.","session_id":"s4"}
{"message":"Какие районы вы обслуживаете?","response":"Все районы Калуги.","rating":3,"session_id":"s4"}
{"message":"Как часто вы моете полы в подъезде?","response":"Полы моем два раза в неделю.","rating":5,"session_id":"s5"}
{"message":"Кто убирает подъезды в Жилетово?","response":"Бригада района Жилетово, 45 домов.","rating":4,"session_id":"s5"}
{"message":"Сколько стоит уборка подъезда в месяц?","response":"Не знаю.","rating":2,"session_id":"s6"}
{"message":"Звонить по телефону +7 910 123-45-67?","response":"Да, звоните менеджеру: manager@example.org.","rating":5,"session_id":"s6"}
{"message":"Работаете ли вы в выходные?","response":"Да, бригады выходят и в субботу.","rating":5,"session_id":"s7"}
{"message":"Работаете ли вы в выходные?","response":"Нет, только по будням.","rating":4,"session_id":"s7"}
EOF
vasdom-ask --record <"$T/kb.jsonl" >/dev/null &&
	vasdom-ask -s office-42 'Где ваш офис?' 'Сколько стоит уборка лестницы?' >/dev/null &&
	vasdom-embed -q >/dev/null
fixture=$?

# the examples: one script per .Bd -literal block under .Sh EXAMPLES, with
# mdoc's escapes undone (\e is a backslash, \& nothing); NAME.NN.skip holds
# the reason of a block not run
for p in "$top"/man/*.[157]; do
	page=${p##*/}
	awk -v dir="$T/ex" -v page="$page" '
		/^\.Sh / { ex = ($0 == ".Sh EXAMPLES"); inb = 0; next }
		!ex { next }
		inb && /^\.Ed/ { inb = 0; close(f); next }
		inb { print > f; next }
		/^\.Bd -literal/ {
			f = sprintf("%s/%s.%02d.sh", dir, page, ++k)
			printf "" > f
			if (why != "") { print why > (f ".skip"); close(f ".skip") }
			why = ""; inb = 1; next
		}
		/^\.\\" not run: / { why = substr($0, 14); next }
		{ why = "" }
	' "$p"
done
for f in "$T"/ex/*.sh; do
	perl -i -pe 's/\\(e|&|-|\(aq|\(dq)/$1 eq "e" ? "\\" : $1 eq "&" ? "" : $1 eq "-" ? "-" : $1 eq "(aq" ? "\x27" : "\x22"/ge' "$f"
done
count=$(ls "$T"/ex/*.sh | wc -l)
plan $((count + 5))

check_same "the test database is made" 0 "$fixture"
check "at least 25 examples" test "$count" -ge 25
skipped=$(ls "$T"/ex/*.skip 2>/dev/null | wc -l)
check "few examples not run ($skipped): at most one a page" \
	test -z "$(ls "$T"/ex/*.skip 2>/dev/null | sed 's/\.[0-9]*\.sh\.skip$//' | sort | uniq -d)"
check "every example not run says it needs a service" \
	sh -c "! grep -L 'needs .*service' '$T'/ex/*.skip 2>/dev/null | grep -q ."
bad=
for b in ask rate embed similar stats export review serve; do
	ls "$T"/ex/vasdom-$b.1.*.sh >/dev/null 2>&1 || bad="$bad vasdom-$b.1"
	for f in "$T"/ex/vasdom-$b.1.*.sh; do
		[ -e "$f.skip" ] || grep -q "vasdom-$b" "$f" || bad="$bad ${f##*/}"
	done
done
check_same "every page has runnable examples of its own tool" "" "$bad"

for f in "$T"/ex/*.sh; do
	name=${f##*/}
	if [ -e "$f.skip" ]; then
		skip "$name: $(cat "$f.skip")"
		continue
	fi
	d=$T/run/$name
	mkdir -p "$d"
	cp "$T/fixture/test.db" "$d/test.db"
	(cd "$d" && VASDOM_DB=$d/test.db bash -e -o pipefail "$f" >"$d/out" 2>"$d/err" </dev/null)
	st=$?
	if [ $st -eq 0 ]; then ok "$name runs"
	else
		not_ok "$name runs (exit $st)"
		sed 's/^/#   | /' "$f"
		tail -5 "$d/err" | sed 's/^/# err: /'
	fi
done
done_testing
