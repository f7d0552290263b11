# cutover: build, test, demo, benchmark and install.
# Everything is driven by pkg-config; `make check SANITIZE=1` builds a separate
# tree under AddressSanitizer and UndefinedBehaviorSanitizer.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/cutover
MANDIR    = $(PREFIX)/share/man/man1
# cutover-textfile, which the systemd units run (not a command for people)
LIBEXECDIR = $(PREFIX)/lib/cutover
# Where systemd looks for units: /lib/systemd/system for Debian's /usr (its
# systemd.pc says so), else under PREFIX (/usr/local/lib/systemd/system).
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

CC       ?= cc
PKGS      = ldns libunbound libevent yaml-0.1 jansson libxml-2.0 opendkim libpsl libcrypto libidn2 libcurl sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libspf2 ships no pkg-config file.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lspf2
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
PKG_OK     := $(shell pkg-config --exists $(PKGS) && echo yes)

# check, demo and bench install what is missing first, then build in a
# sub-make; any other build needs the libraries already.
ifneq ($(PKG_OK),yes)
ifneq ($(filter-out deps check check-alloc demo bench clean,$(or $(MAKECMDGOALS),all)),)
$(error missing libraries ($(PKGS)): run 'make deps' first (as root, or it prints the apt-get command))
endif
endif

CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -DCUTOVER_VERSION='"$(VERSION)"' -DCUTOVER_DATADIR='"$(DATADIR)"' -Isrc -Ichecks
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(PKG_CFLAGS)

ifeq ($(ALLOC),1)
# `make check-alloc`: AddressSanitizer (LeakSanitizer) and UBSan, and the
# allocation counter of src/util.c that fails the Nth allocation.
BUILD     = build-alloc
CPPFLAGS += -DCUTOVER_ALLOC_TORTURE
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else ifeq ($(SANITIZE),1)
BUILD     = build-san
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
export ASAN_OPTIONS = detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
else
BUILD     = build
endif

LIB_SRC   = $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard checks/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ  = $(BUILD)/src/main.o
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BIN       = $(BUILD)/cutover
DNSBENCH  = $(BUILD)/dnsbench

# Fuzzing (tests/fuzz/, README.md "Fuzzing"): libFuzzer harnesses built by
# clang into build-fuzz/, the library under ASan and UBSan with libFuzzer's
# coverage; clang's -Wshadow also flags parameters named like getopt's
# global optarg, which gcc's does not, hence -Wno-shadow there.
FUZZ_CC     = clang
FUZZ_BUILD  = build-fuzz
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 $(WARN) -Wno-shadow -O1 -g $(FUZZ_SAN) $(PKG_CFLAGS)
FUZZ_OBJ    = $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(FUZZ_BUILD)/tests/fuzz/fuzz.o
FUZZ_NAMES  = $(filter-out fuzz,$(basename $(notdir $(wildcard tests/fuzz/*.c))))
FUZZ_BIN    = $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz-%)
FUZZ_TIME  ?= 60

.PHONY: FORCE all deps check check-alloc unit integration demo bench mutate install uninstall clean format fuzz fuzz-smoke \
	fuzz-merge

all: $(BIN) $(DNSBENCH) cutover

# ./cutover is the normal build; SANITIZE=1 builds leave it alone.
cutover: $(BIN)
	@if [ "$(BUILD)" = build ]; then ln -sf $(BIN) cutover; fi

$(BIN): $(LIB_OBJ) $(MAIN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Rebuild everything when the flags change (PREFIX is compiled in).
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS)' > $@

$(BUILD)/%.o: %.c $(wildcard src/*.h checks/*.h) $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(DNSBENCH): bench/dnsbench.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS)

# The state database under a month of sweeps (bench/README.md): not part of all.
$(BUILD)/storebench: bench/storebench.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) $(CMOCKA_LIBS)

$(FUZZ_BUILD)/flags: FORCE
	@mkdir -p $(FUZZ_BUILD)
	@echo '$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS)' | cmp -s - $@ || echo '$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS)' > $@

$(FUZZ_BUILD)/%.o: %.c $(wildcard src/*.h checks/*.h tests/fuzz/*.h) $(FUZZ_BUILD)/flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz-%: $(FUZZ_BUILD)/tests/fuzz/%.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzz: $(FUZZ_BIN)

# Each harness for FUZZ_TIME seconds on its corpus; fails on a crash, a
# leak, a timeout or running out of memory (tests/fuzz/run.sh).
fuzz-smoke: fuzz
	FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh smoke $(FUZZ_NAMES)

# What the last fuzz-smoke found, merged into the committed corpora.
fuzz-merge: fuzz
	sh tests/fuzz/run.sh merge $(FUZZ_NAMES)

deps:
	@sh tools/deps.sh

check: deps
	$(MAKE) all unit-bins
	$(MAKE) unit integration

unit-bins: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done

integration: $(BIN)
	CUTOVER=$(CURDIR)/$(BIN) DNSBENCH=$(CURDIR)/$(DNSBENCH) sh tests/run-integration.sh

# Fail each of cutover's allocations in turn on a small audit of the test
# world (tests/integration/alloc-torture.sh says what is failed and what is judged).
check-alloc: deps
	$(MAKE) ALLOC=1 build-alloc/cutover
	CUTOVER=$(CURDIR)/build-alloc/cutover sh tests/run-integration.sh tests/integration/alloc-torture.sh

demo: deps
	$(MAKE) all
	CUTOVER=$(CURDIR)/$(BIN) sh tests/demo.sh

bench: deps
	$(MAKE) all
	CUTOVER=$(CURDIR)/$(BIN) sh bench/run.sh

# Mutation testing (tests/mutate.pl; README, Tests): hours, so not part of
# check or CI. MUTATE_LIMIT, MUTATE_SEED, MUTATE_FILES... are read from the
# environment.
mutate: deps
	perl tests/mutate.pl

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/plans $(DESTDIR)$(MANDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/cutover
	install -m 644 rules/*.yml rules/*.txt $(DESTDIR)$(DATADIR)/rules/
	install -m 644 contrib/plans/*.yml $(DESTDIR)$(DATADIR)/plans/
	sed "s|@DATADIR@|$(DATADIR)|g" doc/cutover.1 > $(DESTDIR)$(MANDIR)/cutover.1
	chmod 644 $(DESTDIR)$(MANDIR)/cutover.1
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 755 contrib/systemd/cutover-textfile $(DESTDIR)$(LIBEXECDIR)/cutover-textfile
	for u in contrib/systemd/*.service contrib/systemd/*.timer; do \
		sed -e "s|@BINDIR@|$(BINDIR)|g" -e "s|@LIBEXECDIR@|$(LIBEXECDIR)|g" $$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/} || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cutover $(DESTDIR)$(MANDIR)/cutover.1
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/cutover-check@.service $(DESTDIR)$(SYSTEMDUNITDIR)/cutover-check@.timer \
		$(DESTDIR)$(SYSTEMDUNITDIR)/cutover-propagation@.service
	rm -rf $(DESTDIR)$(LIBEXECDIR)
	rm -rf $(DESTDIR)$(DATADIR)

format:
	clang-format -i src/*.c src/*.h checks/*.c checks/*.h tests/unit/*.c

clean:
	rm -rf build build-san build-alloc build-fuzz cutover

FORCE:
