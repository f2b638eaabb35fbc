# agent fragment: libfphint.a (pins, kpageflags oracle, reconcile,
# hand-over) and fphintd.  user/user.mk (included before this
# file) appends its library sources to LIBFPHINT_SRCS and builds
# build/bin/fphint itself; link it with $(LIBFPHINT) $(LIBBPF_STATIC_LIBS).
LIBFPHINT_SRCS += user/fphint_pins.c user/fphint_kpage.c user/fphint_tracker.c \
	user/fphint_handover.c
LIBFPHINT := $(BUILD)/lib/libfphint.a
LIBFPHINT_OBJS = $(patsubst user/%.c,$(BUILD)/obj/lib/%.o,$(LIBFPHINT_SRCS))
LIBBPF_STATIC_LIBS := $(shell $(PKG_CONFIG) --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
AGENT_CFLAGS := $(CFLAGS_COMMON) -I$(TOP)/user -I$(BUILD)/include
FPHINTD_SRCS := user/fphintd.c $(wildcard user/fphint_agent_*.c)
FPHINTD_OBJS := $(patsubst user/%.c,$(BUILD)/obj/agent/%.o,$(FPHINTD_SRCS))

# Objects depend on every skeleton: any user file may embed one.
AGENT_HDRS := $(wildcard user/*.h include/*.h include/*.def)
$(BUILD)/obj/lib/%.o: user/%.c $(AGENT_HDRS) $(FPHINT_SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -c $< -o $@
$(BUILD)/obj/agent/%.o: user/%.c $(AGENT_HDRS) $(FPHINT_SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -c $< -o $@

$(LIBFPHINT): $(LIBFPHINT_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Dynamic, unlike the other binaries: see METRICS_LIBS (contrib/contrib.mk).
$(BUILD)/bin/fphintd: $(FPHINTD_OBJS) $(LIBFPHINT)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LIBBPF_STATIC_LIBS) $(METRICS_LIBS)

ALL_TARGETS += $(LIBFPHINT) $(BUILD)/bin/fphintd
TESTS_KERNEL += $(sort $(wildcard $(TOP)/tests/agent/test-*))

# Agent tests: C tests are built (static) to build/tests/agent/test-*,
# scripts in tests/agent/test-* run as they are; tests/agent/guest-test-*
# boot the bench guest (QEMU) and run the agent there.
AGENT_TEST_LIBS := $(BUILD)/obj/agent/fphint_agent_load.o $(LIBFPHINT) $(LIBBPF_STATIC_LIBS)
$(BUILD)/tests/agent/test-pfn-crosscheck: tests/agent/fphint_test_pfncheck.c $(FPHINT_SKELS) \
		$(call fphint_bpf_skel,fphint_pfncheck.bpf.c) $(AGENT_HDRS) \
		$(BUILD)/obj/agent/fphint_agent_load.o $(LIBFPHINT)
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -static -o $@ $< $(AGENT_TEST_LIBS)
$(BUILD)/tests/agent/test-tracking: tests/agent/fphint_test_tracking.c $(AGENT_HDRS) $(LIBFPHINT)
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -static -o $@ $< $(LIBFPHINT) $(LIBBPF_STATIC_LIBS)
$(BUILD)/tests/agent/unit-kpage: tests/agent/fphint_test_kpage.c $(AGENT_HDRS) $(LIBFPHINT)
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -o $@ $< $(LIBFPHINT) $(LIBBPF_STATIC_LIBS)
ALL_TARGETS += $(BUILD)/tests/agent/unit-kpage
TESTS_UNIT += $(BUILD)/tests/agent/unit-kpage
AGENT_TEST_BINS := $(BUILD)/tests/agent/test-pfn-crosscheck $(BUILD)/tests/agent/test-tracking
ALL_TARGETS += $(AGENT_TEST_BINS)
TESTS_KERNEL += $(AGENT_TEST_BINS)
# The same static binaries run inside the Debian 6.1 guest (tests/agent/guest-*).
GUEST_EXTRA_FILES += $(AGENT_TEST_BINS)
TESTS_MIGRATE += $(sort $(wildcard $(TOP)/tests/agent/guest-test-*))
