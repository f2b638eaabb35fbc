#!/usr/bin/env python3
"""fphint_balloon outside migrations, in one guest boot (mode none, the
module loaded by hand):
  - /dev/fphint rejects every malformed hand-over with its documented errno
    (fphint-ctl-test bogus, run in the guest);
  - inflate then deflate through QMP `balloon`: query-balloon's actual
    reaches the target and the guest's MemFree follows;
  - the guest stats queue answers (QMP guest-stats);
  - unload with a map held, reload: the device is bound again;
  - an interrupt stranded while no driver was bound (fphint-intx-strand)
    is found and served at the next probe, and interrupts flow again;
  - deflate-on-OOM (second boot, the device offering it): a guest
    allocation larger than its free memory succeeds without the OOM killer,
    the balloon gives pages back.
Exit 0 pass, 1 fail."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402
import fphint_kmod_checks as kc  # noqa: E402
from fphint_kmod_checks import KO  # noqa: E402

GIB = 1024 ** 3


def balloon_qom_path(vm):
    for dev in vm.qmp("qom-list", path="/machine/peripheral-anon"):
        if dev["type"].startswith("child<virtio-balloon"):
            return "/machine/peripheral-anon/" + dev["name"] + "/virtio-backend"
    raise AssertionError("no virtio-balloon device in QOM")


def virtio0_interrupts(vm):
    fields = vm.check("grep virtio0 /proc/interrupts || echo none").split()
    return sum(int(x) for x in fields[1:3] if x.isdigit())


def stranded_interrupt(vm, check):
    """An interrupt raised while no driver holds the IRQ (what QEMU 7.2's
    hinting iothread does during a reload) must not leave the next driver
    deaf: fphint_balloon reads the ISR at probe and serves what it finds."""
    path = balloon_qom_path(vm)
    target = GIB + GIB // 2
    vm.check("rmmod fphint_balloon")
    print(vm.check("fphint-intx-strand up").strip())
    vm.balloon(target)  # a config change: the device raises INTx
    time.sleep(1)
    print(vm.check("fphint-intx-strand down").strip())
    isr = vm.qmp("x-query-virtio-status", path=path)["isr"]
    check(isr & 2, "stranded: the device holds a config interrupt no driver saw (isr %#x)" % isr)
    vm.check("insmod %s" % KO)
    resyncs = kc.module_stats(vm).get("intx_resyncs", 0)
    served = vm.run("dmesg | grep 'pending unannounced'")[1].strip()
    print(served)
    check(resyncs == 1, "probe found the pending interrupt status and served it "
          "(intx_resyncs %d)" % resyncs)
    actual = kc.wait_actual(vm, target, timeout=60)
    check(abs(actual - target) < 4096,
          "the stranded config change was acted on: actual %d, target %d" % (actual, target))
    before = virtio0_interrupts(vm)
    vm.balloon(fb.GUEST_RAM_BYTES)
    actual = kc.wait_actual(vm, fb.GUEST_RAM_BYTES, timeout=60)
    after = virtio0_interrupts(vm)
    check(after > before and abs(actual - fb.GUEST_RAM_BYTES) < 4096,
          "interrupts flow again: virtio0 %d -> %d, deflated to %d" % (before, after, actual))


def main():
    if kc.not_built():
        return 1
    check = kc.Checks()

    with fb.Bench("fphint-ctl-balloon", timeout=600) as bench:
        vm = bench.boot("none")
        vm.check("insmod %s" % KO)
        out = vm.check("cat /sys/bus/virtio/drivers/fphint_balloon/*/features")
        # STATS_VQ (1) and FREE_PAGE_HINT (3) negotiated, REPORTING (5) not.
        check(out[1] == "1" and out[3] == "1" and out[5] == "0",
              "features negotiated: %s" % out.strip()[:8])
        check("crw-------" in vm.check("ls -l /dev/fphint"), "/dev/fphint is 0600")

        rc, out = vm.run("fphint-ctl-test bogus", 60)
        print(out)
        check(rc == 0, "bogus hand-overs rejected with the documented errno")

        # Stats queue: ask QEMU to poll, then read guest-stats back.
        path = balloon_qom_path(vm)
        vm.qmp("qom-set", path=path, property="guest-stats-polling-interval", value=1)
        dl = time.monotonic() + 30
        while True:
            stats = vm.qmp("qom-get", path=path, property="guest-stats")
            if stats["last-update"] > 0 or time.monotonic() > dl:
                break
            time.sleep(0.5)
        memtot = stats["stats"].get("stat-total-memory", -1)
        check(memtot > GIB and stats["last-update"] > 0,
              "guest-stats: total memory %d bytes" % memtot)

        free0 = fb.memfree_kb(vm)
        vm.balloon(GIB)
        actual = kc.wait_actual(vm, GIB)
        free1 = fb.memfree_kb(vm)
        check(abs(actual - GIB) < 4096, "inflate: actual %d, target %d" % (actual, GIB))
        check(free0 - free1 > 900 * 1024, "inflate: MemFree %d -> %d kB" % (free0, free1))
        vm.balloon(fb.GUEST_RAM_BYTES)
        actual = kc.wait_actual(vm, fb.GUEST_RAM_BYTES)
        free2 = fb.memfree_kb(vm)
        check(abs(actual - fb.GUEST_RAM_BYTES) < 4096,
              "deflate: actual %d, target %d" % (actual, fb.GUEST_RAM_BYTES))
        check(free2 - free1 > 900 * 1024, "deflate: MemFree %d -> %d kB" % (free1, free2))

        # Unload while inflated and holding a map, reload, rebind.
        vm.balloon(GIB + GIB // 2)
        kc.wait_actual(vm, GIB + GIB // 2)
        vm.check("fphint-ctl-test all-free")
        rc, out = vm.run("rmmod fphint_balloon", 60)
        check(rc == 0, "rmmod with a map held and pages ballooned (%s)" % out.strip())
        check(not vm.run("test -e /dev/fphint")[0] == 0, "/dev/fphint gone after rmmod")
        vm.check("insmod %s" % KO)
        out = vm.check("ls /sys/bus/virtio/drivers/fphint_balloon/")
        check("virtio" in out, "device bound again after reload")
        actual = kc.wait_actual(vm, GIB + GIB // 2)
        check(abs(actual - (GIB + GIB // 2)) < 4096,
              "reloaded driver inflates to the target again (%d)" % actual)
        vm.balloon(fb.GUEST_RAM_BYTES)
        kc.wait_actual(vm, fb.GUEST_RAM_BYTES)

        stranded_interrupt(vm, check)
        problems = vm.kernel_problems()
        check(not problems, "kernel log clean %s" % problems[:3])

    with kc.qemu_options(device="deflate-on-oom=on"), \
            fb.Bench("fphint-deflate-on-oom", timeout=600) as bench:
        vm = bench.boot("none")
        vm.check("insmod %s" % KO)
        out = vm.check("cat /sys/bus/virtio/drivers/fphint_balloon/*/features")
        check(out[2] == "1", "deflate-on-oom negotiated: %s" % out.strip()[:8])
        target = 400 * 2 ** 20
        vm.balloon(target)
        actual = kc.wait_actual(vm, target)
        free = fb.memfree_kb(vm)
        check(abs(actual - target) < 4096 and free < 400 * 1024,
              "inflate to 400 MiB: actual %d, MemFree %d kB" % (actual, free))
        # 500 MiB more than MemFree: only the balloon can give it.
        rc, out = vm.run("dd if=/dev/zero of=/dev/null bs=500M count=1", 300)
        killed = vm.run("dmesg | grep -c 'Killed process'")[1].strip()
        check(rc == 0 and killed == "0", "500 MiB allocation with %d kB free: rc %d, %s killed"
              % (free, rc, killed))
        actual = vm.query_balloon()["actual"]
        check(actual > target + 64 * 2 ** 20, "balloon deflated on OOM: actual %d" % actual)
        problems = vm.kernel_problems()
        check(not problems, "kernel log clean %s" % problems[:3])
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
