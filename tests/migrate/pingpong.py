"""Ping-pong migration test shared by the per-mode tests.

run(mode, migrations=2, cmdline="", cancel_first=False) boots one guest in
`mode`, starts the workload with churn on, migrates it `migrations` times
(each destination becomes the next source, with 1 GiB of its free memory
made stale again before each later migration), and after each one asserts
integrity (kept region and churn buffers verified), a clean destination
kernel log, a responsive guest and recovered MemFree.  Returns the process
exit code: 0 pass, 1 fail (77 is never used: QEMU exists here).
Two migrations cover both cases, a freshly booted guest and a migrated
one re-scribbled; more would only repeat the second.
"""

import sys
import time

import fphint_bench as fb


def run(mode, migrations=2, cmdline="", cancel_first=False, timeout=900):
    t0 = time.monotonic()
    with fb.Bench("test-%s" % mode, timeout=timeout) as bench:
        try:
            return _pingpong(bench, mode, migrations, cmdline, cancel_first, t0)
        except fb.BenchError:
            print(bench.diagnose())
            raise


def _pingpong(bench, mode, migrations, cmdline, cancel_first, t0):
    failures = []
    vm = bench.boot(mode, cmdline=cmdline)
    fb.start_workload(vm, churn=True)
    if cancel_first:
        info = bench.migrate_cancel(vm)
        fb.log("cancelled migration: status %s" % info.get("status"))
        res = fb.check_destination(vm)
        if not (res["integrity"] == "pass" and res["dst_kernel_clean"]):
            failures.append("after cancel: integrity %s, kernel problems %s"
                            % (res["integrity"], res["kernel_problems"][:5]))
    for i in range(migrations):
        # Stale free pages again before each later migration: hints matter.
        vm, rec = fb.measured_migration(bench, vm, scribble_mib=1024 if i else 0,
                                        label="churn #%d" % (i + 1))
        fb.log(fb.describe(rec))
        if not fb.record_ok(rec):
            failures.append("migration %d: %s\n%s" % (i + 1, fb.describe(rec),
                                                      rec["verify_output"][-2000:]))
    rc, out = fb.workload(vm, "status")
    fb.log("workload at the end: " + out.strip())
    if rc != 0 or "churn_iters=0 " in out:
        failures.append("churn did not run: " + out.strip())
    for f in failures:
        print("FAIL " + f)
    print("%s: %d migrations, %d failures, %.0fs" % (mode, migrations, len(failures),
                                                     time.monotonic() - t0))
    return 1 if failures else 0


def main(mode, **kw):
    try:
        sys.exit(run(mode, **kw))
    except fb.BenchError as e:
        print("FAIL %s: %s" % (mode, e))
        sys.exit(1)
