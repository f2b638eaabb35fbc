#!/usr/bin/env python3
"""The stock balloon driver's duties, done by fphint_balloon (fphint mode,
the balloon device with free-page-reporting=on, S3 enabled on the machine):
  - free page reporting: REPORTING is negotiated; 1 GiB written and freed
    in the guest comes back to the host (QEMU's RSS falls by most of it),
    as it does with the stock driver in a second boot of the same run;
  - balloon page migration: inflated, then compact_memory: vmstat
    balloon_migrate grew (within COMPACTION_TRIES inflations), the host's
    target and the guest's count hold;
  - suspend to RAM (inflated), woken through QMP system_wakeup: the
    balloon is back at its target, then inflate, deflate, and a migration
    with the workload (integrity, clean kernel log, hints sent) all work;
  - loading the module built for the other kernel (6.12's in a 6.1 guest,
    6.1's in a 6.12 one) fails with the kernel's normal "Invalid module
    format" error, the kernel log saying why.
Exit 0 pass, 1 fail."""
import base64
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402
import fphint_kmod_checks as kc  # noqa: E402

MIB = 2 ** 20
GIB = 2 ** 30
DEVICE = "free-page-reporting=on"
S3 = ("-global", "PIIX4_PM.disable_s3=0")
# The module built for the other supported guest kernel (kmod/kmod.mk puts
# the 6.1 build in build/kmod, the 6.12 one in build/kmod-6.12): what a user
# gets who loads it on the wrong kernel.  FPHINT_OTHER_KO overrides it.
OTHER_KO = {"6.1.": os.path.join(fb.BUILD, "kmod-6.12", "fphint_balloon.ko"),
            "6.12.": os.path.join(fb.BUILD, "kmod", "fphint_balloon.ko")}


