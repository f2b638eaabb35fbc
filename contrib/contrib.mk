# contrib fragment (issue 5): metrics in fphintd, Prometheus/Grafana
# material, bpftool inspection tests, Debian packages.
#
# Included after user/user.mk and BEFORE user/agent.mk: the metrics server
# is a libfphint.a member, and agent.mk expands LIBFPHINT_SRCS into the
# archive's prerequisites when it is read.
LIBFPHINT_SRCS += user/fphint_metrics.c user/fphint_expo.c user/fphint_webconfig.c
# The metrics server's libraries: libmicrohttpd (HTTP, TLS through GnuTLS),
# libyaml (the web configuration file), libxcrypt (bcrypt).  Debian ships
# no static p11-kit, which GnuTLS needs: fphintd links them dynamically.
METRICS_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd yaml-0.1 libcrypt 2>/dev/null || \
	echo -lmicrohttpd -lyaml -lcrypt)

# The host has no fphint_balloon: the metrics tests preload this fake
# /dev/fphint into fphintd (tests/metrics/fphint_fake_module.c).
FPHINT_FAKE_MODULE := $(BUILD)/tests/metrics/fphint_fake_module.so
$(FPHINT_FAKE_MODULE): tests/metrics/fphint_fake_module.c include/fphint_ioctl.h \
		include/fphint_stats.h include/fphint_stats.def
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -shared -fPIC -o $@ $< -ldl
ALL_TARGETS += $(FPHINT_FAKE_MODULE)

# Prometheus scrape + dashboard queries + console screenshot, bpftool.
TESTS_KERNEL += $(sort $(wildcard $(TOP)/tests/metrics/test-*)) \
	$(sort $(wildcard $(TOP)/tests/bpftool/test-*))
# The hint metrics in the guest with debugfs unmounted (one migration).
TESTS_MIGRATE += $(TOP)/tests/metrics/guest-test-metrics

# Debian packages (build from a copy under build/deb; the work tree stays
# clean) and the install tests in debootstrapped Debian 12 and 13 roots
# (plus Debian 12 with the backports 6.12 kernel).  Neither is part of
# `make test`: see docs/testing.md.
.PHONY: deb test-package
deb:
	@$(TOP)/contrib/deb/build-deb
test-package: deb
	@$(TOP)/tests/run-suite $(addprefix $(TOP)/tests/package/,test-install test-install-6.12 \
		test-install-trixie)
# Boots the packaged roots under QEMU (minutes): not in `make test` either.
.PHONY: test-package-boot
test-package-boot: deb
	@$(TOP)/tests/run-suite $(TOP)/tests/package/test-boot $(TOP)/tests/package/test-boot-trixie
