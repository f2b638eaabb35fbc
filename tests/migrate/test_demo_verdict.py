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


def run(label, kernel=(), integrity="pass"):
    return {"label": label, "integrity": integrity, "dst_kernel_clean": not kernel,
            "kernel_problems": list(kernel)}


def mode(ratio=1.04, dip=0.0, runs=None):
    runs = runs if runs is not None else [run("idle"), run("churn")]
    return {"status": "measured", "runs": runs, "planned_runs": 2, "ratio": ratio,
            "memfree_dip_pct": dip}


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
                       "fphint": mode(), demo.LINE_RATE: mode(ratio=1.6)}, 0,
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
expect("fphint MemFree dip fails", {"fphint": mode(dip=3.0)}, 1, ["NOT met (dip 3.00%)"])
expect("fphint run cut short fails", {"fphint": dict(mode(runs=[run("idle")]), error="guest gone")},
       1, ["every run (idle and churn) completed: NOT met (1 of 2 runs; error: guest gone)"])
expect("fphint not built: could not run",
       {"stock": mode(), "fphint": {"status": "not built yet", "missing": ["fphintd"]}}, 3,
       ["demo: fphint could not be measured: not built yet (fphintd)"])
expect("baselines only, with problems", {"stock": mode(runs=[run("idle", [LOCKUP])])}, 0,
       ["finding about the stock baseline"])
print("FAIL: %s" % ", ".join(failures) if failures else "PASS")
sys.exit(1 if failures else 0)
