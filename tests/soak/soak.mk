# soak fragment: fault and soak migrations under memory pressure.
#   make soak            50 ping-pong fphint migrations with faults (not in make test)
#   SOAK_MIGRATIONS=N    another count
# A 5-migration version with the same faults is in TESTS_MIGRATE.
# The permission tests' fragment comes along (the top Makefile includes
# this one only).
include tests/perm/perm.mk
FPHINT_PRESSURE := $(BUILD)/bin/fphint-pressure
$(FPHINT_PRESSURE): tests/soak/fphint-pressure.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -static -o $@ $<
ALL_TARGETS += $(FPHINT_PRESSURE)
GUEST_EXTRA_FILES += $(FPHINT_PRESSURE)
# zram swap in the soak's guest (the Debian kernel's own modules): with no
# disk, swap to compressed RAM is what lets reclaim take anonymous pages.
# Expanded where guest.mk sorts the list, after it has found GUEST_KVER.
GUEST_EXTRA_FILES += $(wildcard /lib/modules/$(GUEST_KVER)/kernel/mm/zsmalloc.ko \
	/lib/modules/$(GUEST_KVER)/kernel/drivers/block/zram/zram.ko \
	/lib/modules/$(GUEST_KVER)/kernel/crypto/lzo-rle.ko)

SOAK_MIGRATIONS ?= 50
.PHONY: soak
soak: all
	@mkdir -p $(BUILD)/soak
	@python3 $(TOP)/tests/soak/soak.py --migrations $(SOAK_MIGRATIONS) \
		--out $(BUILD)/soak/soak-$(SOAK_MIGRATIONS).json

TESTS_MIGRATE += $(TOP)/tests/soak/test-soak-short
