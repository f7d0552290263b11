# cutover: build, test, demo, benchmark and install.
# Everything is driven by pkg-config; `make check SANITIZE=1` builds a separate
# tree under AddressSanitizer and UndefinedBehaviorSanitizer.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/cutover
MANDIR    = $(PREFIX)/share/man/man1

CC       ?= cc
PKGS      = ldns libunbound libevent yaml-0.1 jansson libxml-2.0 opendkim libpsl libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libspf2 ships no pkg-config file.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lspf2
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
PKG_OK     := $(shell pkg-config --exists $(PKGS) && echo yes)

# check, demo and bench install what is missing first, then build in a
# sub-make; any other build needs the libraries already.
ifneq ($(PKG_OK),yes)
ifneq ($(filter-out deps check demo bench clean,$(or $(MAKECMDGOALS),all)),)
$(error missing libraries ($(PKGS)): run 'make deps' first (as root, or it prints the apt-get command))
endif
endif

CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -DCUTOVER_VERSION='"$(VERSION)"' -DCUTOVER_DATADIR='"$(DATADIR)"' -Isrc -Ichecks
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(PKG_CFLAGS)

ifeq ($(SANITIZE),1)
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

.PHONY: FORCE all deps check unit integration demo bench mutate install uninstall clean format

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

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) $(CMOCKA_LIBS)

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
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(MANDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/cutover
	install -m 644 rules/*.yml $(DESTDIR)$(DATADIR)/rules/
	sed "s|@DATADIR@|$(DATADIR)|g" doc/cutover.1 > $(DESTDIR)$(MANDIR)/cutover.1
	chmod 644 $(DESTDIR)$(MANDIR)/cutover.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cutover $(DESTDIR)$(MANDIR)/cutover.1
	rm -rf $(DESTDIR)$(DATADIR)

format:
	clang-format -i src/*.c src/*.h checks/*.c checks/*.h tests/unit/*.c

clean:
	rm -rf build build-san cutover

FORCE:
