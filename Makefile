# qosres: adaptive CPU reservations for Linux 6.12.
#
#   make demo        boot the patched kernel and watch reservations at work
#   make test        every suite on the test kernel with short loops, and a
#                    short demo: about 25 minutes from a clean clone; ends
#                    with "N passed, N failed, N skipped"
#   make test-full   the same suites under lockdep or KASAN, with
#                    full-length loops, for the coverage make test leaves
#                    out (the aim is 85 minutes from a clean clone)
#   make soak        30 minutes of mixed load, churn and faults on the KASAN
#                    kernel; report in build/soak/ (not part of make test)
#   make bench       qosres against SCHED_DEADLINE, cpu.max, cpu.weight and
#                    SCHED_FIFO; writes docs/benchmarks.md (about 50 min)
#   make kernel      just the bzImage (incremental); kernel-lockdep and
#                    kernel-kasan: with lockdep, and with KASAN, for
#                    make test-full and make soak
#   make checkpatch  scripts/checkpatch.pl --strict on kernel files and gsp/
#   make gsp-lines   lines the GSP series adds to existing kernel files
#   make install     libqosres, qosresctl, qosres-agent [PREFIX=/usr/local]
#
# KERNEL_SRC=DIR uses that Linux 6.12 tree instead of Debian's
# linux-source-6.12 tarball.

BUILD    := build
SRC      := $(BUILD)/linux
OBJ      := $(BUILD)/obj-test
BZIMAGE  := $(OBJ)/arch/x86/boot/bzImage
CONFIGS  := configs/base.config configs/containers.config configs/debug.config \
	    configs/qosres.config
# make test-full's kernels: with lockdep for the suites with a "# guest:
# lockdep" header, and with KASAN (also make soak's) for the others.
LOBJ     := $(BUILD)/obj-lockdep
LCONFIGS := $(CONFIGS) configs/lockdep.config
KOBJ     := $(BUILD)/obj-kasan
KCONFIGS := $(CONFIGS) configs/kasan.config
JOBS     ?= $(shell nproc)
TOOLS    := $(BUILD)/tools/periodic $(BUILD)/tools/pingpong \
	    $(BUILD)/tools/qosres-fuzz $(BUILD)/tools/qosres-churn \
	    $(BUILD)/tools/rcu-gp $(BUILD)/tools/spin $(BUILD)/tools/tsc-khz
LIBDIR   := $(BUILD)/userspace/lib
LIBTOOLS := $(BUILD)/tools/qosres-libtest $(BUILD)/tools/qres-periodic
CFLAGS_TOOLS := -std=c11 -O2 -Wall -Wextra -Werror
FB       := kernel/cgroup/qosres_fb
UNITS    := $(BUILD)/unit/qosres_fb_test

.PHONY: all kernel kernel-lockdep kernel-kasan tree config tools userspace install unit test test-full soak bench demo checkpatch gsp-lines clean distclean deps-build

all: kernel

deps-build:
	@mk/deps.sh build

tree: deps-build
	@mk/tree.sh $(SRC)

config: tree
	@mk/config.sh $(SRC) $(OBJ) $(CONFIGS)

kernel: config
	@echo "  KERNEL  $(BZIMAGE)"
	@$(MAKE) -s -C $(SRC) O=$(abspath $(OBJ)) -j$(JOBS) bzImage

kernel-lockdep: tree
	@mk/config.sh $(SRC) $(LOBJ) $(LCONFIGS)
	@echo "  KERNEL  $(LOBJ)/arch/x86/boot/bzImage"
	@$(MAKE) -s -C $(SRC) O=$(abspath $(LOBJ)) -j$(JOBS) bzImage

kernel-kasan: tree
	@mk/config.sh $(SRC) $(KOBJ) $(KCONFIGS)
	@echo "  KERNEL  $(KOBJ)/arch/x86/boot/bzImage"
	@$(MAKE) -s -C $(SRC) O=$(abspath $(KOBJ)) -j$(JOBS) bzImage

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $<

# The library's suites run programs built as a user of the installed
# library builds them: through pkg-config, against the shared library.
$(LIBTOOLS): $(BUILD)/tools/%: tests/tools/%.c userspace
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $< -Wl,-rpath,$(abspath $(LIBDIR)) \
		$$(PKG_CONFIG_PATH=$(LIBDIR) pkg-config --cflags --libs qosres)

tools: $(TOOLS) $(LIBTOOLS)

userspace:
	@$(MAKE) -s -C userspace/lib
	@$(MAKE) -s -C userspace/qosres-agent
	@$(MAKE) -s -C userspace/qosresctl

install:
	@mk/deps.sh build
	@for dir in lib qosresctl qosres-agent; do \
		$(MAKE) -s -C userspace/$$dir install || exit 1; \
	done

# The feedback algorithms' unit tests, on the host; run by tests/run.
$(BUILD)/unit/%_test: tests/unit/%_test.c $(FB).c $(FB).h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -Wno-unused-parameter -Ikernel/cgroup -o $@ $< $(FB).c

unit: $(UNITS)

test:
	@mk/deps.sh test
	@$(MAKE) -s kernel userspace tools unit
	@tests/run

# The loops at their full length: make test runs them shorter.
FULL_KNOBS := QOSRES_FULL=1 QOSRES_HOTPLUG_ROUNDS=20 QOSRES_RACE_CYCLES=1000 \
	      QOSRES_SCHED_RESERVATIONS=200 \
	      QOSRES_CHURN_CYCLES=10000 QOSRES_FUZZ_WRITES=10000 \
	      QOSRES_HAMMER_SECONDS=30

test-full:
	@mk/deps.sh test
	@$(MAKE) -s kernel-lockdep kernel-kasan userspace tools unit
	@$(FULL_KNOBS) tests/run

soak:
	@mk/deps.sh test
	@$(MAKE) -s kernel-kasan userspace tools
	@tests/soak/run

bench:
	@mk/deps.sh bench
	@$(MAKE) -s tools
	@tests/bench/run

demo:
	@mk/deps.sh demo
	@$(MAKE) -s kernel tools userspace
	@tests/harness/vm-run -t 900 -o $(BUILD)/demo -- $(CURDIR)/demo/demo.sh

checkpatch: tree
	@mk/checkpatch.sh $(SRC)

gsp-lines:
	@for p in $$(grep -v '^#' gsp/series); do \
		grep -c '^+[^+]\|^+$$' gsp/$$p | sed "s|^|$$p: |"; \
	done
	@cat gsp/*.patch | grep -c '^+[^+]\|^+$$' | sed 's/^/total added: /'
	@cat gsp/*.patch | sed -n 's|^+++ b/||p' | sort -u | wc -l | sed 's/^/existing files: /'

clean:
	rm -rf $(BUILD)/obj-* $(BUILD)/results $(BUILD)/soak $(BUILD)/demo $(BUILD)/vm.*

distclean:
	rm -rf $(BUILD)
