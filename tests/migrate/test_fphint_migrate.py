#!/usr/bin/env python3
"""fphint mode under live migration, ping-pong in one guest boot, with the
workload's churn running throughout.  Every migration must pass the
workload's integrity check with a clean destination kernel log and hint
pages; between them:
  m1, m2        plain migrations
  cancel        a migration cancelled mid-way (the host says DONE)
  m3            the migration repeated after the cancel
  reload        rmmod/insmod fphint_balloon, fphintd --once hands over again
  m4            after the reload
  m5            fphintd killed (SIGKILL) while the migration runs
  m6            the agent dead: the map still serves, hints stay confirmed
Exit 0 pass, 1 fail."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402

KO = "/lib/fphint/fphint_balloon.ko"


def module_stats(vm):
    return fb.parse_stats(vm.check("cat /sys/kernel/debug/fphint_balloon/stats"))


def main():
    missing = fb.mode_missing("fphint")
    if missing:
        print("not built: %s" % missing)
        return 1
    failures = []

    def check(ok, what):
        print("%-70s %s" % (what, "ok" if ok else "FAILED"))
        if not ok:
            failures.append(what)

    with fb.Bench("fphint-migrate", timeout=900) as bench:
        vm = bench.boot("fphint")
        for _ in range(60):
            if module_stats(vm)["map_attached"] == 1:
                break
            time.sleep(0.5)
        check(module_stats(vm)["map_attached"] == 1, "fphintd handed the map over at boot")
        fb.start_workload(vm, churn=True)

        def migrate(label, hinted_before):
            nonlocal vm
            vm, rec = fb.measured_migration(bench, vm, label=label)
            print(fb.describe(rec))
            extra = rec.get("extra") or {}
            print("  module: %s" % extra)
            check(fb.record_ok(rec), "%s: integrity %s, destination kernel %s" % (
                label, rec["integrity"], "clean" if rec["dst_kernel_clean"] else
                rec["kernel_problems"][:3]))
            hinted = extra.get("pages_hinted", 0)
            check(hinted > hinted_before, "%s: pages hinted %d -> %d" % (label, hinted_before, hinted))
            return hinted

        hinted = migrate("m1", 0)
        hinted = migrate("m2", hinted)

        # Slowed down so that the cancel lands while the hint round runs.
        info = bench.migrate_cancel(vm, after_s=0.3, max_bandwidth=64 * 2 ** 20)
        print("cancel: status %s" % info.get("status"))
        check(info.get("status") == "cancelled", "cancel: the migration was cancelled")
        check(vm.alive() and vm.run("echo alive")[0] == 0, "cancel: source keeps running")
        hinted = migrate("m3 after cancel", hinted)

        rc, out = vm.run("rmmod fphint_balloon && insmod %s && fphintd --once; "
                         "cat /sys/kernel/debug/fphint_balloon/stats | head -1" % KO, 120)
        print(out)
        check(rc == 0 and module_stats(vm)["map_attached"] == 1,
              "reload: module back, fphintd --once handed the map over")
        hinted = migrate("m4 after reload", 0)

        vm.check("(sleep 1.5; kill -9 $(cat /run/fphintd.pid)) >/dev/null 2>&1 &")
        hinted = migrate("m5 agent killed mid-migration", hinted)
        check(vm.run("kill -0 $(cat /run/fphintd.pid)")[0] != 0, "m5: fphintd is dead")
        hinted = migrate("m6 agent dead", hinted)
        st = module_stats(vm)
        print("final module stats: %s" % st)
        check(st["slow_device_waits"] == 0, "no device wait over 1 s")
    print("%d checks failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
