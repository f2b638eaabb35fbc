# guest fragment: the migration bench's guest (kernel + busybox initramfs),
# its workload, the migration tests and `make demo`.
#
# GUEST_EXTRA_FILES: project files that must also run in the guest.  Other
# fragments may append to it; a file that does not exist (not built yet) is
# left out of the image, and the image is rebuilt when one appears or changes.
# The guest kernel (GUEST_KVER, GUEST_VMLINUZ, GUEST_MODDIR) is chosen by
# FPHINT_GUEST in guest/matrix.mk, with the module's headers.
GUEST_DIR := $(BUILD)/guest$(GUEST_SUFFIX)
GUEST_KERNEL := $(GUEST_DIR)/vmlinuz
GUEST_INITRAMFS := $(GUEST_DIR)/initramfs.cpio.gz
GUEST_MANIFEST := $(GUEST_DIR)/inputs.manifest
FPHINT_WORKLOAD := $(BUILD)/bin/fphint-workload
GUEST_EXTRA_FILES += $(BUILD)/bin/fphintd $(BUILD)/bin/fphint $(KMOD_KO)
GUEST_EXTRA_FILES := $(sort $(GUEST_EXTRA_FILES))
# Extras that other fragments build (they are in ALL_TARGETS) are built
# before the image is packed; order only: the manifest tracks their changes.
GUEST_BUILD_FIRST = $(filter $(GUEST_EXTRA_FILES),$(ALL_TARGETS))

.PHONY: guest demo FORCE
guest: $(GUEST_KERNEL) $(GUEST_INITRAMFS)
ALL_TARGETS += guest

$(FPHINT_WORKLOAD): guest/fphint-workload.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -static -pthread -o $@ $<

$(GUEST_KERNEL): $(GUEST_VMLINUZ)
	@mkdir -p $(@D)
	@test -n "$(GUEST_KVER)" || { echo "guest: no $(FPHINT_GUEST) cloud kernel (make deps, or deps-matrix for 6.12)"; exit 1; }
	cp $< $@

# Names, sizes and times of the optional extras; rewritten only when they
# change, so the image follows them without rebuilding every time.
$(GUEST_MANIFEST): FORCE | $(GUEST_BUILD_FIRST)
	@mkdir -p $(@D)
	@new=$@.$$$$; { echo "kver $(GUEST_KVER)"; for f in $(GUEST_EXTRA_FILES); do \
		if [ -e $$f ]; then stat -c '%n %s %Y' $$f; else echo "$$f absent"; fi; done; } >$$new; \
	if cmp -s $$new $@; then rm -f $$new; else mv $$new $@; fi

$(GUEST_INITRAMFS): guest/init guest/mkinitramfs.sh $(FPHINT_WORKLOAD) $(GUEST_MANIFEST)
	@mkdir -p $(@D)
	guest/mkinitramfs.sh $@ $(GUEST_MODDIR) guest/init $(FPHINT_WORKLOAD) $(GUEST_EXTRA_FILES)

FORCE:

# The README's main command: every mode, idle figures and churn integrity.
# DEMO_ARGS passes options, e.g. DEMO_ARGS="--modes stock --max-bandwidth-mib 64"
# (default 128 MiB/s, QEMU's own default; --line-rate-runs 0 skips the unlimited fphint row).
# Its host is QEMU 10 with a round RAM size, unless FPHINT_QEMU says otherwise
# (docs/matrix.md: QEMU 7.2 needs an odd size, whose slow dirty sync
# freezes the guest through the migration's setup); FPHINT_GUEST as usual.
# If someone's part does not build, the demo still runs the modes that can:
# the image is packed from what exists and missing modes say "not built yet".
DEMO_QEMU := $(or $(FPHINT_QEMU),10)
demo:
	@$(MAKE) --no-print-directory deps
	@$(if $(filter 10,$(DEMO_QEMU)),$(MAKE) --no-print-directory deps-matrix)
	@$(MAKE) --no-print-directory all || { \
		echo "demo: 'make all' failed; packing the guest from what was built"; \
		$(MAKE) --no-print-directory guest GUEST_BUILD_FIRST=; }
	@FPHINT_QEMU=$(DEMO_QEMU) python3 $(TOP)/tests/migrate/demo.py --out $(BUILD)/demo/results.json $(DEMO_ARGS)

# Guests of 2, 16 and 32 GiB, idle and busy, every mode, line rate and
# 128 MiB/s, on QEMU 10 (docs/bench.md): build/bench-scale/results.json and a
# table.  30-70 minutes here; SCALE_ARGS narrows it, e.g. SCALE_ARGS="--sizes 2,16".
.PHONY: bench-scale
bench-scale:
	@$(MAKE) --no-print-directory deps deps-matrix
	@$(MAKE) --no-print-directory all
	@FPHINT_QEMU=10 python3 $(TOP)/tests/migrate/bench_scale.py --out $(BUILD)/bench-scale/results.json $(SCALE_ARGS)

# demo.py on every guest kernel x host, one table: build/test-matrix/table.txt.
# Long (four demos); DEMO_ARGS go to each, e.g. DEMO_ARGS="--idle 2 --churn 1".
.PHONY: test-matrix
test-matrix:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all FPHINT_GUEST=6.1
	@$(MAKE) --no-print-directory all FPHINT_GUEST=6.12
	@python3 $(TOP)/tests/migrate/matrix.py --out-dir $(BUILD)/test-matrix -- $(DEMO_ARGS)
# Its verdict (what fails the demo, what is a finding about a baseline).
TESTS_UNIT += $(TOP)/tests/migrate/test_demo_verdict.py

TESTS_MIGRATE += $(TOP)/tests/migrate/test_migrate_none.py \
	$(TOP)/tests/migrate/test_migrate_stock.py \
	$(TOP)/tests/migrate/test_migrate_broken.py
# Needs root (pagemap pfns, /proc/PID/mem): a kernel-suite test, seconds.
TESTS_KERNEL += $(TOP)/tests/migrate/test_workload_host.py
