# Model check of the hint protocol with spin (see model/fphint_hint.pml).
.PHONY: model
model:
	@$(TOP)/tests/model/test-model
TESTS_UNIT += $(TOP)/tests/model/test-model
