# benchmarks (make bench-overhead): filled in by its owner
