#!/usr/bin/env python3
"""Page allocator churn for the kernel tests (bounded in count and size).

  churn.py mmap ITER MIB    mmap, touch every page, munmap, ITER times
  churn.py thp ITER MIB     the same with MADV_HUGEPAGE (THP faults)
"""
import mmap
import sys

PAGE = mmap.PAGESIZE


def touch_loop(iterations, mib, huge):
    size = mib << 20
    for _ in range(iterations):
        m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        m.madvise(mmap.MADV_HUGEPAGE if huge else mmap.MADV_NOHUGEPAGE)
        for off in range(0, size, PAGE):
            m[off] = 1
        m.close()


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("mmap", "thp"):
        sys.exit(__doc__)
    touch_loop(int(sys.argv[2]), int(sys.argv[3]), sys.argv[1] == "thp")


if __name__ == "__main__":
    main()
