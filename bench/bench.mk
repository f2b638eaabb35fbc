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
