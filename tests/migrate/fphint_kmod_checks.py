"""Shared by the fphint_balloon tests (test_fphint_*.py): a list of named
checks that all run and are reported, and the module's debugfs counters."""
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


def module_stats(vm):
    return fb.parse_stats(vm.check("cat /sys/kernel/debug/fphint_balloon/stats"))
