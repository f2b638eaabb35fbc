# benchmarks: `make bench-overhead` (not a test, not in ALL_TARGETS).
#   make bench-overhead BENCH_PAIRS=12 BENCH_ITERS=8
BENCH_PAIRS ?= 12
BENCH_ITERS ?= 8
FPHINT_BENCH_OVERHEAD := $(BUILD)/bin/fphint-bench-overhead

$(FPHINT_BENCH_OVERHEAD): bench/fphint_bench_overhead.c $(FPHINT_SKELS) \
		$(call fphint_bpf_skel,fphint_bench_floor.bpf.c) $(AGENT_HDRS) \
		$(BUILD)/obj/agent/fphint_agent_load.o $(LIBFPHINT)
	@mkdir -p $(dir $@)
	$(CC) $(AGENT_CFLAGS) -o $@ $< $(BUILD)/obj/agent/fphint_agent_load.o $(LIBFPHINT) \
		$(LIBBPF_STATIC_LIBS)

.PHONY: bench-overhead
bench-overhead: $(FPHINT_BENCH_OVERHEAD)
	$(FPHINT_BENCH_OVERHEAD) $(BENCH_PAIRS) $(BENCH_ITERS)

# `make bench-budget`: fphint's in-flight budget (inflight_mib) against the
# idle ratio, MemFree dip and allocation stalls it buys, on FPHINT_QEMU's
# host, e.g. make bench-budget BUDGET_ARGS="--budgets 16,64,256 --runs 2".
.PHONY: bench-budget
bench-budget: all
	python3 $(TOP)/tests/migrate/budget_curve.py $(BUDGET_ARGS)
