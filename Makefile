# SPDX-License-Identifier: MIT
# bindmodel: make (all), check, coverage, bench, fuzz, install, clean.
# Builds into build/ (BUILD=... to change); CC=clang works as well as gcc.
# Warnings are on for everyone, but they are errors only in the project's own
# check builds (make check/asan/coverage set WERROR=-Werror): a newer
# compiler's new warning must not break a user's `make install`.
# V=1 shows the compiler command lines.

PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
MAKEFLAGS += --no-print-directory
BUILD   ?= build
CC      ?= cc
VERSION := $(shell sed -n 's/^\#define BM_VERSION "\(.*\)"/\1/p' include/bindmodel.h)
# The SONAME's version: the major one, or while it is 0 (no stable ABI
# yet) major.minor, so that 0.3 and 0.2 are never mistaken for each other.
SOMAJOR := $(shell echo $(VERSION) | sed 's/^\(0\.[0-9]*\)\..*/\1/; s/^\([1-9][0-9]*\)\..*/\1/')
CSTD    := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
# gcc's -Wformat-truncation flags deliberate truncating snprintf calls; clang
# does not know the option, so it is asked for only where it exists.
NO_FMT_TRUNC := $(shell $(CC) -Werror -Wno-format-truncation -E -x c /dev/null >/dev/null 2>&1 && echo -Wno-format-truncation)
WERROR  ?=
WARN    := -Wall -Wextra -pedantic -Wshadow -Wstrict-prototypes $(NO_FMT_TRUNC) $(WERROR)
CFLAGS  ?= -O2 -g
# tools/ is in parts: the scenario language and its engines (lang/), the
# REPL (repl/), the kernel backend (kernel/), the oracle, explorer and
# fingerprint (oracle/), the interposer (shadow/); main.c and the small
# commands stay at the top.
TOOLS_DIRS := tools tools/lang tools/repl tools/kernel tools/oracle
TOOLS_INC  := $(addprefix -I,$(TOOLS_DIRS))
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Iinclude -Imodel $(TOOLS_INC)
# The library: position independent (the archive can go into a shared
# object, e.g. a Python extension) and only the BM_API symbols exported.
# Its own calls to exported functions (bm_addr_is_any from a policy's
# rule, ...) may be inlined: nothing is meant to interpose them.
LIB_CFLAGS = -fPIC -fvisibility=hidden -fno-semantic-interposition

ifeq ($(V),1)
Q :=
else
Q := @
endif
LDLIBS_EDIT := $(shell pkg-config --libs libedit 2>/dev/null || echo -ledit)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

