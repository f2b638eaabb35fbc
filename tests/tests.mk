# Test registration.  Each area appends executables (scripts or binaries
# built into build/) to one of these lists; `make test` runs them in this
# order through tests/run-suite, which prints the closing summary line.
#   TESTS_UNIT    pure C, no root needed, seconds
#   TESTS_KERNEL  against this machine's real kernel (root, BPF), minutes
#   TESTS_MIGRATE live migrations of a QEMU guest, the slow part
TESTS_UNIT ?=
TESTS_KERNEL ?=
TESTS_MIGRATE ?=

# Style: the C outside kmod/ follows .clang-format (kmod/ is checkpatch's).
TESTS_UNIT += $(TOP)/tests/style/test-format

.PHONY: test-unit test-kernel test-migrate test-all-suites
test-unit: all
	@$(TOP)/tests/run-suite $(TESTS_UNIT)
test-kernel: all
	@$(TOP)/tests/run-suite $(TESTS_KERNEL)
test-migrate: all
	@$(TOP)/tests/run-suite $(TESTS_MIGRATE)
# One suite, one summary line, for `make test`.
test-all-suites: all
	@$(TOP)/tests/run-suite $(TESTS_UNIT) $(TESTS_KERNEL) $(TESTS_MIGRATE)
TEST_TARGETS += test-all-suites
