#!/usr/bin/env python3
"""`make demo`: migrate the same guest workload in every mode and compare.

Per mode: --idle times, boot a fresh guest, start the workload (fill 1224
MiB, free 1024 MiB, keep 200 MiB) and migrate it once without churn: these
runs give the figures, and a fresh guest each time keeps them independent
of what earlier migrations left behind (pages a previous hint kept from
being sent are zero on the next source).  The last idle guest then goes on
with the churn thread on for --churn ping-pong migrations (each destination
is the next source), each after re-scribbling 1024 MiB of free memory so
stale free pages are back: integrity under load.  Every run checks the kept region and churn buffers, the
destination's kernel log and MemFree.  A mode whose pieces are not built is
reported as "not built yet", never measured by something else.

The figures are taken at --max-bandwidth-mib, by default 128 MiB/s, QEMU
7.2's own default.  QEMU 7.2 applies a hint under its migration
bitmap_mutex, which its migration thread holds for up to 50 ms at a time
while it sends; unthrottled, it hardly lets go, every hint waits a 50 ms
window or more and the pages sent meanwhile are sent for nothing.  So fphint
is also measured unthrottled (--line-rate-runs idle migrations, row
"fphint@line-rate") to show what that costs.

Verdicts: fphint's rows ("fphint", "fphint@line-rate") are checked and any
check NOT met makes the demo exit 1; the baselines ("none", "stock") get the
same checks, and what fails there is reported as a finding about that
baseline (table column "verdict", the lines under the table, and "findings"
in the JSON), never as a failure of the demo.  Every kernel problem line of
every destination is printed.  Exit 0: fphint's figures and checks met;
1: one of them not met; 3: the demo could not measure fphint (not built);
2: bad arguments.

Writes --out (JSON): per mode the median of the idle runs for
transferred_bytes, normal_pages, zero_pages, total_ms, downtime_ms, setup_ms,
syncs, guest_inuse_pages, min_memfree_kb (and min_memfree_at_ms, the
mode's numeric "extra" counters), plus ratio (the median of the idle runs'
own ratios), integrity, dst_kernel_clean, runs (every record), role
("fphint" or "baseline"), checks (name, what, met, value), findings and
verdict; "meta" holds how the figures were taken and the exit status.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402

# QEMU 7.2's default max-bandwidth (MAX_THROTTLE), what a host runs unless tuned.
DEMO_MAX_BANDWIDTH_MIB = 128
LINE_RATE = "fphint@line-rate"
STALL_FIGURES = ("max_stall_before_ms", "max_stall_ms", "max_stall_in_rounds_ms",
                 "allocstall_delta")
FIGURES = ("transferred_bytes", "normal_pages", "zero_pages", "total_ms", "downtime_ms",
           "setup_ms", "syncs", "guest_inuse_pages", "min_memfree_kb", "min_memfree_at_ms")


def median(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    m = statistics.median(values)
    return int(m) if float(m).is_integer() else m


def boot_once_more(bench, mode, entry):
    """Boots a guest; a boot that fails (before any migration: the guest
    never became ready) is retried once, and recorded with the console tail
    in entry["boot_failures"], which the summary prints.  Migrations are
    never retried.  Bench.boot() has logged the tail and killed the guest."""
    try:
        return bench.boot(mode)
    except fb.BenchError as e:
        entry.setdefault("boot_failures", []).append(
            {"error": str(e), "console": getattr(e, "console_tail", "")})
        fb.log("%s: BOOT FAILED (%s); booting once more" % (mode, str(e).splitlines()[0]))
        return bench.boot(mode)


def run_mode(mode, idle, churn, max_bandwidth):
    """All runs of one mode; returns its results entry."""
    missing = fb.mode_missing(mode)
    if missing:
        fb.log("%s: not built yet (%s missing)" % (mode, ", ".join(missing)))
        return {"status": "not built yet", "missing": missing}
    runs = []
    entry = {"status": "measured", "runs": runs, "planned_runs": idle + churn}
    t0 = time.monotonic()
    try:
        for i in range(idle):
            with fb.Bench("demo-%s" % mode, timeout=900) as bench:
                fb.log("%s: idle run %d/%d: boot, fill, migrate" % (mode, i + 1, idle))
                vm = boot_once_more(bench, mode, entry)
                fb.start_workload(vm)
                vm, rec = fb.measured_migration(bench, vm, label="idle",
                                                max_bandwidth=max_bandwidth)
                rec["churn"] = False
                runs.append(rec)
                fb.log("  " + fb.describe(rec))
                if i < idle - 1 or not churn:
                    continue
                # The last idle guest goes on, ping-pong, with churn and the
                # allocation-stall probe (its figures come from these runs).
                fb.workload(vm, "churn", "on")
                fb.workload(vm, "probe", "on")
                for j in range(churn):
                    fb.log("%s: churn run %d/%d: scribble 1024 MiB, migrate" % (mode, j + 1, churn))
                    vm, rec = fb.measured_migration(bench, vm, scribble_mib=1024, label="churn",
                                                    max_bandwidth=max_bandwidth,
                                                    stall_probe=True)
                    rec["churn"] = True
                    runs.append(rec)
                    fb.log("  " + fb.describe(rec))
    except fb.BenchError as e:
        fb.log("%s: ERROR %s" % (mode, e))
        entry["error"] = str(e)
    idle_runs = [r for r in runs if not r["churn"]]
    for k in FIGURES:
        entry[k] = median([r[k] for r in idle_runs])
    # The mode's own counters (fphint module stats), numeric ones, medians.
    extra_keys = sorted({k for r in idle_runs for k, v in (r.get("extra") or {}).items()
                         if isinstance(v, int)})
    if extra_keys:
        entry["extra"] = {k: median([(r.get("extra") or {}).get(k) for r in idle_runs])
                          for k in extra_keys}
    entry["memfree_dip_pct"] = median([
        fb.memfree_dip_pct(r)
        for r in idle_runs if r.get("memfree_before_kb") and r.get("min_memfree_kb") is not None])
    # zone->lock holds within 1 ms, per run (the module's histogram).
    within = [r["extra"]["lock_hold_within_1ms"] / r["extra"]["lock_hold_ns_count"]
              for r in runs if (r.get("extra") or {}).get("lock_hold_ns_count")
              and "lock_hold_within_1ms" in r["extra"]]
    if within:
        entry["lock_hold_within_1ms_min_pct"] = round(100.0 * min(within), 1)
    # The kernel helper's own figures, over every run (idle and churn).
    helper = [r.get("extra") or {} for r in runs]
    if any("max_lock_hold_ns" in x for x in helper):
        entry["hint_helper"] = {
            "max_lock_hold_ms": round(max(x.get("max_lock_hold_ns", 0) for x in helper) / 1e6, 2),
            "max_device_wait_ms": round(max(x.get("max_device_wait_ns", 0) for x in helper) / 1e6, 2),
            "max_isolated_pages": max(x.get("max_isolated_pages", 0) for x in helper),
            "median_round_ms": round(median([x["total_round_ns"] / x["rounds"] / 1e6
                                             for x in helper[:len(idle_runs)]
                                             if x.get("rounds")]) or 0, 1),
            "median_pages_hinted": median([x.get("pages_hinted") for x in helper[:len(idle_runs)]]),
            "median_first_hint_ms": round(median([x["last_first_hint_ns"] / 1e6
                                                  for x in helper[:len(idle_runs)]
                                                  if x.get("last_first_hint_ns")]) or 0, 1),
        }
    # Allocation stalls: the worst of the churn runs (the probe runs there).
    stall = [r for r in runs if "max_stall_ms" in r]
    if stall:
        entry["stall"] = {k: max(r[k] for r in stall if k in r) for k in STALL_FIGURES
                          if any(k in r for r in stall)}
    # The median of the runs' own ratios (not a ratio of medians).
    entry["ratio"] = median([round((r["normal_pages"] + r["zero_pages"]) / r["guest_inuse_pages"], 4)
                             for r in idle_runs if r["guest_inuse_pages"]])
    complete = len(runs) == idle + churn and "error" not in entry
    entry["integrity"] = ("pass" if complete and all(r["integrity"] == "pass" for r in runs)
                          else "fail")
    entry["dst_kernel_clean"] = bool(runs) and all(r["dst_kernel_clean"] for r in runs)
    entry["memfree_recovered"] = bool(runs) and all(r.get("memfree_recovered") for r in runs)
    entry["wall_s"] = round(time.monotonic() - t0, 1)
    return entry


# Modes whose problems are findings about them, not failures of the demo.
BASELINES = ("none", "stock")
PRODUCT = ("fphint", LINE_RATE)


def _every_run(e, key, want):
    runs = e.get("runs") or []
    bad = sum(1 for r in runs if r.get(key) != want)
    return (bool(runs) and not bad and "error" not in e,
            "%d of %d runs" % (len(runs) - bad, len(runs)) if runs else "no run")


# One row per check: (name, what, modes it applies to, entry -> (met, value)).
# A figure is one more row here; its value goes to the JSON as computed.
def _stall_runs(e):
    return [r for r in e.get("runs") or [] if "max_stall_in_rounds_ms" in r]


def _stall_check(e):
    """Per churn run: the slowest fault overlapping a hint round against
    the slowest of the 10 s before the migration."""
    runs = _stall_runs(e)
    return (bool(runs) and all(r["max_stall_in_rounds_ms"] <= r["max_stall_before_ms"] + 2
                               for r in runs),
            "; ".join("in rounds %.1f ms, before %.1f ms" % (r["max_stall_in_rounds_ms"],
                                                             r["max_stall_before_ms"])
                      for r in runs) or "no churn run")


def _hold_check(e):
    pct, h = e.get("lock_hold_within_1ms_min_pct"), e.get("hint_helper") or {}
    return (pct is not None and pct >= 95.0,
            "%s%% of holds within 1 ms in the worst run; longest %s ms" % (
                pct, h.get("max_lock_hold_ms")))


def _downtime_check(e):
    mine, stock = e.get("downtime_ms"), e.get("stock_downtime_ms")
    return (mine is not None and stock is not None and mine <= stock + 10,
            "%s ms (stock %s ms)" % (mine, stock))


CHECKS = (
    ("ratio", "idle ratio (normal + zero) / in-use <= 1.05", ("fphint",),
     lambda e: (e.get("ratio") is not None and e["ratio"] <= 1.05,
                "%.4f" % e["ratio"] if e.get("ratio") is not None else "-")),
    ("ratio_line_rate", "idle ratio at line rate <= 1.58 (the lock-holding design's worst)",
     (LINE_RATE,),
     lambda e: (e.get("ratio") is not None and e["ratio"] <= 1.58,
                "%.4f" % e["ratio"] if e.get("ratio") is not None else "-")),
    ("memfree_dip", "MemFree dip during migration <= 5% (sampled, or most pages isolated)",
     PRODUCT,
     lambda e: (e.get("memfree_dip_pct") is not None and e["memfree_dip_pct"] <= 5.0,
                "dip %.2f%%" % e["memfree_dip_pct"] if e.get("memfree_dip_pct") is not None
                else "-")),
    ("lock_hold", "zone->lock held <= 1 ms in at least 95% of batches, every run", PRODUCT,
     _hold_check),
    ("stall", "slowest allocation during hint rounds <= slowest of the 10 s before + 2 ms, "
     "every churn run", ("fphint",), _stall_check),
    ("allocstall", "no direct reclaim during migrations (churn runs)", ("fphint",),
     lambda e: (bool(_stall_runs(e)) and all(r.get("allocstall_delta") == 0
                                             for r in _stall_runs(e)),
                "deltas %s" % [r.get("allocstall_delta") for r in _stall_runs(e)])),
    ("downtime", "downtime median <= stock's + 10 ms", ("fphint",), _downtime_check),
    ("complete", "every run (idle and churn) completed", PRODUCT + BASELINES,
     lambda e: ("error" not in e and len(e.get("runs") or []) == e.get("planned_runs"),
                "%d of %d runs%s" % (len(e.get("runs") or []), e.get("planned_runs", 0),
                                     "; error: " + e["error"] if "error" in e else ""))),
    ("integrity", "kept data intact on the destination, every run", PRODUCT + BASELINES,
     lambda e: _every_run(e, "integrity", "pass")),
    ("dst_kernel", "clean destination kernel log, every run", PRODUCT + BASELINES,
     lambda e: _every_run(e, "dst_kernel_clean", True)),
)


def evaluate(mode, e):
    """Adds role, checks, findings and verdict to a measured entry."""
    role = "fphint" if mode in PRODUCT else "baseline"
    e["role"] = role
    e["checks"] = []
    for name, what, modes, fn in CHECKS:
        if mode in modes:
            met, value = fn(e)
            e["checks"].append({"name": name, "what": what, "met": bool(met), "value": value})
    # Every kernel problem line and every boot retried, as they were seen;
    # for a baseline also its checks not met (for fphint those are failures).
    e["findings"] = [
        "%s run %d: destination kernel log: %s" % (r.get("label", ""), n + 1, line)
        for n, r in enumerate(e.get("runs") or []) for line in r.get("kernel_problems") or []]
    e["findings"] += ["a guest failed to boot and was booted again (before any migration; "
                      "console tail in the JSON): %s" % f["error"].splitlines()[0]
                      for f in e.get("boot_failures") or []]
    if role == "baseline":
        e["findings"] += ["%s: NOT met (%s)" % (c["what"], c["value"])
                          for c in e["checks"] if not c["met"]]
    failed = [c["name"] for c in e["checks"] if not c["met"]]
    if role == "baseline":
        e["verdict"] = "findings: " + ",".join(failed) if failed else "no findings"
    else:
        e["verdict"] = "FAIL: " + ",".join(failed) if failed else "met"
    return e


def verdict(results):
    """(exit status, lines to print under the table) for evaluated results."""
    lines, failed = [], []
    for mode, e in results.items():
        if e.get("status") != "measured":
            if mode in PRODUCT:
                lines.append("demo: %s could not be measured: %s (%s)"
                             % (mode, e.get("status"), ", ".join(e.get("missing") or [])))
                failed.append(mode)
            continue
        for c in e["checks"]:
            if mode in PRODUCT:
                lines.append("%s check: %s: %s (%s)" % (mode, c["what"],
                                                        "met" if c["met"] else "NOT met",
                                                        c["value"]))
        lines += [("finding about the %s baseline: %s" if e["role"] == "baseline" else "%s: %s")
                  % (mode, f) for f in e["findings"]]
        if mode in PRODUCT and e["verdict"] != "met":
            failed.append(mode)
    not_built = [m for m in failed if results[m].get("status") != "measured"]
    if not_built:
        lines.append("demo: FAILED: could not measure %s" % ", ".join(not_built))
        return 3, lines
    if failed:
        lines.append("demo: FAILED: fphint's figures or checks not met for %s" % ", ".join(failed))
        return 1, lines
    lines.append("demo: fphint's figures and checks met%s" % (
        "; baselines' findings above are about them, not about fphint"
        if any(results[m].get("findings") for m in BASELINES if m in results) else ""))
    return 0, lines


def fmt(v, scale=1, digits=0):
    if v is None:
        return "-"
    return "%.*f" % (digits, v / scale)


def table(results):
    cols = ("mode", "sent MiB", "normal", "zero", "ratio", "total ms", "down ms", "setup ms",
            "syncs", "in-use pg", "min free MiB", "dip %", "integrity", "dst kernel", "verdict")
    rows = [cols]
    for mode, e in results.items():
        if e["status"] != "measured":
            rows.append((mode, e["status"]) + ("",) * (len(cols) - 2))
            continue
        rows.append((
            mode, fmt(e["transferred_bytes"], 2 ** 20), fmt(e["normal_pages"]),
            fmt(e["zero_pages"]), fmt(e["ratio"], 1, 4), fmt(e["total_ms"]),
            fmt(e["downtime_ms"]), fmt(e["setup_ms"]), fmt(e["syncs"]),
            fmt(e["guest_inuse_pages"]), fmt(e["min_memfree_kb"], 1024),
            fmt(e.get("memfree_dip_pct"), 1, 1),
            e["integrity"] + ("" if "error" not in e else " (error)"),
            "clean" if e["dst_kernel_clean"] else "PROBLEMS",
            ("baseline: " if e["role"] == "baseline" else "") + e["verdict"]))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(cols))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(fb.BUILD, "demo", "results.json"))
    ap.add_argument("--modes", default=",".join(fb.MODES))
    ap.add_argument("--idle", type=int, default=5, help="idle migrations per mode (figures)")
    ap.add_argument("--churn", type=int, default=2, help="migrations with churn per mode")
    ap.add_argument("--max-bandwidth-mib", type=int, default=DEMO_MAX_BANDWIDTH_MIB,
                    help="QEMU max-bandwidth in MiB/s for the figures (default: %d, QEMU 7.2's "
                         "own default)" % DEMO_MAX_BANDWIDTH_MIB)
    ap.add_argument("--line-rate-runs", type=int, default=3,
                    help="extra idle fphint migrations without a bandwidth limit, to show "
                         "QEMU 7.2's bitmap_mutex cost (0: none; default 3)")
    a = ap.parse_args()
    modes = [m for m in a.modes.split(",") if m]
    bad = [m for m in modes if m not in fb.MODES]
    if bad or a.idle < 1 or a.churn < 0 or a.max_bandwidth_mib < 1 or a.line_rate_runs < 0:
        print("demo: bad arguments: modes %s (of %s), --idle >= 1, --churn >= 0, "
              "--max-bandwidth-mib >= 1, --line-rate-runs >= 0"
              % (",".join(bad) or "ok", ",".join(fb.MODES)), file=sys.stderr)
        return 2
    t0 = time.monotonic()
    results = {}
    for mode in modes:
        results[mode] = run_mode(mode, a.idle, a.churn, a.max_bandwidth_mib << 20)
    if "fphint" in modes and a.line_rate_runs:
        results[LINE_RATE] = run_mode("fphint", a.line_rate_runs, 0, fb.DEFAULT_MAX_BANDWIDTH)
    stock = results.get("stock") or {}
    for mode, e in results.items():
        if e["status"] == "measured":
            e["stock_downtime_ms"] = stock.get("downtime_ms")
            evaluate(mode, e)
    status, lines = verdict(results)
    # One key per mode, plus "meta" for how the figures were taken.
    doc = dict(results)
    doc["meta"] = {
        "guest_ram_kb": fb.GUEST_RAM_KB,
        "guest_ram_pages": fb.GUEST_RAM_PAGES,
        "idle_runs": a.idle,
        "churn_runs": a.churn,
        "figures": "median of idle runs",
        "max_bandwidth_mib": a.max_bandwidth_mib,
        "line_rate_runs": a.line_rate_runs,
        "line_rate_max_bandwidth_mib": fb.DEFAULT_MAX_BANDWIDTH >> 20,
        "wall_s": round(time.monotonic() - t0, 1),
        "exit_status": status,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
    os.replace(a.out + ".tmp", a.out)
    print()
    print("fphint demo: guest %d KiB RAM, median of %d idle migrations, %d with churn per mode, "
          "max-bandwidth %d MiB/s" % (fb.GUEST_RAM_KB, a.idle, a.churn, a.max_bandwidth_mib))
    if LINE_RATE in results:
        print("%s: %d idle fphint migrations with max-bandwidth %d MiB/s (no limit in effect)"
              % (LINE_RATE, a.line_rate_runs, fb.DEFAULT_MAX_BANDWIDTH >> 20))
    print("ratio = (normal + zero pages) / guest in-use pages, median of the idle runs' ratios; "
          "lower is better, 1.0 is ideal")
    print(table(results))
    for mode, e in results.items():
        h = e.get("hint_helper")
        if h:
            print("%s kernel helper: longest zone->lock hold per batch %.2f ms, longest wait for "
                  "the device to use a buffer %.1f ms, most pages isolated at once %d, hint "
                  "round %.0f ms (median), %s pages hinted per migration (median), first hint "
                  "applied %.1f ms after the host asked (median)"
                  % (mode, h["max_lock_hold_ms"], h["max_device_wait_ms"],
                     h["max_isolated_pages"], h["median_round_ms"],
                     fmt(h["median_pages_hinted"]), h["median_first_hint_ms"]))
    for mode, e in results.items():
        if e.get("stall"):
            print("%s allocation stalls (churn runs, worst): %s" % (mode, ", ".join(
                "%s %s" % (k, v) for k, v in e["stall"].items())))
    for line in lines:
        print(line)
    print("results: %s (%.0fs)" % (a.out, doc["meta"]["wall_s"]))
    return status

if __name__ == "__main__":
    sys.exit(main())