MODEL_SRC := $(wildcard model/*.c model/policy/*.c)
TOOLS_SRC := $(foreach d,$(TOOLS_DIRS),$(wildcard $(d)/*.c))
TEST_SRC  := $(filter-out tests/fuzz_scenario.c,$(wildcard tests/check_*.c))

MODEL_OBJ := $(MODEL_SRC:%.c=$(BUILD)/%.o)
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(BUILD)/%.o)
TOOLS_LIB_OBJ := $(BUILD)/tools/lang/scenario.o $(BUILD)/tools/lang/session.o
TEST_OBJ  := $(TEST_SRC:%.c=$(BUILD)/%.o)

LIB_A  := $(BUILD)/libbindmodel.a
LIB_SO := $(BUILD)/libbindmodel.so.$(VERSION)
SONAME := libbindmodel.so.$(SOMAJOR)
BIN    := $(BUILD)/bindmodel
TESTS  := $(BUILD)/check_bindmodel
FUZZ   := $(BUILD)/fuzz_scenario
OOT    := $(BUILD)/oot_policy

.PHONY: demo all check coverage bench fuzz install uninstall clean asan valgrind spec-check deps
.PHONY: deps-qemu static check-kernels

all: $(LIB_A) $(LIB_SO) $(BUILD)/libbindmodel.so $(BIN)

# The first README command: install what is missing, build, show the model
# answering the article's question for one scenario on every OS.
demo: deps
	@$(MAKE) all
	@$(BIN) repl --os linux < tools/demo.bms

# DEPS_EXTRA: further Debian packages a stage needs (clang for make check).
deps:
	@DEPS_EXTRA="$(DEPS_EXTRA)" sh tools/deps.sh

$(BUILD)/model/%.o: model/%.c $(wildcard include/*.h model/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -c $< -o $@

# QEMU, busybox and the static libraries --kernel VERSION needs (asked for
# here, or installed on demand by tools/kernel/kernel_qemu.sh with a message).
deps-qemu:
	@sh tools/deps.sh qemu

# A statically linked bindmodel, for the initramfs --kernel VERSION boots.
STATIC_BUILD ?= build/static
static:
	$(MAKE) BUILD=$(STATIC_BUILD) LDFLAGS="$(LDFLAGS) -static" \
	  LDLIBS_EDIT="-ledit -ltinfo -lbsd -lmd" $(STATIC_BUILD)/bindmodel

# spec/linux on every Linux kernel QEMU can boot here (tests/kernels.sh);
# KERNELS= to choose, e.g. make check-kernels KERNELS="6.1 6.12".
check-kernels: deps-qemu all
	BIN=$(BIN) BM_KERNEL_VERSIONS="$(KERNELS)" sh tests/kernels.sh

$(BUILD)/%.o: %.c $(wildcard include/*.h model/*.h $(addsuffix /*.h,$(TOOLS_DIRS))) | $(BUILD)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD):
	@mkdir -p $(BUILD)

$(LIB_A): $(MODEL_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIB_SO): $(MODEL_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,-soname,$(SONAME) -o $@ $^

# The names a link (-lbindmodel) and the loader (the SONAME) look for.
$(BUILD)/libbindmodel.so: $(LIB_SO)
	$(Q)ln -sf libbindmodel.so.$(VERSION) $(BUILD)/$(SONAME)
	$(Q)ln -sf $(SONAME) $@

$(BIN): $(TOOLS_OBJ) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOLS_OBJ) $(LIB_A) $(LDLIBS_EDIT)

# check_allocfail.c fails the library's allocations one by one through these
WRAP_ALLOC := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc

$(TESTS): $(TEST_OBJ) $(TOOLS_LIB_OBJ) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(WRAP_ALLOC) -o $@ $(TEST_OBJ) $(TOOLS_LIB_OBJ) $(LIB_A) $(CHECK_LIBS) $(LDLIBS_EDIT)

# The harness drives the whole runner (loading, run, the REPL's lines and
# load): every tool object but main's.
FUZZ_TOOLS_OBJ := $(filter-out $(BUILD)/tools/main.o,$(TOOLS_OBJ))
$(FUZZ): $(BUILD)/tests/fuzz_scenario.o $(FUZZ_TOOLS_OBJ) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_EDIT)

# The plug-in test (tests/oot_policy.c, tests/oot_policy.sh): every policy
# file compiled apart from the library with only include/ on the include
# path, linked into one object whose symbols are renamed oot_*, then run
# by the scenario runner as a caller's policies.
OOT_RAW := $(patsubst model/policy/%.c,$(BUILD)/oot/%.o,$(wildcard model/policy/*.c))
$(BUILD)/oot/%.o: model/policy/%.c include/bindmodel.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (include/ only)")
	$(Q)$(CC) $(CSTD) $(WARN) $(CFLAGS) -Iinclude -c $< -o $@
$(BUILD)/oot/policies.o: $(OOT_RAW)
	@$(if $(Q),echo "  LD      $@ (symbols renamed oot_*)")
	$(Q)$(LD) -r -o $@.tmp $^ && \
	  objcopy $$(nm -g --defined-only $@.tmp | awk 'NF == 3 { printf " --redefine-sym %s=oot_%s", $$3, $$3 }') $@.tmp $@ && \
	  rm -f $@.tmp
$(OOT): $(BUILD)/tests/oot_policy.o $(BUILD)/oot/policies.o $(FUZZ_TOOLS_OBJ) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_EDIT)

# libFuzzer run of the same harness (clang); FUZZ_SECONDS to change.  The
# harness runs the whole runner (load, run, the REPL's `load`); -entropic=0
# because libFuzzer's feature-frequency bookkeeping took 6 of every 7
# seconds with it on (80 against 500+ executions a second).
FUZZ_SECONDS ?= 60
FUZZ_MAXLEN ?= 1024
fuzz:
	mkdir -p build/fuzz
	clang -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -DBM_LIBFUZZER -g -O1 \
	  -fsanitize=fuzzer,address,undefined -Iinclude -Imodel $(TOOLS_INC) \
	  tests/fuzz_scenario.c $(filter-out tools/main.c,$(TOOLS_SRC)) $(MODEL_SRC) \
	  -o build/fuzz/fuzz_scenario $(LDLIBS_EDIT) -ldl
	mkdir -p build/fuzz/corpus
	for f in spec/*.bms spec/*/*.bms; do cp "$$f" build/fuzz/corpus/$$(echo "$$f" | tr / _); done
	build/fuzz/fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAXLEN) -entropic=0 -close_fd_mask=3 \
	  -print_final_stats=1 build/fuzz/corpus

