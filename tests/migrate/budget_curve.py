#!/usr/bin/env python3
"""`make bench-budget`: fphint's in-flight budget (module parameter
inflight_mib) against what it buys, on one host: for each budget, fresh
guests migrated idle at 128 MiB/s and at line rate, then with churn and the
allocation-stall probe on.  Prints one row per budget: idle ratio at both
bandwidths, MemFree dip (sampled, or the most pages isolated), most pages
isolated, the slowest allocation during hint rounds against the 10 s
before, downtime.  Medians over --runs; results in build/bench-budget/.

  --budgets 16,64,256   inflight_mib values (MiB)
  --runs N              idle migrations per budget and bandwidth (default 2)
The host is FPHINT_QEMU's (7.2 unless set), as in the tests."""
import argparse
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402

PARAM = "/sys/module/fphint_balloon/parameters/inflight_mib"


def boot(bench, budget, churn):
    vm = bench.boot("fphint")
    vm.check("echo %d > %s" % (budget, PARAM))
    fb.start_workload(vm, churn=churn)
    return vm


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def measure(budget, runs):
    row = {"inflight_mib": budget}
    for label, bw in (("128", 128 * 2 ** 20), ("line", fb.DEFAULT_MAX_BANDWIDTH)):
        recs = []
        for i in range(runs):
            with fb.Bench("budget-%d-%s-%d" % (budget, label, i), timeout=900) as bench:
                vm = boot(bench, budget, churn=False)
                vm, rec = fb.measured_migration(bench, vm, label="idle", max_bandwidth=bw)
                fb.log("  inflight_mib %d, %s: %s" % (budget, label, fb.describe(rec)))
                recs.append(rec)
        row["ratio_" + label] = median([(r["normal_pages"] + r["zero_pages"]) / r["guest_inuse_pages"]
                                        for r in recs])
        row["dip_pct_" + label] = median([fb.memfree_dip_pct(r) for r in recs])
        row["downtime_ms_" + label] = median([r["downtime_ms"] for r in recs])
        row["max_isolated_pages_" + label] = max((r.get("extra") or {}).get("max_isolated_pages", 0)
                                                 for r in recs)
        row["integrity_" + label] = all(fb.record_ok(r) for r in recs)
    with fb.Bench("budget-%d-churn" % budget, timeout=900) as bench:
        vm = boot(bench, budget, churn=True)
        fb.workload(vm, "probe", "on")
        vm, rec = fb.measured_migration(bench, vm, scribble_mib=1024, label="churn",
                                        max_bandwidth=128 * 2 ** 20, stall_probe=True)
        fb.log("  inflight_mib %d, churn: %s" % (budget, fb.describe(rec)))
        for k in ("max_stall_before_ms", "max_stall_in_rounds_ms", "allocstall_delta"):
            row[k] = rec.get(k)
        row["integrity_churn"] = fb.record_ok(rec)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", default="16,64,256")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(fb.BUILD, "bench-budget", "results.json"))
    a = ap.parse_args()
    try:
        budgets = [int(b) for b in a.budgets.split(",")]
    except ValueError:
        budgets = []
    if not budgets or min(budgets) < 1 or a.runs < 1:
        print("bench-budget: --budgets takes MiB values (e.g. 16,64,256), --runs >= 1",
              file=sys.stderr)
        return 2
    rows = [measure(b, a.runs) for b in budgets]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"host_qemu": os.environ.get("FPHINT_QEMU", "7.2"), "rows": rows}, f, indent=2)
    cols = ("inflight_mib", "ratio_128", "ratio_line", "dip_pct_128", "dip_pct_line",
            "max_isolated_pages_line", "max_stall_before_ms", "max_stall_in_rounds_ms",
            "allocstall_delta", "downtime_ms_128", "downtime_ms_line")
    print("  ".join(cols))
    for r in rows:
        print("  ".join("%.4f" % r[c] if isinstance(r[c], float) else str(r[c]) for c in cols))
    print("results: %s" % a.out)
    bad = [r["inflight_mib"] for r in rows
           if not (r["integrity_128"] and r["integrity_line"] and r["integrity_churn"])]
    if bad:
        print("bench-budget: integrity or kernel check failed for inflight_mib %s" % bad)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
