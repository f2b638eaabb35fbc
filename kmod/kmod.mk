# kmod fragment: the fphint_balloon kernel module, built against the headers
# of the kernel the guest boots (FPHINT_GUEST, guest/matrix.mk): the
# cloud flavour's own, or the vermagic differs.
KMOD_KDIR ?= $(GUEST_KDIR)
KMOD_OUT := $(BUILD)/kmod$(GUEST_SUFFIX)
KMOD_KO := $(KMOD_OUT)/fphint_balloon.ko
KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h) $(TOP)/kmod/Kbuild
KMOD_DEPS := $(KMOD_SRCS) $(wildcard $(TOP)/include/*.h $(TOP)/include/*.def)

# Kbuild writes next to its sources: build from a copy under build/.
$(KMOD_KO): $(KMOD_DEPS)
	@test -f "$(KMOD_KDIR)/Makefile" || { echo "kmod: no headers in '$(KMOD_KDIR)' for FPHINT_GUEST=$(FPHINT_GUEST) (make deps, or deps-matrix for 6.12)"; exit 1; }
	@mkdir -p $(KMOD_OUT)
	@cp $(KMOD_SRCS) $(KMOD_OUT)/
	$(MAKE) --no-print-directory -C $(KMOD_KDIR) M=$(KMOD_OUT) \
		FPHINT_INCLUDE=$(TOP)/include FPHINT_WERROR=-Werror modules

.PHONY: kmod
kmod: $(KMOD_KO)
ALL_TARGETS += $(KMOD_KO)
GUEST_EXTRA_FILES += $(KMOD_KO)

# The control device's test program, run inside the guest (static).
FPHINT_CTL_TEST := $(BUILD)/bin/fphint-ctl-test
$(FPHINT_CTL_TEST): $(TOP)/tests/kmod/fphint-ctl-test.c $(TOP)/include/fphint_ioctl.h \
		    $(TOP)/include/fphint_stats.h $(TOP)/include/fphint_stats.def \
		    $(TOP)/include/fphint_layout.h \
		    $(TOP)/user/fphint_expo.c $(TOP)/user/fphint_expo.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -I$(TOP)/user -static -o $@ $< $(TOP)/user/fphint_expo.c
ALL_TARGETS += $(FPHINT_CTL_TEST)
GUEST_EXTRA_FILES += $(FPHINT_CTL_TEST)

# Strands a balloon interrupt, for the INTx resync test (guest, static).
FPHINT_INTX_STRAND := $(BUILD)/bin/fphint-intx-strand
$(FPHINT_INTX_STRAND): $(TOP)/tests/kmod/fphint-intx-strand.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -static -o $@ $<
ALL_TARGETS += $(FPHINT_INTX_STRAND)
GUEST_EXTRA_FILES += $(FPHINT_INTX_STRAND)

# checkpatch.pl --strict over the module, from the guest kernel's own source
# package (linux-source-6.1): the script and its two data files are
# extracted once per machine into FPHINT_CACHE (reading the 138 MB tarball
# for them takes half a minute, every fresh clone's `make test` paid it),
# again when the package brings a newer tarball; into build/checkpatch/
# when FPHINT_CACHE is empty or not writable.  Extracted beside, then
# renamed: two trees may extract at once.
KMOD_CHECKPATCH_DIR := $(if $(and $(strip $(FPHINT_CACHE)),$(shell test -w '$(FPHINT_CACHE)' && echo y)),$(FPHINT_CACHE)/checkpatch-6.1,$(BUILD)/checkpatch)
KMOD_CHECKPATCH := $(KMOD_CHECKPATCH_DIR)/scripts/checkpatch.pl
KMOD_LINUX_SRC_TAR ?= $(lastword $(sort $(wildcard /usr/src/linux-source-6.1*.tar.xz)))
$(KMOD_CHECKPATCH): $(KMOD_LINUX_SRC_TAR)
	@test -n "$(KMOD_LINUX_SRC_TAR)" || { echo "check-kmod: no /usr/src/linux-source-6.1.tar.xz (make deps)"; exit 1; }
	@rm -rf $(KMOD_CHECKPATCH_DIR).new.$$$$ && mkdir -p $(KMOD_CHECKPATCH_DIR).new.$$$$ && \
	tar -xJf $(KMOD_LINUX_SRC_TAR) -C $(KMOD_CHECKPATCH_DIR).new.$$$$ --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' && \
	touch $(KMOD_CHECKPATCH_DIR).new.$$$$/scripts/checkpatch.pl && \
	rm -rf $(KMOD_CHECKPATCH_DIR) && mv -T $(KMOD_CHECKPATCH_DIR).new.$$$$ $(KMOD_CHECKPATCH_DIR) || \
	{ rm -rf $(KMOD_CHECKPATCH_DIR).new.$$$$; test -e $@; }
	@echo "check-kmod: checkpatch.pl extracted into $(KMOD_CHECKPATCH_DIR)"

.PHONY: check-kmod
# An out-of-tree module for two kernels (docs/matrix.md) needs version
# checks (kmod/fphint_compat.h): checkpatch's in-tree advice against
# LINUX_VERSION_CODE, which it also reads as a constant on the left, is off.
# The hint path calls mm's page-flag helpers (__ClearPageBuddy, ...), which
# --no-tree cannot find in a tree and would report as CamelCase.
# --strict looks for CamelCase names in $root/include (it complains
# without a root) and leaves a .checkpatch-camelcase.* cache file in the
# current directory, or uses git's list of headers when that directory
# has a .git: so it runs in, and is rooted at, a directory of this tree's
# build/ with an empty include/ (not the shared cache, which another tree
# may be replacing).
KMOD_CHECKPATCH_ROOT := $(BUILD)/checkpatch-root
check-kmod: $(KMOD_CHECKPATCH)
	mkdir -p $(KMOD_CHECKPATCH_ROOT)/include
	cd $(KMOD_CHECKPATCH_ROOT) && perl $(KMOD_CHECKPATCH) --no-tree --root=$(KMOD_CHECKPATCH_ROOT) \
		--strict --quiet --summary-file \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,CAMELCASE -f \
		$(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h) $(TOP)/include/fphint_ioctl.h
	@echo "check-kmod: checkpatch clean"

TESTS_UNIT += $(TOP)/tests/kmod/test_checkpatch.sh
TESTS_MIGRATE += $(TOP)/tests/migrate/test_fphint_ctl_balloon.py \
	$(TOP)/tests/migrate/test_fphint_migrate.py \
	$(TOP)/tests/migrate/test_fphint_balloon_duties.py
