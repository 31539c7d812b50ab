# growth: memory-growth profiler. `make help` lists the targets.
# Outputs go to build/. V=1 shows the commands; SANITIZE=address,undefined builds the analyzer
# and the unit tests with sanitizers (libgrowth.so never gets ASan: it would interpose malloc
# under ASan's own interposer).

CC      ?= cc
CXX     ?= c++
GO      ?= go
PREFIX  ?= /usr/local
DESTDIR ?=
MANDIR  ?= $(PREFIX)/share/man
BUILD   := build
VERSION := 0.1.0

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libunwind libzstd libdw zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
UNWIND_LIBS := $(shell pkg-config --libs libunwind 2>/dev/null)
ZSTD_LIBS := $(shell pkg-config --libs libzstd 2>/dev/null)
DW_LIBS := $(shell pkg-config --libs libdw 2>/dev/null)
ZLIB_LIBS := $(shell pkg-config --libs zlib 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wundef \
	-Wformat=2 -Wcast-align -Wvla -Wwrite-strings -Wno-format-nonliteral
BASE_CFLAGS := -std=gnu11 -g -O2 $(WARN) -Icommon $(PKG_CFLAGS) -DGRW_VERSION='"$(VERSION)"' \
	-D_GNU_SOURCE
CFLAGS ?=
LDFLAGS ?=

ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

COMMON_SRC   := $(wildcard common/*.c)
PRELOAD_SRC  := $(wildcard preload/*.c)
ANALYZER_SRC := $(wildcard analyzer/*.c)

# -flto: the hot path crosses hooks.c, record.c, unwind.c, sites.c and counters.c; link-time
# inlining (one partition: the library is small) takes ~7% of growth's instructions off
# python-malloc (docs/performance.md, run 5). The objects depend on this file for the flags.
# The link gets -Wno-error: a warning another compiler raises only at link time should not
# fail the build (the compile keeps -Werror). LTO_CFLAGS= LTO_LDFLAGS= builds without LTO.
LTO_CFLAGS ?= $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),-flto,-flto=auto)
LTO_LDFLAGS ?= $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-flto-partition=one)
PRELOAD_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
	-fexceptions -pthread -Ipreload -DUNW_LOCAL_ONLY $(LTO_CFLAGS) $(CFLAGS)
ANALYZER_CFLAGS := $(BASE_CFLAGS) -Ianalyzer -pthread $(SAN_FLAGS) $(CFLAGS)

PRELOAD_OBJ  := $(patsubst %.c,$(BUILD)/obj/pic/%.o,$(PRELOAD_SRC) $(COMMON_SRC))

# Profile-guided build of libgrowth.so (gcc; PGO=0 builds without): an instrumented copy runs
# preload/pgo/train.cc, exact then sampled, and the objects are compiled again with what it
# counted, so the compiler lays out the paths taken on every allocation together and the rare
# ones apart. The library runs inside every malloc of a program whose own code competes for the
# same instruction cache: on python-malloc this takes 3% off growth's instructions and a third
# off the instruction-cache misses it adds (docs/performance.md, run 7). Both compiles of a file
# name the same profile file with -dumpdir/-dumpbase (gcc derives the profile's name, and the
# ids of static functions in it, from that base name, which otherwise follows the object's
# path).
# On by default with gcc 11 or later (its -dumpbase and -fprofile-partial-training) and a C++
# compiler for the training program; PGO=0 for cross builds and quick edit loops.
PGO_CC_OK := $(shell ! $(CC) --version 2>/dev/null | grep -q clang && \
	[ "$$($(CC) -dumpfullversion 2>/dev/null | cut -d. -f1)" -ge 11 ] 2>/dev/null && \
	command -v $(CXX) >/dev/null && echo 1)
PGO ?= $(if $(PGO_CC_OK),1,0)
PGO_DIR := $(BUILD)/pgo
# The training runs with growth's defaults whatever the caller's environment sets, and writes
# its profile where the second compile looks for it.
PGO_ENV := env -u GCOV_PREFIX -u GCOV_PREFIX_STRIP $(foreach v,$(filter GROWTH_%,$(.VARIABLES)),\
	$(if $(filter environment%,$(origin $(v))),-u $(v)))
PGO_BASE = -dumpdir $(abspath $(PGO_DIR))/prof/$(dir $<) -dumpbase $(basename $(notdir $<))
# The objects are rebuilt when PGO is switched (a file that changes only then).
PGO_FLAG := $(BUILD)/obj/pic/pgo-$(PGO).flag
ifeq ($(PGO),1)
PGO_GEN_OBJ := $(patsubst %.c,$(PGO_DIR)/obj/pic/%.o,$(PRELOAD_SRC) $(COMMON_SRC))
PGO_STAMP := $(PGO_DIR)/profile.stamp
PGO_USE = -fprofile-use -fprofile-partial-training $(PGO_BASE)
endif
ANALYZER_OBJ := $(patsubst %.c,$(BUILD)/obj/exe/%.o,$(ANALYZER_SRC) $(COMMON_SRC))

.PHONY: all deps demo test test-unit test-e2e test-e2e-update stress fuzz bench bench-instr install uninstall clean help \
	programs check-deps format

all: $(BUILD)/libgrowth.so $(BUILD)/growth

help:
	@echo 'make            build build/libgrowth.so and build/growth'
	@echo 'make deps       install missing build and test dependencies (apt-get; needs root)'
	@echo 'make demo       run the bundled recorder demo under growth and print its report'
	@echo 'make test       unit and end-to-end tests (what CI runs), about 5 minutes'
	@echo 'make test-e2e-update  rewrite the expected files of the end-to-end tests'
	@echo 'make stress     the long host-robustness suite'
	@echo 'make fuzz       fuzz the trace reader (FUZZ_SECONDS=60)'
	@echo 'make bench      overhead against an uninstrumented run, using ../shared/bench'
	@echo 'make bench-instr  the same counted in instructions (valgrind): steady on a busy machine'
	@echo 'make install    install into $$(DESTDIR)$$(PREFIX); make uninstall removes it'
	@echo 'options: V=1 (show commands), SANITIZE=address,undefined (analyzer and unit tests)'
	@echo '         PGO=0 (build libgrowth.so once, without its profile-guided second pass:'
	@echo '         for cross builds, compilers other than gcc 11+, and quick edit loops)'

# --- dependencies -----------------------------------------------------------------------------
deps:
	$(Q)sh tests/deps.sh install

check-deps:
	$(Q)sh tests/deps.sh check

# --- the two products -------------------------------------------------------------------------
$(PGO_FLAG):
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/obj/pic/pgo-*.flag && touch $@

$(BUILD)/obj/pic/%.o: %.c Makefile $(PGO_FLAG) $(PGO_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC [pic] $<')
	$(Q)$(CC) $(PRELOAD_CFLAGS) $(PGO_USE) -MMD -MP -c $< -o $@

$(PGO_DIR)/obj/pic/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC [pgo] $<')
	$(Q)$(CC) $(PRELOAD_CFLAGS) -fprofile-generate -fprofile-update=atomic $(PGO_BASE) \
		-MMD -MP -c $< -o $@

$(PGO_DIR)/libgrowth.so: $(PGO_GEN_OBJ)
	@$(if $(Q),echo '  LD       $@')
	$(Q)$(call link_preload,-fprofile-generate)

$(PGO_DIR)/train: preload/pgo/train.cc Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CXX      $@')
	$(Q)$(CXX) -O2 -pthread -o $@ $< $(LDFLAGS)

$(PGO_STAMP): $(PGO_DIR)/libgrowth.so $(PGO_DIR)/train
	@$(if $(Q),echo '  TRAIN    $(PGO_DIR)/libgrowth.so')
	$(Q)rm -rf $(PGO_DIR)/prof $(PGO_DIR)/train.*.zst
	$(Q)$(PGO_ENV) LD_PRELOAD=$(abspath $(PGO_DIR)/libgrowth.so) \
		GROWTH_OUTPUT=$(PGO_DIR)/train.%p.zst $(PGO_DIR)/train >/dev/null && \
	$(PGO_ENV) LD_PRELOAD=$(abspath $(PGO_DIR)/libgrowth.so) \
		GROWTH_OUTPUT=$(PGO_DIR)/train.%p.zst GROWTH_SAMPLE=4096 $(PGO_DIR)/train >/dev/null && \
	[ "$$(ls $(PGO_DIR)/train.*.zst | wc -l)" -eq 2 ] && \
	[ "$$(find $(PGO_DIR)/prof -name '*.gcda' | wc -l)" -eq $(words $(PGO_GEN_OBJ)) ] || \
		{ echo 'make: the profile-guided build'"'"'s training run failed or recorded nothing;' \
			'`make PGO=0` builds without it' >&2; exit 1; }
	$(Q)rm -f $(PGO_DIR)/train.*.zst
	$(Q)touch $@

$(BUILD)/obj/exe/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC       $<')
	$(Q)$(CC) $(ANALYZER_CFLAGS) -MMD -MP -c $< -o $@

# Links libgrowth.so from the prerequisites; $(1): extra flags (the instrumented build's).
link_preload = $(CC) $(PRELOAD_CFLAGS) $(LTO_LDFLAGS) $(1) -Wno-error -shared -Wl,-z,defs \
	-Wl,--version-script=preload/exports.map \
	-o $@ $^ $(UNWIND_LIBS) $(ZSTD_LIBS) -ldl $(LDFLAGS)

$(BUILD)/libgrowth.so: $(PRELOAD_OBJ)
	@$(if $(Q),echo '  LD       $@')
	$(Q)$(call link_preload)

$(BUILD)/growth: $(ANALYZER_OBJ)
	@$(if $(Q),echo '  LD       $@')
	$(Q)$(CC) $(SAN_FLAGS) -pthread -o $@ $(ANALYZER_OBJ) $(DW_LIBS) $(ZSTD_LIBS) $(ZLIB_LIBS) -lstdc++ -lm \
		$(LDFLAGS)

-include $(PRELOAD_OBJ:.o=.d) $(ANALYZER_OBJ:.o=.d) $(PGO_GEN_OBJ:.o=.d)

# --- tests ------------------------------------------------------------------------------------
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
UNIT_COMMON_SRC := $(COMMON_SRC) $(filter-out analyzer/main.c,$(ANALYZER_SRC))

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_COMMON_SRC) $(wildcard common/*.h analyzer/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC       $@')
	$(Q)$(CC) $(ANALYZER_CFLAGS) -Itests/unit -o $@ $< $(UNIT_COMMON_SRC) $(DW_LIBS) $(ZSTD_LIBS) $(ZLIB_LIBS) \
		-lstdc++ -lm $(LDFLAGS)

programs: all
	$(Q)$(MAKE) -s -C tests/programs BUILD=$(abspath $(BUILD))/tests/programs

test-unit: $(UNIT_BIN)
	$(Q)sh tests/unit/run.sh $(UNIT_BIN)

test-e2e: all programs
	$(Q)sh tests/e2e/run.sh

test-e2e-update: all programs
	$(Q)GROWTH_E2E_UPDATE=1 sh tests/e2e/run.sh

test: deps
	$(Q)$(MAKE) -s all
	$(Q)$(MAKE) -s test-unit SANITIZE=address,undefined BUILD=$(BUILD)/san
	$(Q)$(MAKE) -s test-e2e
	$(Q)sh tests/fuzz/replay.sh
	$(Q)sh tests/stress/run.sh --short

stress: all programs
	$(Q)sh tests/stress/run.sh

fuzz: all programs
	$(Q)sh tests/fuzz/run.sh

bench: all
	$(Q)sh tests/bench.sh

bench-instr: all
	$(Q)bash tests/bench-instr.sh

# --- demo -------------------------------------------------------------------------------------
demo: deps
	$(Q)$(MAKE) -s all
	$(Q)$(MAKE) -s -C examples BUILD=$(abspath $(BUILD))/examples
	$(Q)sh examples/demo.sh

# --- install ----------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/growth \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 0755 $(BUILD)/growth $(DESTDIR)$(PREFIX)/bin/growth
	install -m 0755 $(BUILD)/libgrowth.so $(DESTDIR)$(PREFIX)/lib/growth/libgrowth.so
	install -m 0644 man/growth.1 $(DESTDIR)$(MANDIR)/man1/growth.1
	install -m 0644 man/libgrowth.7 $(DESTDIR)$(MANDIR)/man7/libgrowth.7

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/growth $(DESTDIR)$(PREFIX)/lib/growth/libgrowth.so \
		$(DESTDIR)$(MANDIR)/man1/growth.1 $(DESTDIR)$(MANDIR)/man7/libgrowth.7
	-rmdir $(DESTDIR)$(PREFIX)/lib/growth

format:
	clang-format -i common/*.[ch] preload/*.[ch] analyzer/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf $(BUILD)
