# contrib fragment (issue 5): metrics in fphintd, Prometheus/Grafana
# material, bpftool inspection tests, Debian packages.
#
# Included after user/user.mk and BEFORE user/agent.mk: the metrics server
# is a libfphint.a member, and agent.mk expands LIBFPHINT_SRCS into the
# archive's prerequisites when it is read.
LIBFPHINT_SRCS += user/fphint_metrics.c

# Prometheus scrape + dashboard queries + console screenshot, bpftool.
TESTS_KERNEL += $(sort $(wildcard $(TOP)/tests/metrics/test-*)) \
	$(sort $(wildcard $(TOP)/tests/bpftool/test-*))

# Debian packages (build from a copy under build/deb; the work tree stays
# clean) and the install test in a debootstrapped Debian 12 root.  Neither
# is part of `make test`: see README.md.
.PHONY: deb test-package
deb:
	@$(TOP)/contrib/deb/build-deb
test-package: deb
	@$(TOP)/tests/run-suite $(TOP)/tests/package/test-install $(TOP)/tests/package/test-install-6.12
# Boots the packaged root under QEMU (minutes): not in `make test` either.
.PHONY: test-package-boot
test-package-boot: deb
	@$(TOP)/tests/run-suite $(TOP)/tests/package/test-boot
