"""Shared by the fphint_balloon tests (test_fphint_*.py): a list of named
checks that all run and are reported, the module's debugfs counters, and
extra QEMU options for the guests a test boots."""
import contextlib
import os
import time

import fphint_bench as fb

KO = "/lib/fphint/fphint_balloon.ko"


class Checks:
    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print("%-70s %s" % (what, "ok" if ok else "FAILED"))
        if not ok:
            self.failures.append(what)

    def exit_code(self):
        print("%d checks failed" % len(self.failures))
        return 1 if self.failures else 0


def not_built():
    """Non-empty (and printed) when the fphint mode's pieces are missing."""
    missing = fb.mode_missing("fphint")
    if missing:
        print("not built: %s" % missing)
    return missing


def wait_actual(vm, want, timeout=120):
    """Polls query-balloon until actual is within a page of `want` (or the
    timeout passed); returns the last actual."""
    dl = time.monotonic() + timeout
    while True:
        actual = vm.query_balloon()["actual"]
        if abs(actual - want) < 4096 or time.monotonic() > dl:
            return actual
        time.sleep(1)


def module_stats(vm):
    return fb.parse_stats(vm.check("cat /sys/kernel/debug/fphint_balloon/stats"))


@contextlib.contextmanager
def qemu_options(device="", args=()):
    """QEMUs started inside get `device` appended to the balloon device's
    options and `args` appended to their command line.  (The harness has no
    per-boot QEMU options yet: this wraps the process start it uses.)"""
    real = fb.subprocess.Popen
    dev = "virtio-balloon-pci,free-page-hint=on,iothread=io0"

    def popen(cmd, *a, **k):
        if not (isinstance(cmd, list) and cmd and
                os.path.basename(str(cmd[0])).startswith("qemu-system")):
            return real(cmd, *a, **k)
        if device:
            cmd = [x.replace(dev, dev + "," + device) if isinstance(x, str) else x
                   for x in cmd]
        return real(list(cmd) + list(args), *a, **k)

    fb.subprocess.Popen = popen
    try:
        yield
    finally:
        fb.subprocess.Popen = real
