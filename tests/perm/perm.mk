# perm fragment (included from tests/soak/soak.mk): pinned maps, the control
# device and /proc/kpageflags are root-only, and an unprivileged user is
# refused, on the host (TESTS_KERNEL) and in the guest (TESTS_MIGRATE).
FPHINT_PERM_PROBE := $(BUILD)/bin/fphint-perm-probe
$(FPHINT_PERM_PROBE): tests/perm/fphint-perm-probe.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -static -o $@ $<
ALL_TARGETS += $(FPHINT_PERM_PROBE)
GUEST_EXTRA_FILES += $(FPHINT_PERM_PROBE)
TESTS_KERNEL += $(TOP)/tests/perm/test-perm-host
TESTS_MIGRATE += $(TOP)/tests/perm/guest-test-perm