# make check: the Check unit tests, every scenario in spec/, the spec's
# rule-id cross-check, and the tool tests (REPL over a pty, oracle).
check: DEPS_EXTRA = clang
check: deps
	$(MAKE) all $(TESTS) $(FUZZ) $(OOT) WERROR=-Werror
	$(MAKE) check-run

# spec/linux is written for `os linux` (linux-6.18); every other Linux
# release runs it too, with its own keyed expectations.
LINUX_RELEASES := linux-6.1 linux-6.12 linux-6.18-fc
# spec/freebsd is written for `os freebsd` (freebsd-15); 14 runs it too, so
# its keyed expectations (`=> freebsd-14:ok ...`) are checked.
FREEBSD_RELEASES := freebsd-14

# Every stage runs and reports even when an earlier one failed; the exit
# status is the worst of them, and the failed stages are named at the end
# with the tail of what each printed (kept in $(BUILD)/check-logs), so that
# the last screen of a CI log says why.
check-run:
	@failed=""; logs=$(BUILD)/check-logs; rm -rf $$logs; mkdir -p $$logs; \
	stage() { name=$$1; shift; log=$$logs/$$(echo "$$name" | tr '/ ' '__').log; \
	  echo "== $$name"; { "$$@"; echo $$? > "$$log.rc"; } 2>&1 | tee "$$log"; \
	  [ "$$(cat "$$log.rc")" = 0 ] || failed="$$failed $$name"; }; \
	stage "Check unit tests" $(TESTS); \
	stage fuzz_scenario $(FUZZ); \
	stage tests/spec_rules.sh sh tests/spec_rules.sh; \
	for t in tests/*.sh; do [ "$$t" = tests/spec_rules.sh ] && continue; \
	  stage $$t env BIN=$(BIN) CFLAGS="$(CFLAGS)" LDFLAGS="$(LDFLAGS)" VERSION=$(VERSION) sh $$t; done; \
	stage "every scenario in spec/ on the model" $(BIN) run spec/*.bms spec/*/*.bms; \
	for r in $(LINUX_RELEASES); do stage "spec/linux as $$r" $(BIN) run --os $$r spec/linux/*.bms; done; \
	for r in $(FREEBSD_RELEASES); do stage "spec/freebsd as $$r" $(BIN) run --os $$r spec/freebsd/*.bms; done; \
	if [ -n "$$failed" ]; then \
	  for log in $$logs/*.log; do [ "$$(cat "$$log.rc")" = 0 ] && continue; \
	    echo "---- $$log (exit $$(cat "$$log.rc")), its last 25 lines:"; tail -n 25 "$$log"; done; \
	  echo "make check: FAILED:$$failed"; exit 1; fi

coverage:
	$(MAKE) clean BUILD=build/cov
	$(MAKE) check BUILD=build/cov CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage"
	lcov --quiet --capture --directory build/cov --output-file build/cov/all.info --rc lcov_branch_coverage=1
	lcov --quiet --extract build/cov/all.info '*/model/*' --output-file build/cov/model.info --rc lcov_branch_coverage=1
	genhtml --quiet --branch-coverage build/cov/model.info --output-directory build/coverage
	lcov --summary build/cov/model.info --rc lcov_branch_coverage=1

asan:
	$(MAKE) check BUILD=build/asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" LDFLAGS="-fsanitize=address,undefined"

valgrind: all $(TESTS)
	CK_FORK=no valgrind --quiet --error-exitcode=1 --leak-check=full $(TESTS)
	valgrind --quiet --error-exitcode=1 --leak-check=full $(BIN) run spec/*.bms spec/*/*.bms

