# fuzz fragment: libFuzzer targets on the user-space parsers that take
# outside input (option values, /proc/zoneinfo,
# /proc/kpageflags), `make fuzz` to run them, and a corpus replay unit
# test (gcc + ASan/UBSan, no libFuzzer needed) over fuzz/corpus/.
#
# The guest-side ioctl fuzzer (fphint-ioctl-fuzz, static) runs inside the
# bench guest from fuzz/test-ioctl-fuzz-guest (TESTS_MIGRATE).
FUZZ_TARGETS := values zoneinfo kpageflags
# Which library source each target parses with.
FUZZ_SRC_values := user/fphint_config.c
FUZZ_SRC_zoneinfo := user/fphint_kpage.c
FUZZ_SRC_kpageflags := user/fphint_kpage.c
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CLANG ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -I$(TOP)/include -I$(TOP)/user \
	-I$(TOP)/fuzz
FUZZ_HDRS := $(wildcard fuzz/*.h user/fphint_config.h user/fphint_kpage.h)

# One libFuzzer binary and one replay binary per target (rules made by eval:
# each links its own library source).
define FUZZ_RULES
$(FUZZ_DIR)/bin/fuzz_$(1): fuzz/fuzz_$(1).c fuzz/fphint_fuzz_util.c $(FUZZ_SRC_$(1)) $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	$(FUZZ_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $$@ $$(filter %.c,$$^)
$(BUILD)/tests/fuzz/replay_$(1): fuzz/fuzz_$(1).c fuzz/fphint_fuzz_util.c fuzz/fphint_fuzz_replay.c \
		$(FUZZ_SRC_$(1)) $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	$(CC) $(FUZZ_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-o $$@ $$(filter %.c,$$^)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULES,$(t))))
FUZZ_REPLAY_BINS := $(patsubst %,$(BUILD)/tests/fuzz/replay_%,$(FUZZ_TARGETS))

# The CLI's command line, end to end (fork/exec of the static fphint, as
# root in a private mount namespace): fuzz only, no replay (needs root).
$(FUZZ_DIR)/bin/fuzz_cli: fuzz/fuzz_cli.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $<

.PHONY: fuzz fuzz-build
fuzz-build: $(patsubst %,$(FUZZ_DIR)/bin/fuzz_%,$(FUZZ_TARGETS) cli) $(FPHINT_CLI)
# FUZZ_SECONDS per target; results in build/fuzz/report.txt.
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FPHINT_CLI=$(FPHINT_CLI) \
		$(TOP)/fuzz/run-fuzz.sh $(FUZZ_DIR) $(FUZZ_TARGETS) cli

ALL_TARGETS += $(FUZZ_REPLAY_BINS)
TESTS_UNIT += $(TOP)/fuzz/test-fuzz-replay $(TOP)/fuzz/test-cli-args

# The guest-side fuzzer of the control device (static, into the guest image).
FPHINT_IOCTL_FUZZ := $(BUILD)/bin/fphint-ioctl-fuzz
$(FPHINT_IOCTL_FUZZ): fuzz/fphint-ioctl-fuzz.c include/fphint_ioctl.h include/fphint_stats.h \
		include/fphint_stats.def include/fphint_layout.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -static -o $@ $<
ALL_TARGETS += $(FPHINT_IOCTL_FUZZ)
GUEST_EXTRA_FILES += $(FPHINT_IOCTL_FUZZ)
TESTS_MIGRATE += $(TOP)/fuzz/test-ioctl-fuzz-guest
