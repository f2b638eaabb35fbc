# The test matrix's two settings (docs/matrix.md), make variables or
# environment, exported to the tests:
#   FPHINT_GUEST=6.1|6.12  the guest kernel: its vmlinuz, the module tree the
#                          initramfs takes virtio modules from, and the headers
#                          fphint_balloon is built against, chosen together.
#   FPHINT_QEMU=7.2|10     the host QEMU, read by tests/migrate/fphint_bench.py.
# 6.1 and QEMU 7.2 are the machine's own (make deps); 6.12 and QEMU 10 come
# from bookworm-backports into FPHINT_CACHE (make deps-matrix), which
# writes FPHINT_CACHE/matrix.env, the one home of their paths.
# Included before kmod/kmod.mk and guest/guest.mk, which use GUEST_*.
FPHINT_GUEST ?= 6.1
FPHINT_CACHE ?= /var/cache/fphint
export FPHINT_GUEST FPHINT_CACHE
ifdef FPHINT_QEMU
export FPHINT_QEMU
endif
MATRIX_ENV := $(FPHINT_CACHE)/matrix.env

ifeq ($(FPHINT_GUEST),6.1)
# The machine's kernel, found by glob: Debian's ABI number moves.
GUEST_ROOT :=
GUEST_KVER ?= $(lastword $(sort $(notdir $(wildcard /lib/modules/6.1.*-cloud-amd64))))
GUEST_SUFFIX :=
else ifeq ($(FPHINT_GUEST),6.12)
# Fetched on demand: make remakes a missing matrix.env, then restarts.
-include $(MATRIX_ENV)
GUEST_ROOT := $(FPHINT_M_ROOT)
GUEST_KVER := $(FPHINT_M_KVER)
# Outputs of a non-default guest kernel live apart (build/guest-6.12,
# build/kmod-6.12); fphint_bench.py follows the same rule.
GUEST_SUFFIX := -$(FPHINT_GUEST)
$(MATRIX_ENV):
	@$(TOP)/scripts/fetch-matrix.sh
else
$(error FPHINT_GUEST=$(FPHINT_GUEST): must be 6.1 or 6.12)
endif
GUEST_MODDIR := $(GUEST_ROOT)/lib/modules/$(GUEST_KVER)
GUEST_VMLINUZ := $(GUEST_ROOT)/boot/vmlinuz-$(GUEST_KVER)
GUEST_KDIR := $(GUEST_ROOT)/usr/src/linux-headers-$(GUEST_KVER)

# Fetches the 6.12 kernel and QEMU 10 (idempotent: only checks when there).
# Targets needing them depend on it; `make deps` stays the default pair.
.PHONY: deps-matrix
deps-matrix:
	@$(TOP)/scripts/fetch-matrix.sh