# make bench: the same sequence on the model and the live kernel side by
# side, then the model's cost per operation as its population grows from 1k
# to 1M live sockets (tests/bench_scale.c; the table also as JSON and SVG).
bench: all $(BUILD)/bench_scale
	$(BIN) bench
	$(BUILD)/bench_scale $(BUILD)/bench_scale.json

$(BUILD)/bench_scale: tests/bench_scale.c $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) -lm

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 include/bindmodel.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libbindmodel.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libbindmodel.so
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 tools/bindmodel.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bindmodel
	install -m 644 tools/kernel/kernel_qemu.sh $(DESTDIR)$(PREFIX)/share/bindmodel/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  tools/bindmodel.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/bindmodel.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/bindmodel.h $(DESTDIR)$(LIBDIR)/libbindmodel.* \
	  $(DESTDIR)$(PREFIX)/bin/bindmodel $(DESTDIR)$(LIBDIR)/pkgconfig/bindmodel.pc \
	  $(DESTDIR)$(PREFIX)/share/man/man1/bindmodel.1 \
	  $(DESTDIR)$(PREFIX)/share/bindmodel/kernel_qemu.sh

clean:
	rm -rf $(BUILD)

# The shadow interposer (`bindmodel shadow`): an LD_PRELOAD library with the
# model linked in (the library's objects are PIC already), exporting only the
# libc calls it wraps.
SHADOW_SRC := $(wildcard tools/shadow/*.c)
SHADOW_OBJ := $(SHADOW_SRC:%.c=$(BUILD)/pic/%.o)
SHADOW_SO  := $(BUILD)/libbindmodel_shadow.so

# PIC but not hidden: the wrapped libc calls must be visible to the loader
# (exports.map keeps everything else in)
$(BUILD)/pic/tools/shadow/%.o: tools/shadow/%.c $(wildcard include/*.h tools/shadow/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

all: $(SHADOW_SO)

# bench dlopens the interposer (tools/shadow_bench.c); -ldl for glibc < 2.34
$(BIN): LDLIBS_EDIT += -ldl

$(SHADOW_OBJ) $(BUILD)/tools/shadow_cmd.o $(BUILD)/tools/shadow_bench.o: $(wildcard tools/shadow/*.h)

$(SHADOW_SO): $(SHADOW_OBJ) $(MODEL_OBJ) tools/shadow/exports.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,--version-script=tools/shadow/exports.map \
	  -o $@ $(SHADOW_OBJ) $(MODEL_OBJ) -ldl -lpthread

install: install-shadow
install-shadow: all
	install -d $(DESTDIR)$(LIBDIR)
	install -m 755 $(SHADOW_SO) $(DESTDIR)$(LIBDIR)/
.PHONY: install-shadow
