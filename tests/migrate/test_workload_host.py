#!/usr/bin/env python3
"""Unit test of build/bin/fphint-workload on the host (no QEMU): its bad-input
errors, every control command, churn, and that verify reports a word changed
behind its back (written through /proc/PID/mem) with the exact address and
values.  Exit 0 pass, 1 fail."""
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORKLOAD = os.path.join(os.environ.get("BUILD", os.path.join(TOP, "build")), "bin",
                        "fphint-workload")
failures = []


def check(ok, what):
    print("%-72s %s" % (what, "ok" if ok else "FAILED"))
    if not ok:
        failures.append(what)


def wl(*args):
    p = subprocess.run([WORKLOAD] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def main():
    if not os.path.exists(WORKLOAD):
        print("FAIL %s not built (make all)" % WORKLOAD)
        return 1
    tmp = tempfile.mkdtemp(prefix="fphint-wl-")
    sock = os.path.join(tmp, "s")

    for args, what in ((["daemon", "--fill-mib", "x"], "non-numeric size"),
                       (["daemon", "--fill-mib", "8", "--free-mib", "16"], "free >= fill"),
                       (["daemon", "--bogus"], "unknown option"),
                       (["ctl", "--socket", os.path.join(tmp, "none"), "status"], "no daemon"),
                       ([], "no arguments")):
        rc, out = wl(*args)
        check(rc == 2 and len(out.strip().splitlines()) <= 2 and "Traceback" not in out,
              "bad input rejected (%s): exit %d, %r" % (what, rc, out.strip()[:60]))

    d = subprocess.Popen([WORKLOAD, "daemon", "--fill-mib", "48", "--free-mib", "32",
                          "--churn-mib", "1", "--socket", sock],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        out = ""
        while time.monotonic() < deadline and "state=ready" not in out:
            time.sleep(0.1)
            rc, out = wl("ctl", "--socket", sock, "status")
        check("state=ready keep_bytes=16777216" in out, "daemon ready, keeps 16 MiB: " + out.strip()[:40])
        rc, out = wl("ctl", "--socket", sock, "verify")
        check(rc == 0 and out.startswith("OK verified_bytes=16777216"), "clean verify passes")
        rc, out = wl("ctl", "--socket", sock, "bogus")
        check(rc == 1 and "FAIL unknown command" in out, "unknown command is a FAIL reply")
        for bad in ("0", "x", "5 up"):
            rc, out = wl("ctl", "--socket", sock, "scribble", *bad.split())
            check(rc == 1 and "FAIL scribble" in out, "scribble %r refused" % bad)
        rc, out = wl("ctl", "--socket", sock, "scribble", "8", "down")
        check(rc == 0 and "scribbled_mib=8" in out, "scribble 8 down")
        rc, out = wl("ctl", "--socket", sock, "sample", "start")
        check(rc == 0, "sample start")
        rc, out = wl("ctl", "--socket", sock, "churn", "on")
        check(rc == 0 and "churn=on" in out, "churn on")
        time.sleep(1.0)
        rc, out = wl("ctl", "--socket", sock, "sample", "stop")
        m = re.search(r"min_memfree_kb=(\d+) min_at_ms=(\d+) samples=(\d+)", out)
        check(rc == 0 and m and int(m.group(1)) > 0 and int(m.group(3)) >= 10,
              "sample stop: min MemFree and >= 10 samples in 1 s")
        rc, out = wl("ctl", "--socket", sock, "status")
        iters = re.search(r"churn_iters=(\d+) churn_mismatches=(\d+)", out)
        check(iters and int(iters.group(1)) > 0 and iters.group(2) == "0",
              "churn ran without mismatches")
        wl("ctl", "--socket", sock, "churn", "off")

        rc, out = wl("ctl", "--socket", sock, "addr")
        m = re.search(r"vaddr=(0x[0-9a-f]+) gpa=(0x[0-9a-f]+) expected=(0x[0-9a-f]+)", out)
        check(rc == 0 and m, "addr names a kept page (root: pagemap pfn)")
        if not m:
            return 1
        vaddr, expected = int(m.group(1), 16), int(m.group(3), 16)
        with open("/proc/%d/mem" % d.pid, "r+b", buffering=0) as mem:
            mem.seek(vaddr)
            (found,) = struct.unpack("<Q", mem.read(8))
            check(found == expected, "kept word holds the announced pattern")
            mem.seek(vaddr)
            mem.write(struct.pack("<Q", found ^ 0xFF))
        rc, out = wl("ctl", "--socket", sock, "verify")
        want = "MISMATCH addr=0x%x expected=0x%016x got=0x%016x" % (vaddr, expected,
                                                                    found ^ 0xFF)
        check(rc == 1 and want in out and "FAIL mismatches=1" in out,
              "verify reports the changed word exactly")
    finally:
        d.send_signal(signal.SIGKILL)
        d.wait()
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    print("%d checks failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
