# fphint top-level Makefile.  Each area owns a fragment (bpf/bpf.mk,
# user/user.mk, kmod/kmod.mk, guest/guest.mk, tests/tests.mk) that adds to
# ALL_TARGETS, TEST_TARGETS and CLEAN_DIRS.  Generated files go to build/.
.DEFAULT_GOAL := all
SHELL := /bin/bash

TOP := $(abspath .)
BUILD ?= $(TOP)/build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

# Warnings are errors everywhere.
CFLAGS_COMMON := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(TOP)/include
ALL_TARGETS :=
# Order matters: cheap tests first, QEMU migrations last.
TEST_TARGETS :=
CLEAN_DIRS :=

include guest/matrix.mk
include bpf/bpf.mk
include user/user.mk
include contrib/contrib.mk
include user/agent.mk
include bench/bench.mk
include kmod/kmod.mk
include fuzz/fuzz.mk
include tests/soak/soak.mk
include guest/guest.mk
include model/model.mk
include tests/tests.mk

.PHONY: all deps test clean check-format
all: $(ALL_TARGETS)

# Installs every Debian package the project needs; a no-op when present.
deps:
	@$(TOP)/scripts/deps.sh

# The whole suite, from a fresh clone: installs what is missing first.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(TEST_TARGETS)

check-format:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h' | grep -v '^kmod/')

clean:
	rm -rf $(BUILD) $(CLEAN_DIRS)
