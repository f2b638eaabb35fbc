#!/usr/bin/env python3
"""`make demo`'s verdict on made-up results: a baseline's kernel problem or
lost data is a finding (exit 0), the same in an fphint row fails the demo,
fphint's figures count, fphint not built is "could not run", and every
kernel problem line is printed."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo  # noqa: E402


def run(label, kernel=(), integrity="pass", stall=(3.0, 2.0), allocstall=0):
    r = {"label": label, "integrity": integrity, "dst_kernel_clean": not kernel,
         "kernel_problems": list(kernel)}
    if label == "churn":  # the stall probe's figures (in rounds, before)
        r.update(max_stall_in_rounds_ms=stall[0], max_stall_before_ms=stall[1],
                 allocstall_delta=allocstall)
    return r


def mode(ratio=1.04, dip=0.0, runs=None, hold_pct=100.0, downtime=(20, 15)):
    runs = runs if runs is not None else [run("idle"), run("churn")]
    return {"status": "measured", "runs": runs, "planned_runs": 2, "ratio": ratio,
            "memfree_dip_pct": dip, "lock_hold_within_1ms_min_pct": hold_pct,
            "hint_helper": {"max_lock_hold_ms": 0.05}, "downtime_ms": downtime[0],
            "stock_downtime_ms": downtime[1]}


def verdict(results):
    for m, e in results.items():
        if e["status"] == "measured":
            demo.evaluate(m, e)
    return demo.verdict(results)


LOCKUP = "watchdog: BUG: soft lockup - CPU#1 stuck for 45s! [swapper/1:0]"
RIP = "RIP: 0010:native_safe_halt+0xb/0x10"
failures = []


def expect(name, results, want_status, want_lines=()):
    status, lines = verdict(results)
    text = "\n".join(lines)
    ok = status == want_status and all(w in text for w in want_lines)
    print("%s: %s (exit %d)" % ("ok" if ok else "FAIL", name, status))
    if not ok:
        failures.append(name)
        print("    " + text.replace("\n", "\n    "))
    return results


r = expect("all met", {"none": mode(ratio=6.0, dip=0), "stock": mode(ratio=6.1, dip=96.7),
                       "fphint": mode(), demo.LINE_RATE: mode(ratio=1.3)}, 0,
           ["fphint check: idle ratio (normal + zero) / in-use <= 1.05: met (1.0400)",
            "demo: fphint's figures and checks met"])
assert r["stock"]["verdict"] == "no findings" and r["fphint"]["verdict"] == "met", r
r = expect("stock soft lockup is a finding, printed in full",
           {"stock": mode(runs=[run("idle"), run("churn", [LOCKUP, RIP])]), "fphint": mode()}, 0,
           ["finding about the stock baseline: churn run 2: destination kernel log: " + LOCKUP,
            "finding about the stock baseline: churn run 2: destination kernel log: " + RIP,
            "finding about the stock baseline: clean destination kernel log, every run: NOT met"])
assert r["stock"]["verdict"] == "findings: dst_kernel" and r["stock"]["role"] == "baseline", r["stock"]
expect("none losing data is a finding", {"none": mode(runs=[run("idle", integrity="fail")]),
                                          "fphint": mode()}, 0,
       ["finding about the none baseline: kept data intact"])
expect("fphint destination kernel problem fails",
       {"stock": mode(), "fphint": mode(runs=[run("idle"), run("churn", [LOCKUP])])}, 1,
       ["fphint: churn run 2: destination kernel log: " + LOCKUP,
        "fphint check: clean destination kernel log, every run: NOT met (1 of 2 runs)",
        "demo: FAILED: fphint's figures or checks not met for fphint"])
expect("fphint@line-rate kernel problem fails",
       {"fphint": mode(), demo.LINE_RATE: mode(ratio=1.9, runs=[run("idle", [RIP]), run("i")])},
       1, ["fphint@line-rate: idle run 1: destination kernel log: " + RIP])
expect("fphint ratio over 1.05 fails", {"fphint": mode(ratio=1.06)}, 1,
       ["idle ratio (normal + zero) / in-use <= 1.05: NOT met (1.0600)"])
expect("fphint MemFree dip fails", {"fphint": mode(dip=5.5)}, 1, ["NOT met (dip 5.50%)"])
expect("fphint lock held over 1 ms too often fails", {"fphint": mode(hold_pct=80.0)}, 1,
       ["zone->lock held <= 1 ms in at least 95% of batches, every run: NOT met (80.0%"])
expect("fphint stalls during hint rounds fail",
       {"fphint": mode(runs=[run("idle"), run("churn", stall=(163.0, 20.0))])}, 1,
       ["NOT met (in rounds 163.0 ms, before 20.0 ms)"])
expect("fphint direct reclaim fails",
       {"fphint": mode(runs=[run("idle"), run("churn", allocstall=3)])}, 1,
       ["no direct reclaim during migrations (churn runs): NOT met (deltas [3])"])
expect("fphint downtime over stock's + 10 ms fails", {"fphint": mode(downtime=(54, 13))}, 1,
       ["downtime median <= stock's + 10 ms: NOT met (54 ms (stock 13 ms))"])
expect("fphint run cut short fails", {"fphint": dict(mode(runs=[run("idle")]), error="guest gone")},
       1, ["every run (idle and churn) completed: NOT met (1 of 2 runs; error: guest gone)"])
expect("fphint not built: could not run",
       {"stock": mode(), "fphint": {"status": "not built yet", "missing": ["fphintd"]}}, 3,
       ["demo: fphint could not be measured: not built yet (fphintd)"])
expect("baselines only, with problems", {"stock": mode(runs=[run("idle", [LOCKUP])])}, 0,
       ["finding about the stock baseline"])
print("FAIL: %s" % ", ".join(failures) if failures else "PASS")
sys.exit(1 if failures else 0)
