# vasdom: small C utilities for a self-learning customer assistant.
# make            build the binaries
# make check      install missing packages, build and run the whole test suite
# make demo       install missing packages, build, load the default knowledge into a temporary database, ask
# make install    PREFIX=/usr/local DESTDIR=
# make asan       run the suite under AddressSanitizer+UBSan (build in build-asan/)
# make eval       quality figures on ../shared/datasets
# make bench      speed figures with the machine's details
# make fit        fit the confidence model (data/confidence.model) on ../shared/datasets
# make fuzz       libFuzzer targets (clang), each FUZZ_SECONDS on tests/fuzz/corpus
# make valgrind   a subset of the suite with every binary under valgrind memcheck

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/vasdom
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
LIBEXECDIR  ?= $(PREFIX)/libexec/vasdom

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -fopenmp-simd
CPPFLAGS += -Icommon -Icmd -DVD_VERSION='"$(VERSION)"' -DVD_DATADIR='"$(DATADIR)"'
LIBS     = -lsqlite3 -lcsv -lpcre2-8 -ldl -lstemmer -lutf8proc -ljansson -lm -pthread

# Out-of-tree builds (the sanitizer build) use O=dir.
O ?= .
BINS     = $(patsubst cmd/%.c,%,$(wildcard cmd/vasdom-*.c))
GENSRC   = common/rules_default.c common/confidence_default.c common/profile_default.c
LIBSRC   = $(filter-out $(GENSRC),$(wildcard common/*.c)) $(GENSRC)
LIBOBJ   = $(patsubst %.c,$(O)/%.o,$(LIBSRC))
CLIOBJ   = $(O)/cmd/cli.o
BINPATHS = $(addprefix $(O)/,$(BINS))
HEADERS  = $(wildcard common/*.h cmd/*.h)

# Small programs the tests call to check the library's logic directly.
TESTBINS = $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*.c))

all: $(BINPATHS) $(TESTBINS)

$(O)/common $(O)/cmd $(O)/tests/unit:
	mkdir -p $@

$(O)/%.o: %.c $(HEADERS) | $(O)/common $(O)/cmd
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

# The default rules file is built in, so an uninstalled binary still answers.
common/rules_default.c: data/intents.rules scripts/embed-text
	sh scripts/embed-text vd_rules_default < data/intents.rules > $@.tmp && mv $@.tmp $@

# So is the confidence model (scripts/fit-confidence writes data/confidence.model).
common/confidence_default.c: data/confidence.model scripts/embed-text
	sh scripts/embed-text vd_confidence_default < data/confidence.model > $@.tmp && mv $@.tmp $@

# So is the default profile: the company's texts stay in data/, not in C.
common/profile_default.c: data/profile scripts/embed-text
	sh scripts/embed-text vd_profile_default < data/profile > $@.tmp && mv $@.tmp $@

$(O)/libvasdom.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(O)/tests/unit/%: tests/unit/%.c $(O)/libvasdom.a $(HEADERS) | $(O)/tests/unit
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libvasdom.a $(LIBS)

$(O)/vasdom-%: $(O)/cmd/vasdom-%.o $(CLIOBJ) $(O)/libvasdom.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Only the server links the HTTP server library.
$(O)/vasdom-serve: LIBS += -lmicrohttpd

# A fresh machine: the Debian packages first, installed when some are
# missing (as root; else the exact command to run is printed), so that
# "make check" and "make demo" are all a newcomer types.
deps:
	@sh scripts/install-deps

check: deps
	$(MAKE) all
	VASDOM_BIN=$(abspath $(O)) prove -f tests/

asan:
	$(MAKE) O=build-asan CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined' check

# Fuzzing: the library built again with clang's fuzzer instrumentation and
# ASan+UBSan into build-fuzz/, one libFuzzer binary per tests/fuzz/fuzz_*.c.
# New inputs found go to build-fuzz/corpus/; the seeds in tests/ stay as they are.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS    = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
               -Wno-pass-failed
FUZZERS       = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz: fuzz-build
	@for f in $(FUZZERS); do \
		t=$${f#build-fuzz/}; mkdir -p build-fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		if [ -d tests/fuzz/regress/$$t ]; then \
			$$f tests/fuzz/regress/$$t/* >build-fuzz/$$t-regress.log 2>&1 || \
			{ cat build-fuzz/$$t-regress.log; echo "fuzz: $$t fails on a regression input"; exit 1; }; \
		fi; \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		    -print_final_stats=1 -artifact_prefix=build-fuzz/$$t- \
		    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz-build:
	$(MAKE) O=build-fuzz CC='$(FUZZ_CC)' CFLAGS='$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link' build-fuzz/libvasdom.a
	$(MAKE) $(FUZZERS)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libvasdom.a
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libvasdom.a $(LIBS)

# Valgrind: the suite but for the load (0600, 0810), crash and 100 MB tests (too slow
# under valgrind; ASan runs them), with every vasdom binary run under
# memcheck (tests/lib.sh puts wrapper scripts first on PATH). An error or a
# definite/indirect leak makes the binary exit 99; the reports stay in
# build-valgrind/. A process a test kills on purpose is not held to the
# leak check (what it was doing is lost, not leaked), only to the rest.
VALGRIND_TESTS ?= $(filter-out tests/0600-% tests/0610-% tests/0630-% tests/0810-%,$(wildcard tests/*.t))
VALGRIND = valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	--suppressions=$(abspath tests/valgrind.supp) --log-file=$(abspath build-valgrind)/%p.log

valgrind: all
	rm -rf build-valgrind && mkdir -p build-valgrind
	VASDOM_BIN=$(abspath $(O)) VASDOM_WRAP='$(VALGRIND)' prove -f $(VALGRIND_TESTS)
	@cd build-valgrind && \
	bad=$$( { grep -L -e 'ERROR SUMMARY: 0 errors' -e 'terminating with default action of signal' *.log; \
		grep -l -e 'Invalid ' -e 'uninitialised' -e 'Mismatched free' *.log; } | sort -u); \
	if [ -n "$$bad" ]; then cat $$bad; echo "valgrind: errors in $$bad"; exit 1; fi; \
	echo "valgrind: $$(ls | wc -l) processes, no errors, no leaks" \
		"($$(grep -l 'terminating with default action' *.log | wc -l) killed on purpose: not leak-checked)"

demo: deps
	$(MAKE) all
	sh scripts/demo

eval: all
	sh scripts/eval

bench: all
	sh scripts/bench

# The confidence model's weights (data/confidence.model) from the shared
# data sets; make eval cross-fits the same way, never reporting a figure
# from a model fitted on its question.
fit: all
	python3 scripts/fit-confidence

# Installed: the binaries; the man pages and the example crontab with the
# paths of this installation; bash completion (one file per binary, so that
# bash-completion loads it on demand) and zsh completion; the default rules
# and profile; the cron scripts in LIBEXECDIR.
MANPAGES    = $(wildcard man/*.[157])
CRONSCRIPTS = scripts/cron/nightly-embed scripts/cron/weekly-evaluate \
	scripts/cron/monthly-retrain scripts/cron/retention scripts/check-retraining
INSTALLED_PATHS = -e 's|/usr/local/share/vasdom|$(DATADIR)|g' \
	-e 's|/usr/local/libexec/vasdom|$(LIBEXECDIR)|g' -e 's|/usr/local/bin|$(BINDIR)|g'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINPATHS) $(DESTDIR)$(BINDIR)
	install -m 644 data/intents.rules data/profile data/knowledge.jsonl $(DESTDIR)$(DATADIR)
	for f in $(MANPAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; \
		sed $(INSTALLED_PATHS) $$f >$$d && chmod 644 $$d || exit 1; \
	done
	# "man vasdom" finds section 1 before 5 and 7: there, the loop page
	echo '.so man7/vasdom.7' >$(DESTDIR)$(MANDIR)/man1/vasdom.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/vasdom.1
	sed $(INSTALLED_PATHS) scripts/cron/crontab.example >$(DESTDIR)$(DATADIR)/crontab.example
	chmod 644 $(DESTDIR)$(DATADIR)/crontab.example
	install -m 755 $(CRONSCRIPTS) $(DESTDIR)$(LIBEXECDIR)
	install -m 644 completions/vasdom.bash $(DESTDIR)$(BASHCOMPDIR)/vasdom-ask
	for b in $(filter-out vasdom-ask,$(BINS)); do \
		ln -sf vasdom-ask $(DESTDIR)$(BASHCOMPDIR)/$$b || exit 1; done
	install -m 644 completions/_vasdom $(DESTDIR)$(ZSHCOMPDIR)/_vasdom

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(BINS)) $(DESTDIR)$(DATADIR)/intents.rules \
		$(DESTDIR)$(DATADIR)/profile \
		$(DESTDIR)$(DATADIR)/knowledge.jsonl \
		$(DESTDIR)$(DATADIR)/crontab.example \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(filter %.1,$(MANPAGES)))) \
		$(DESTDIR)$(MANDIR)/man1/vasdom.1 \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(filter %.5,$(MANPAGES)))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(filter %.7,$(MANPAGES)))) \
		$(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(notdir $(CRONSCRIPTS))) \
		$(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(BINS)) $(DESTDIR)$(ZSHCOMPDIR)/_vasdom
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf $(BINS) $(TESTBINS) common/*.o cmd/*.o libvasdom.a $(GENSRC) build-asan build-fuzz build-valgrind

.PHONY: all deps check asan fuzz fuzz-build valgrind demo eval bench fit install uninstall clean
.SECONDARY:
