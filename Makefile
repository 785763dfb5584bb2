# suido - top-level GNU Makefile. Everything is found by convention, so adding a module,
# a program, a test, a fuzz target or a benchmark needs no edit here:
#   lib/<layer>/*.c          -> $(BUILD)/lib/libsd<layer>.a
#   src/<program>/*.c        -> $(BUILD)/bin/<program>
#   tests/unit/test_*.c      -> $(BUILD)/tests/test_*        (cmocka, run by make check)
#   tests/integration/*.sh   -> run by make check with BIN=$(BUILD)/bin
#   tests/fuzz/fuzz_*.c      -> build/fuzz/fuzz_*            (libFuzzer + ASan + UBSan, clang)
#                            -> $(BUILD)/fuzz-replay/fuzz_*  (tests/fuzz/replay_main.c, any CC;
#                                                             make check replays the corpus)
#   bench/bench_*.c          -> $(BUILD)/bench/bench_*       (run by make bench)
#
# make SAN=address,undefined check   builds into build/san and runs every test under sanitizers.

CC      ?= cc
SAN     ?=
BUILD   ?= build
ifneq ($(SAN),)
override BUILD := $(BUILD)-san
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
OPT     ?= -O2

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual \
           -Wpointer-arith -Wno-unused-parameter
CPPFLAGS += -Ilib -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS  += -std=c11 $(OPT) -g $(WARN) $(SANFLAGS) -MMD -MP -pthread
LDFLAGS += $(SANFLAGS) -pthread
LDLIBS  += -lmicrohttpd -lgnutls -lmosquitto -lsqlite3 -lpq -ljansson -lsodium -lqrencode -lssl -lcrypto -lcurl -lm

# Layers: lib/LAYERS lists them top to bottom with what each may use (docs/architecture.md).
# Every folder of lib/ must be there: one that is not stops the build instead of being skipped.
LAYERS     := $(shell scripts/layers.sh order)
LIB_DIRS   := $(patsubst lib/%/,%,$(wildcard lib/*/))
$(foreach d,$(filter-out $(LAYERS),$(LIB_DIRS)),$(error lib/$(d) is not in lib/LAYERS))
$(foreach l,$(filter-out $(LIB_DIRS),$(LAYERS)),$(error lib/LAYERS names $(l) but lib/$(l) does not exist))
LIBS       := $(foreach l,$(LAYERS),$(BUILD)/lib/libsd$(l).a)
# Archives in layer order and no --start-group: a call from a lower layer up to a higher one
# does not link.
LINKLIBS   := $(LIBS)

PROGRAMS   := $(notdir $(patsubst %/,%,$(dir $(wildcard src/*/main.c))))
BINS       := $(addprefix $(BUILD)/bin/,$(PROGRAMS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNITS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
TEST_HELPER_SRCS := $(wildcard tests/unit/helpers/*.c)
TEST_HELPER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_HELPER_SRCS))

all: $(BINS) $(UNITS) $(BENCHES)

# An archive is rebuilt when its list of objects changes too (a file moved to another layer must
# not linger in the old archive): the list is kept in a file rewritten only when it differs.
define layer_rules
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/obj/%.o,$$(shell find lib/$(1) -name '*.c' | sort))
$$(shell mkdir -p $$(BUILD)/lib && echo '$$($(1)_OBJS)' | cmp -s - $$(BUILD)/lib/libsd$(1).objs || echo '$$($(1)_OBJS)' > $$(BUILD)/lib/libsd$(1).objs)
$$(BUILD)/lib/libsd$(1).a: $$($(1)_OBJS) $$(BUILD)/lib/libsd$(1).objs
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(AR) rcs $$@ $$(filter %.o,$$^)
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

# The top layers each program uses; lib/LAYERS gives the rest and the order.
USES_suidod     := api
USES_suido-gw   := gw
USES_suido-term := sim
USES_suidoctl   := api sim call httpc

define prog_rules
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/obj/%.o,$$(wildcard src/$(1)/*.c))
$(1)_LIBS := $$(foreach l,$$(shell scripts/layers.sh libs $$(or $$(USES_$(1)),$$(LAYERS))),$$(BUILD)/lib/libsd$$(l).a)
$$(BUILD)/bin/$(1): $$($(1)_OBJS) $$($(1)_LIBS)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $$($(1)_LIBS) $$(LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call prog_rules,$(p))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# --- store: embed the migrations db/<backend>/NNNN_name.sql into libsdstore.a -----------------
# An installed program needs no source tree: scripts/embed-sql.sh (sh, awk, od) turns the SQL
# files into C arrays; the object joins libsdstore.a through the extra prerequisite below ($^).
STORE_SQL := $(sort $(wildcard db/*/*.sql))
$(BUILD)/gen/store_migrations.c: $(STORE_SQL) scripts/embed-sql.sh
	@mkdir -p $(@D)
	sh scripts/embed-sql.sh $@ $(STORE_SQL)
$(BUILD)/lib/libsdstore.a: $(BUILD)/obj/gen/store_migrations.o

# --- api: the OpenAPI description, embedded so that suidod serves it from any directory --------
$(BUILD)/gen/openapi.c: docs/openapi.yaml scripts/embed-file.sh
	@mkdir -p $(@D)
	sh scripts/embed-file.sh $@ sd__openapi_yaml docs/openapi.yaml
$(BUILD)/lib/libsdapi.a: $(BUILD)/obj/gen/openapi.o

# generated sources compile like any other
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_HELPER_OBJS) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(LINKLIBS) $(LDLIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LINKLIBS) $(LDLIBS)

# --- the two commands of README.md ------------------------------------------------------------

# Installs missing Debian packages (needs root or sudo); SUIDO_NO_DEPS=1 skips it.
deps:
	@[ -n "$(SUIDO_NO_DEPS)" ] || scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@scripts/layers.sh check
	@BUILD=$(BUILD) SAN=$(SAN) JOBS=$(JOBS) tests/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/run.sh

# --- fuzzing and benchmarks --------------------------------------------------------------------

# Every target is also built by `make all` with the plain compiler, linked with a small replay
# driver instead of libFuzzer, and `make check` runs it over tests/fuzz/corpus/<name>/ as a
# suite of its own (fuzz/<name>), with the sanitizers under SAN=: a target cannot rot.
FUZZ_REPLAY_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAYS     := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_REPLAY_SRCS))
FUZZ_REPLAY_MAIN := $(BUILD)/obj/tests/fuzz/replay_main.o
all: $(FUZZ_REPLAYS)
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(FUZZ_REPLAY_MAIN) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(FUZZ_REPLAY_MAIN) $(LINKLIBS) $(LDLIBS)

FUZZ_SRCS  ?= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TIME  ?= 60
FUZZ_BUILD ?= build/fuzz
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD) OPT=-O1 SAN= \
	    SANFLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all" \
	    $(patsubst %,$(FUZZ_BUILD)/lib/libsd%.a,$(LAYERS))
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIME=$(FUZZ_TIME) LAYERS="$(LAYERS)" LDLIBS="$(LDLIBS)" \
	    scripts/fuzz.sh $(FUZZ_SRCS)

# No #include goes up the layers of lib/LAYERS (also run by make check).
layers:
	@scripts/layers.sh check

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/bench.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# The tree is as `make format` leaves it (run by CI before the tests).
format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h') && echo "format: clean"

clean:
	rm -rf build

.PHONY: all deps check run fuzz bench format format-check clean layers
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
