# user fragment: the fphint CLI (static), the pure-C library pieces it
# shares with fphintd (ranges, JSON, config, truth oracle; appended to
# LIBFPHINT_SRCS, built into libfphint.a by user/agent.mk), the cmocka unit
# tests and the kernel churn tests.
#
# Included before user/agent.mk: variables that agent.mk defines are only
# used inside recipes here (expanded late), never in prerequisites.
LIBFPHINT_SRCS += user/fphint_ranges.c user/fphint_json.c user/fphint_config.c \
	user/fphint_truth.c

USER_CFLAGS := $(CFLAGS_COMMON) -I$(TOP)/user -I$(BUILD)/include
FPHINT_CLI := $(BUILD)/bin/fphint
FPHINT_CLI_OBJS := $(BUILD)/obj/cli/fphint.o

$(BUILD)/obj/cli/%.o: user/%.c $(wildcard user/*.h include/*.h include/*.def) $(FPHINT_SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c $< -o $@

# Static, like fphintd, so it also runs inside the guest's busybox initramfs.
$(FPHINT_CLI): $(FPHINT_CLI_OBJS) $(BUILD)/lib/libfphint.a
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $^ $(LIBBPF_STATIC_LIBS)

ALL_TARGETS += $(FPHINT_CLI)

# ---- unit tests (cmocka, pure C, no root) ----
# Built from the library sources directly, not from libfphint.a, so they
# need neither libbpf nor the BPF skeletons.
UNIT_CFLAGS := $(CFLAGS_COMMON) -I$(TOP)/user
UNIT_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
UNIT_TESTS := ranges json config expo
UNIT_BINS := $(patsubst %,$(BUILD)/tests/unit/test_%,$(UNIT_TESTS))

$(BUILD)/obj/unit/%.o: user/%.c $(wildcard user/*.h include/*.h include/*.def)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -c $< -o $@
$(BUILD)/obj/unit/test_%.o: tests/unit/test_%.c $(wildcard user/*.h include/*.h include/*.def)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -c $< -o $@
$(BUILD)/tests/unit/test_%: $(BUILD)/obj/unit/test_%.o $(BUILD)/obj/unit/fphint_%.o
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(UNIT_LIBS) -lm

.SECONDARY: $(patsubst %,$(BUILD)/obj/unit/test_%.o,$(UNIT_TESTS)) \
	$(patsubst %,$(BUILD)/obj/unit/fphint_%.o,$(UNIT_TESTS))
.PHONY: unit
unit: $(UNIT_BINS)
	@$(TOP)/tests/run-suite $(UNIT_BINS)

ALL_TARGETS += $(UNIT_BINS)
TESTS_UNIT += $(UNIT_BINS)
# CLI bad-input tests and churn scenarios: scripts, real kernel, root.
TESTS_KERNEL += $(sort $(wildcard $(TOP)/tests/kernel/test-*))
# The oracle inside the Debian 6.1 guest (one QEMU boot, seconds).
TESTS_MIGRATE += $(TOP)/tests/kernel/guest-test-verify
