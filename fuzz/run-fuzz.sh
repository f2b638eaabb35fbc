#!/bin/bash
# make fuzz: runs each libFuzzer target for FUZZ_SECONDS (default 60) with
# its working corpus in OUT/corpus/TARGET (seeded from fuzz/corpus/TARGET)
# and crash files in OUT/crashes/TARGET, and writes one line per target to
# OUT/report.txt: seconds, executions, coverage (edges), features, corpus
# size, crashes.  Usage: run-fuzz.sh OUT TARGET...
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
shift
secs=${FUZZ_SECONDS:-60}
report=$out/report.txt
mkdir -p "$out"
{
	echo "# fphint fuzz run $(date -u +%Y-%m-%dT%H:%M:%SZ), $secs s per target, $(clang --version | head -n 1)"
	printf '%-12s %8s %12s %8s %8s %8s %8s\n' target seconds execs cov ft corpus crashes
} >"$report"
rc=0
for t in "$@"; do
	corpus=$out/corpus/$t crashes=$out/crashes/$t log=$out/$t.log
	# Crash files are per run: one worth keeping is copied into
	# fuzz/corpus/TARGET/ (with the fix) and replays in the unit suite.
	rm -rf "$crashes"
	mkdir -p "$corpus" "$crashes"
	# Seeds: fuzz/corpus/TARGET (also replayed by the unit suite) or,
	# for targets that cannot replay without root, fuzz/seeds/TARGET.
	cp -n "$top/fuzz/corpus/$t/"* "$top/fuzz/seeds/$t/"* "$corpus/" 2>/dev/null
	echo "fuzz: $t for ${secs}s (log $log)"
	"$out/bin/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=1024 -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1
	frc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	ncorp=$(find "$corpus" -type f | wc -l)
	ncrash=$(find "$crashes" -type f | wc -l)
	printf '%-12s %8s %12s %8s %8s %8s %8s\n' "$t" "$secs" "${execs:-?}" "${cov:-?}" \
		"${ft:-?}" "$ncorp" "$ncrash" >>"$report"
	if [ $frc -ne 0 ] || [ "$ncrash" -gt 0 ]; then
		echo "fuzz: $t found a crash (exit $frc): see $crashes and $log"
		rc=1
	fi
done
cat "$report"
exit $rc