def qemu_rss_kb(vm):
    with open("/proc/%d/status" % vm.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for QEMU %d" % vm.pid)


def vmstat(vm, key):
    return int(vm.check("grep '^%s ' /proc/vmstat" % key).split()[1])


def settled_rss_kb(vm, timeout=90):
    """QEMU's RSS once it stops falling (page reporting runs 2 s after a
    free, then takes a while under TCG)."""
    last = qemu_rss_kb(vm)
    dl = time.monotonic() + timeout
    while time.monotonic() < dl:
        time.sleep(5)
        now = qemu_rss_kb(vm)
        if last - now < 8 * 1024:
            return now
        last = now
    return qemu_rss_kb(vm)


def reporting(vm, check, who):
    """Writes 1 GiB into the guest's page cache, frees it; returns how much
    QEMU's RSS fell (kB)."""
    # The root file system holds half the RAM: a tmpfs of its own.
    vm.check("mkdir -p /mnt/fill && mount -t tmpfs -o size=1100M fill /mnt/fill")
    vm.check("dd if=/dev/zero of=/mnt/fill/x bs=1M count=1024 2>&1", 300)
    full = settled_rss_kb(vm)
    vm.check("umount /mnt/fill")
    after = settled_rss_kb(vm)
    fell = full - after
    print("%s: QEMU RSS %d MiB with 1 GiB written, %d MiB after freeing it (fell %d MiB)"
          % (who, full // 1024, after // 1024, fell // 1024))
    return fell


# compact_memory moves only the balloon pages its migrate scanner reaches
# before it meets the free scanner, and where the inflation put them
# varies: one try moved 0, 5, 14 and 354 pages in four runs.  A try that
# moved none deflates and starts over, the next inflation landing elsewhere.
COMPACTION_TRIES = 3


def compaction(vm, check):
    # Balloon pages among page cache, then every other file freed: holes
    # everywhere, so compaction's scanners meet balloon pages wherever the
    # inflation took them from (with memory mostly free and unfragmented,
    # compaction can finish without reaching any).
    vm.check("mkdir -p /mnt/frag && mount -t tmpfs -o size=700M frag /mnt/frag")
    target = fb.GUEST_RAM_BYTES - 512 * MIB
    moved = []
    for _ in range(COMPACTION_TRIES):
        vm.check("for i in $(seq 600); do [ -e /mnt/frag/$i ] || "
                 "dd if=/dev/zero of=/mnt/frag/$i bs=1M count=1 2>/dev/null; done", 300)
        vm.balloon(target)
        actual = kc.wait_actual(vm, target)
        check(abs(actual - target) < 4096, "inflate by 512 MiB: actual %d, target %d"
              % (actual, target))
        # Every odd-numbered file, in one rm (an exec per file is slow under TCG).
        vm.check("rm /mnt/frag/*[13579]", 120)
        inflated = kc.module_stats(vm)["inflated_pages"]
        before = vmstat(vm, "balloon_migrate")
        vm.check("echo 1 > /proc/sys/vm/compact_memory", 300)
        moved.append(vmstat(vm, "balloon_migrate") - before)
        if moved[-1]:
            break
        vm.balloon(fb.GUEST_RAM_BYTES)
        kc.wait_actual(vm, fb.GUEST_RAM_BYTES)
    vm.check("umount /mnt/frag")
    check(moved[-1] > 0, "compact_memory moved balloon pages: %s in %d tr%s"
          % (moved, len(moved), "y" if len(moved) == 1 else "ies"))
    if not moved[-1]:
        return
    actual = vm.query_balloon()["actual"]
    now = kc.module_stats(vm)["inflated_pages"]
    check(abs(actual - target) < 4096 and now == inflated,
          "after compaction the host's target holds: actual %d, inflated pages %d -> %d"
          % (actual, inflated, now))
    vm.balloon(fb.GUEST_RAM_BYTES)
    kc.wait_actual(vm, fb.GUEST_RAM_BYTES)


def wait_status(vm, want, timeout=120):
    dl = time.monotonic() + timeout
    while True:
        status = vm.qmp("query-status")["status"]
        if status == want or time.monotonic() > dl:
            return status
        time.sleep(0.5)


def suspend_resume(bench, vm, check):
    target = fb.GUEST_RAM_BYTES - 256 * MIB
    vm.balloon(target)
    kc.wait_actual(vm, target)
    check("mem" in vm.check("cat /sys/power/state"), "S3 offered to the guest")
    # Backgrounded: the write returns only after the wake-up.
    vm.check("(sleep 1; echo mem > /sys/power/state) >/dev/null 2>&1 &")
    status = wait_status(vm, "suspended")
    check(status == "suspended", "guest suspended to RAM (QEMU status %s)" % status)
    vm.qmp("system_wakeup")
    status = wait_status(vm, "running")
    check(status == "running", "woken by system_wakeup (QEMU status %s)" % status)
    vm.wait_ready(120)
    rc, out = vm.run("dmesg | grep -E 'PM: suspend (entry|exit)'")
    print(out.strip())
    check("suspend exit" in out, "the guest kernel went through suspend and back")
    actual = kc.wait_actual(vm, target)
    check(abs(actual - target) < 4096, "after resume the balloon is back at its target: "
          "actual %d, target %d" % (actual, target))
    target2 = fb.GUEST_RAM_BYTES - 768 * MIB
    vm.balloon(target2)
    actual = kc.wait_actual(vm, target2)
    check(abs(actual - target2) < 4096, "inflate after resume: actual %d, target %d"
          % (actual, target2))
    vm.balloon(fb.GUEST_RAM_BYTES)
    actual = kc.wait_actual(vm, fb.GUEST_RAM_BYTES)
    check(abs(actual - fb.GUEST_RAM_BYTES) < 4096, "deflate after resume: actual %d" % actual)

    rounds = kc.module_stats(vm)["rounds"]
    fb.start_workload(vm, fill_mib=512, free_mib=256)
    dst, rec = fb.measured_migration(bench, vm, label="after resume")
    fb.log(fb.describe(rec))
    check(fb.record_ok(rec), "migration after resume: integrity %s, kernel %s"
          % (rec["integrity"], "clean" if rec["dst_kernel_clean"] else rec["kernel_problems"][:3]))
    hinted = rec.get("extra", {}).get("rounds", 0)
    check(hinted > rounds, "free page hints served after resume (rounds %d -> %s)"
          % (rounds, hinted))
    return dst


def wrong_kernel(vm, check):
    """The module built for the other kernel, copied in over the command
    channel (stripped: about 100 kB) and loaded."""
    kver = vm.check("uname -r").strip()
    other = os.environ.get("FPHINT_OTHER_KO") or next(
        (ko for prefix, ko in OTHER_KO.items() if kver.startswith(prefix)), "")
    if not os.path.exists(other):
        check(False, "a module built for another kernel than %s to load (%r; make "
              "FPHINT_GUEST=6.12 kmod)" % (kver, other))
        return
    with tempfile.TemporaryDirectory() as tmp:
        stripped = os.path.join(tmp, "other.ko")
        subprocess.run(["strip", "--strip-debug", "-o", stripped, other], check=True)
        with open(stripped, "rb") as f:
            data = f.read()
    vermagic = subprocess.run(["modinfo", "-F", "vermagic", other], check=True,
                              capture_output=True, text=True).stdout.strip().split()[0]
    text = base64.b64encode(data).decode()
    vm.check("rm -f /tmp/other.b64")
    for i in range(0, len(text), 16384):
        vm.check("printf %%s %s >> /tmp/other.b64" % text[i:i + 16384])
    vm.check("base64 -d /tmp/other.b64 > /tmp/other.ko")
    size = int(vm.check("wc -c < /tmp/other.ko").strip())
    check(size == len(data), "copied the other kernel's module (%d bytes)" % size)
    rc, out = vm.run("insmod /tmp/other.ko")
    # 6.1 checks symbol versions first, 6.12 the size of struct module.
    why = vm.check("dmesg | grep -E 'disagrees about version|version magic|"
                   "struct module size' | tail -n 1").strip()
    print("insmod of a module built for %s on %s: rc %d: %s / %s"
          % (vermagic, kver, rc, out.strip(), why))
    check(rc != 0 and "invalid module format" in out.lower() and why,
          "insmod of the %s build refused as the kernel does: %s" % (vermagic, out.strip()))
    check(vm.run("grep -q '^fphint_balloon ' /proc/modules")[0] != 0,
          "the wrong kernel's module is not loaded")


def main():
    if kc.not_built():
        return 1
    check = kc.Checks()
    with kc.qemu_options(device=DEVICE, args=S3), \
            fb.Bench("fphint-balloon-duties", timeout=1200) as bench:
        vm = bench.boot("fphint")
        out = vm.check("cat /sys/bus/virtio/drivers/fphint_balloon/*/features")
        check(out[5] == "1", "REPORTING negotiated: %s" % out.strip()[:8])
        ours = reporting(vm, check, "fphint_balloon")
        compaction(vm, check)
        vm = suspend_resume(bench, vm, check)
        problems = vm.kernel_problems()
        check(not problems, "kernel log clean %s" % problems[:3])
        bench.kill(vm)

        vm = bench.boot("stock")
        stock = reporting(vm, check, "virtio_balloon")
        check(ours > 700 * 1024 and ours > stock * 0.8,
              "page reporting gave back most of the freed GiB: fphint_balloon %d MiB, "
              "stock %d MiB" % (ours // 1024, stock // 1024))
        wrong_kernel(vm, check)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
