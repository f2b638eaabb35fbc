#!/usr/bin/env python3
"""The checker must catch corruption: migrate into a destination whose RAM is
a shared file in /dev/shm, flip one word of a kept page in that file behind
the guest's back, and require the workload's verify (and the harness verdict)
to report exactly that mismatch.  Fails if the corruption goes unnoticed, if
the page is not where the guest says it is, or if the clean state did not pass.
"""
import os
import re
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402


def main():
    with fb.Bench("test-broken", timeout=600) as bench:
        vm = bench.boot("none")
        fb.start_workload(vm, fill_mib=456, free_mib=256)
        ram_file = bench.new_ram_file("dst")
        dst, stats = bench.migrate(vm, ram_file=ram_file)
        fb.log("migrated into file-backed RAM: %d bytes sent" % stats["transferred_bytes"])

        # Clean first: the checker must not fail by itself.
        clean = fb.check_destination(dst)
        if clean["integrity"] != "pass" or not clean["dst_kernel_clean"]:
            print("FAIL clean destination did not pass: %s %s" % (
                clean["verify_output"][-500:], clean["kernel_problems"][:5]))
            return 1

        rc, out = fb.workload(dst, "addr")
        m = re.search(r"vaddr=(0x[0-9a-f]+) gpa=(0x[0-9a-f]+) expected=(0x[0-9a-f]+)", out)
        if rc != 0 or not m:
            print("FAIL workload addr: %s" % out)
            return 1
        vaddr, gpa, expected = m.group(1), int(m.group(2), 16), int(m.group(3), 16)
        with open(ram_file, "r+b") as f:
            f.seek(gpa)
            (found,) = struct.unpack("<Q", f.read(8))
            if found != expected:
                print("FAIL guest-physical 0x%x holds 0x%016x in the RAM file, guest expects "
                      "0x%016x: address translation is wrong" % (gpa, found, expected))
                return 1
            flipped = found ^ 0xFFFFFFFFFFFFFFFF
            f.seek(gpa)
            f.write(struct.pack("<Q", flipped))
        fb.log("flipped the word at gpa 0x%x (vaddr %s): 0x%016x -> 0x%016x"
               % (gpa, vaddr, found, flipped))

        res = fb.check_destination(dst)
        want = "MISMATCH addr=%s expected=0x%016x got=0x%016x" % (vaddr, expected, flipped)
        print(res["verify_output"])
        if res["integrity"] != "fail":
            print("FAIL the checker did not report the corruption (integrity %s)"
                  % res["integrity"])
            return 1
        if want not in res["verify_output"]:
            print("FAIL the checker failed but did not name the corrupted word: want %r" % want)
            return 1
        print("PASS corruption at gpa 0x%x was reported: %s" % (gpa, want))
        return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except fb.BenchError as e:
        print("FAIL %s" % e)
        sys.exit(1)
