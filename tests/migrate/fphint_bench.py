"""fphint_bench - boot the bench guest under QEMU, drive it, live-migrate it.

Python 3 standard library only.  QEMU runs with -accel tcg; every process
this module starts is killed by PID on exit (try/finally via the Bench
context manager, atexit, SIGTERM/SIGINT/SIGHUP handlers, and the kernel's
parent-death signal if this interpreter is killed outright).  Sockets, logs
and RAM files live in one temporary directory per Bench.

Typical use::

    import fphint_bench as fb
    with fb.Bench("my-test") as bench:
        vm = bench.boot("stock")                 # waits until the guest answers
        vm.run("fphint-workload ctl status")     # -> (rc, output)
        fb.start_workload(vm, churn=True)
        rec = fb.measured_migration(bench, vm)   # -> (new vm, record dict)
        vm, rec = rec
        assert rec["integrity"] == "pass" and rec["dst_kernel_clean"]

API
---
Bench(name, timeout=None, ram_kb=None)
    Context manager owning every QEMU it starts.  timeout (seconds) arms a
    hard alarm for the whole run: when it fires, the run raises BenchError
    and everything is cleaned up.  ram_kb: guest RAM of every QEMU it starts
    (default GUEST_RAM_KB, the host's size; make bench-scale passes others,
    and gets RAM mapped without reserving it, as big guests need here).
Bench.boot(mode, cmdline="", ram_file=None, timeout=180) -> Vm
    Boots a guest in mode none|stock|fphint ("fphint.mode=" on the kernel
    command line; cmdline is appended) and waits until its command loop
    answers, /run/fphint-setup says "ok" (else BenchError with the reason)
    and the mode's MODE_READY_CMD (if any) succeeds.
    ram_file: back guest RAM with this file (shared), see Vm.ram_file.
Bench.migrate(src, ram_file=None, max_bandwidth=..., timeout=300) -> (Vm, dict)
    Starts a destination QEMU with the source's configuration and
    -incoming tcp:127.0.0.1:PORT (free port), migrates, waits for completion,
    waits for the destination to run, quits the source.  Returns the
    destination and the source's statistics: transferred_bytes,
    normal_pages, zero_pages, total_ms, downtime_ms, setup_ms, syncs.
    Ping-pong is calling it again with the returned Vm.  On failure the
    destination is killed, the source left running, MigrationError raised.
Bench.migrate_cancel(src, after_s=0.5, timeout=120) -> dict
    Starts a migration, waits after_s once it is active, migrate_cancel;
    checks the source is still running; returns the query-migrate reply.
Bench.kill(vm)
    Kills one QEMU by PID.
Bench.diagnose(lines=25) -> str
    Kernel console tails of the guests still owned, for failure messages.
Vm.run(cmd, timeout=60) -> (rc, output)
    Runs a busybox sh command line in the guest (one line, no newline).
Vm.check(cmd, timeout=60) -> output          (raises GuestError if rc != 0)
Vm.qmp(command, **args) -> reply["return"]   (raises QmpError on error)
Vm.balloon(target_bytes); Vm.query_balloon() -> dict
Vm.meminfo() -> {"MemFree": kB, ...}
Vm.kernel_problems() -> [lines]   dmesg lines matching KERNEL_PROBLEM_RE
Vm.console_tail(n) -> str         last lines of the kernel console (ttyS0)
Vm.ram_file                       path of the file backing RAM, or None
Vm.mode, Vm.name, Vm.pid
Vm.kernel, Vm.qemu_version        checked against FPHINT_GUEST/FPHINT_QEMU at boot

Workload helpers (guest/fphint-workload.c):
start_workload(vm, fill_mib=1224, free_mib=1024, churn=False, timeout=300)
workload(vm, *args, timeout=120) -> (rc, output)      "fphint-workload ctl ..."
check_destination(vm, memfree_before_kb) -> dict
    integrity ("pass"/"fail"), verify_output, dst_kernel_clean,
    kernel_problems, memfree_recovered, memfree_after_kb, responsive.
measured_migration(bench, vm, scribble_mib=0, ram_file=None, label="",
                   max_bandwidth=...) -> (Vm, dict)
    scribble (optional), sample guest_inuse_pages, open the MemFree window,
    migrate, close it (min_memfree_kb), check_destination, and collect the
    fphint mode's extra stats (EXTRA_STATS_CMD) when the guest has them.

Environment: FPHINT_GUEST=6.1|6.12 (guest kernel, default 6.1) and
FPHINT_QEMU=7.2|10 (host, default 7.2): see docs/matrix.md;
FPHINT_KEEP_RUN=1 keeps the temporary directory (logs; a run that raised keeps it
anyway);
FPHINT_GUEST_RAM_KB changes guest RAM (only to show QEMU 7.2's TCG trap).
"""

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))

# The test matrix (docs/matrix.md): FPHINT_GUEST picks the guest kernel the
# image was built for, FPHINT_QEMU the host.  6.12 and QEMU 10 are unpacked
# by scripts/fetch-matrix.sh into FPHINT_CACHE, whose matrix.env names them.
GUESTS = ("6.1", "6.12")
HOSTS = ("7.2", "10")
GUEST = os.environ.get("FPHINT_GUEST") or "6.1"
HOST = os.environ.get("FPHINT_QEMU") or "7.2"
MATRIX_ENV = os.path.join(os.environ.get("FPHINT_CACHE") or "/var/cache/fphint", "matrix.env")
# Same rule as guest/matrix.mk: a non-default kernel's outputs live apart.
GUEST_SUFFIX = "" if GUEST == GUESTS[0] else "-" + GUEST
GUEST_KERNEL = os.path.join(BUILD, "guest" + GUEST_SUFFIX, "vmlinuz")
GUEST_INITRAMFS = os.path.join(BUILD, "guest" + GUEST_SUFFIX, "initramfs.cpio.gz")
KMOD_KO = os.path.join(BUILD, "kmod" + GUEST_SUFFIX, "fphint_balloon.ko")


def matrix_env():
    """KEY=value pairs of matrix.env ({} when not fetched)."""
    try:
        with open(MATRIX_ENV) as f:
            return dict(l.strip().split("=", 1) for l in f if "=" in l and not l.startswith("#"))
    except OSError:
        return {}


def host_setup():
    """(argv0, extra QEMU args, environment) of the FPHINT_QEMU host, or
    BenchError saying what is missing.  QEMU's own QEMU variable overrides
    the binary (for 7.2 only: 10 needs its firmware folder)."""
    if GUEST not in GUESTS or HOST not in HOSTS:
        raise BenchError("FPHINT_GUEST=%s FPHINT_QEMU=%s: must be one of %s and %s"
                         % (GUEST, HOST, "|".join(GUESTS), "|".join(HOSTS)))
    if HOST == "7.2":
        # QEMU 7.2's TCG runs the 6.12 kernel's SLUB fast path (cmpxchg16b
        # on %gs) wrongly: a double fault while booting, every time.  Without
        # CX16 the kernel takes its fallback; QEMU 10 runs it right.
        quirk = ["-cpu", "qemu64,-cx16"] if GUEST == "6.12" else []
        return os.environ.get("QEMU", "qemu-system-x86_64"), quirk, None
    m = matrix_env()
    if not m.get("FPHINT_M_QEMU"):
        raise BenchError("QEMU 10 not fetched (%s missing): run 'make deps-matrix'" % MATRIX_ENV)
    # -L: its own data files and seabios (the machine's belong to 7.2);
    # QEMU_MODULE_DIR: its own loadable modules, not 7.2's.
    return (m["FPHINT_M_QEMU"], ["-L", m["FPHINT_M_QEMU_FIRMWARE"]],
            dict(os.environ, QEMU_MODULE_DIR=m["FPHINT_M_QEMU_MODULE_DIR"]))


# QEMU 7.2: not a multiple of 256 KiB, or its TCG dirty-bitmap fast path
# loses writes (see shared/reference/test-host.md; fixed in QEMU 9.0, so
# QEMU 10 takes the round 2 GiB, and skips the slow sync path that freezes
# the guest through the migration's setup).
# FPHINT_GUEST_RAM_KB overrides it only to demonstrate that trap (e.g. 2097152
# on 7.2: the checks then catch QEMU's lost writes); never for figures.
GUEST_RAM_KB = int(os.environ.get("FPHINT_GUEST_RAM_KB") or
                   (2097144 if HOST == "7.2" else 2097152))
GUEST_RAM_BYTES = GUEST_RAM_KB * 1024
GUEST_PAGE_KB = 4
GUEST_RAM_PAGES = GUEST_RAM_KB // GUEST_PAGE_KB
MODES = ("none", "stock", "fphint")
# What each mode needs from the build (besides the guest image itself).
MODE_NEEDS = {
    "none": [],
    "stock": [],
    "fphint": [KMOD_KO, os.path.join(BUILD, "bin", "fphintd")],
}
KERNEL_PROBLEM_RE = re.compile(
    r"BUG|WARNING|Oops|list_del corruption|list_add corruption|"
    r"general protection|Call Trace|RIP:")
# Extra statistics a mode may expose in the guest; stored in records as
# "extra" when the command succeeds.
EXTRA_STATS_CMD = {
    "fphint": "cat /sys/kernel/debug/fphint_balloon/stats",
}
# A mode is ready once this succeeds in the guest (polled after boot): the
# fphint agent seeds the map and hands it to the module in the background.
MODE_READY_CMD = {
    "fphint": "grep -qx 'map_attached: 1' /sys/kernel/debug/fphint_balloon/stats",
}
MODE_READY_TIMEOUT = 90
MEMFREE_SLACK_KB = 64 * 1024
# How long a QMP command may take.  QEMU 7.2 answers QMP under its big lock,
# which its slow dirty-bitmap sync path holds for tens of seconds on a
# loaded 2-core host (seen: over 30 s): a timeout there is not a failure.
QMP_TIMEOUT = 120
DEFAULT_MAX_BANDWIDTH = 10 * 1024 ** 3


class BenchError(Exception):
    """Anything that went wrong driving QEMU or the guest."""


class QmpError(BenchError):
    pass


class GuestError(BenchError):
    pass


class MigrationError(BenchError):
    pass


def log(msg):
    """Progress line on stderr, flushed (tests log to files)."""
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mode_missing(mode):
    """Files a mode needs that are not built; [] when it can run."""
    return [f for f in MODE_NEEDS[mode] if not os.path.exists(f)]


def _die_with_parent():
    # Runs in the child before exec: QEMU gets SIGKILL if we die.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class _Deadline:
    def __init__(self, seconds, what):
        self.end = time.monotonic() + seconds
        self.what = what
        self.seconds = seconds

    def left(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise BenchError("timeout after %ss: %s" % (self.seconds, self.what))
        return left


def _connect_unix(path, timeout, what):
    """Connects to a unix socket QEMU creates, retrying until it exists."""
    dl = _Deadline(timeout, "%s %s" % (what, path))
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            time.sleep(0.05)
            dl.left()


class Qmp:
    """Minimal QMP client on a unix socket; events are kept in .events."""

    def __init__(self, path, timeout):
        self.sock = _connect_unix(path, timeout, "QMP socket")
        self.buf = b""
        self.events = []
        self._recv(QMP_TIMEOUT)  # greeting
        self.execute("qmp_capabilities")

    def _recv(self, timeout):
        dl = _Deadline(timeout, "QMP reply")
        while b"\n" not in self.buf:
            self.sock.settimeout(dl.left())
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise QmpError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, timeout=None, **args):
        msg = {"execute": command}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        dl = _Deadline(timeout or QMP_TIMEOUT, "QMP %s" % command)
        while True:
            reply = self._recv(dl.left())
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QmpError("%s: %s" % (command, reply["error"].get("desc", reply["error"])))
            return reply.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# A command that printed nothing for this long gets a bare newline on the
# channel (the guest's loop skips it).  QEMU's UART raises its interrupt
# again on every byte it receives: should the guest have missed one, the
# poke lets its 8250 driver catch up on both directions.  An answer that
# came right after a poke is logged (a long command answers after pokes
# anyway): a guest that keeps losing interrupts has a problem.
POKE_AFTER_S = 10.0
# How long a write to the channel may wait for the guest's UART to take it.
SEND_TIMEOUT_S = 10.0


class Channel:
    """The guest's command loop on its second serial port (see guest/init)."""

    def __init__(self, path, timeout):
        self.sock = _connect_unix(path, timeout, "serial socket")
        self.buf = b""
        self.seq = 0
        self.pokes = 0
        self.poked_at = 0.0

    def _line(self, dl):
        while b"\n" not in self.buf:
            self.sock.settimeout(min(dl.left(), 1.0))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not data:
                raise GuestError("guest serial connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def _send(self, data, what):
        self.sock.settimeout(SEND_TIMEOUT_S)
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise BenchError("%s: the guest's serial port took no input for %g s"
                             % (what, SEND_TIMEOUT_S)) from None

    def send(self, cmd):
        if "\n" in cmd:
            raise GuestError("guest command must be one line: %r" % cmd)
        self.seq += 1
        tok = "%d-%d" % (os.getpid(), self.seq)
        self._send(("@@fphint %s %s\n" % (tok, cmd)).encode(), "guest command %r" % cmd)
        return tok

    def run(self, cmd, timeout):
        tok = self.send(cmd)
        return self.wait(tok, _Deadline(timeout, "guest command %r" % cmd))

    def wait(self, tok, dl, tokens=None):
        """Waits for @@E of tok (or any of tokens); returns (rc, output)."""
        tokens = tokens or {tok}
        out, inside = [], None
        heard = time.monotonic()
        while True:
            line = self._line(dl)
            if line is None:
                if time.monotonic() - heard >= POKE_AFTER_S:
                    self._send(b"\n", "poke")
                    self.pokes += 1
                    heard = self.poked_at = time.monotonic()
                continue
            heard = time.monotonic()
            if line.startswith("@@B "):
                inside = line[4:].strip()
                out = []
            elif line.startswith("@@E "):
                parts = line.split()
                if len(parts) == 3 and parts[1] in tokens:
                    return int(parts[2]), "\n".join(out)
                inside = None
            elif inside in tokens:
                out.append(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Vm:
    """One QEMU process (one incarnation of the guest)."""

    def __init__(self, bench, mode, cmdline, ram_file, incoming_port=None):
        bench.counter += 1
        self.bench = bench
        self.mode = mode
        self.cmdline = cmdline
        self.ram_file = ram_file
        self.name = "vm%d-%s" % (bench.counter, mode)
        d = bench.dir
        self.qmp_path = os.path.join(d, self.name + ".qmp")
        self.cmd_path = os.path.join(d, self.name + ".cmd")
        self.console_path = os.path.join(d, self.name + ".console")
        self.log_path = os.path.join(d, self.name + ".qemu.log")
        self.incoming_port = incoming_port
        self.kernel = self.qemu_version = None  # set by Bench.boot / migrate
        self._qmp = None
        self._chan = None
        args = [
            bench.qemu, "-accel", "tcg", "-machine", "pc", "-smp", "2",
            "-m", "%dk" % bench.ram_kb,
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-kernel", GUEST_KERNEL, "-initrd", GUEST_INITRAMFS,
            "-append", ("console=ttyS0 fphint.mode=%s %s" % (mode, cmdline)).strip(),
            "-chardev", "file,id=con,path=%s" % self.console_path, "-serial", "chardev:con",
            "-chardev", "socket,id=cmd,path=%s,server=on,wait=off" % self.cmd_path,
            "-serial", "chardev:cmd",
            "-chardev", "socket,id=qmp,path=%s,server=on,wait=off" % self.qmp_path,
            "-mon", "chardev=qmp,mode=control",
            "-object", "iothread,id=io0",
            "-device", "virtio-balloon-pci,free-page-hint=on,iothread=io0",
        ] + bench.qemu_args
        if ram_file:
            # Same RAM block name as QEMU's default ("pc.ram") so a guest
            # with anonymous RAM can migrate into a file-backed one.
            args += ["-object", "memory-backend-file,id=pc.ram,size=%d,mem-path=%s,share=on"
                     % (bench.ram_kb * 1024, ram_file), "-machine", "memory-backend=pc.ram"]
        elif bench.noreserve:
            # A guest bigger than the host's RAM + swap cannot be mapped
            # under the kernel's heuristic overcommit: MAP_NORESERVE; only
            # what the guest touches becomes host memory.
            args += ["-object", "memory-backend-ram,id=pc.ram,size=%d,reserve=off"
                     % (bench.ram_kb * 1024), "-machine", "memory-backend=pc.ram"]
        if incoming_port:
            args += ["-incoming", "tcp:127.0.0.1:%d" % incoming_port]
        self.args = args
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT, env=bench.qemu_env,
                                         preexec_fn=_die_with_parent)
        self.pid = self.proc.pid
        bench.vms.append(self)

    def alive(self):
        return self.proc.poll() is None

    def _dead_error(self, what):
        return BenchError("%s: QEMU %s exited (%s): %s" % (
            what, self.name, self.proc.returncode, self.qemu_log_tail()))

    def qemu_log_tail(self, n=5):
        try:
            with open(self.log_path, errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-n:])
        except OSError:
            return ""

    def console_tail(self, n=40):
        try:
            with open(self.console_path, errors="replace") as f:
                return "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    @property
    def qmp_conn(self):
        if self._qmp is None:
            if not self.alive():
                raise self._dead_error("QMP")
            self._qmp = Qmp(self.qmp_path, 30)
        return self._qmp

    def qmp(self, command, timeout=None, **args):
        if not self.alive():
            raise self._dead_error("QMP %s" % command)
        return self.qmp_conn.execute(command, timeout=timeout, **args)

    @property
    def chan(self):
        if self._chan is None:
            self._chan = Channel(self.cmd_path, 30)
        return self._chan

    def run(self, cmd, timeout=60):
        if not self.alive():
            raise self._dead_error("guest command %r" % cmd)
        pokes = self.chan.pokes
        try:
            res = self.chan.run(cmd, timeout)
        except BenchError as e:
            # A guest that stopped answering: its kernel console says why,
            # and QEMU whether its main loop and the UART's interrupt moved.
            raise BenchError("%s (%d pokes)\n--- %s: %s\n--- %s console tail:\n%s"
                             % (e, self.chan.pokes - pokes, self.name, self._qemu_state(),
                                self.name, self.console_tail(40))) from None
        since_poke = time.monotonic() - self.chan.poked_at
        if self.chan.pokes > pokes and since_poke < 1.0:
            log("%s: guest command %r answered %.2f s after poke %d of the command channel"
                % (self.name, cmd, since_poke, self.chan.pokes - pokes))
        return res

    def _qemu_state(self):
        try:
            status = self.qmp("query-status", timeout=5).get("status")
            irqs = self.qmp("human-monitor-command", timeout=5, **{"command-line": "info irq"})
            return "status %s; info irq: %s" % (status, " ".join(irqs.split()))
        except Exception as e:  # noqa: BLE001 -- diagnostics only
            return "QMP: %s" % e

    def check(self, cmd, timeout=60):
        rc, out = self.run(cmd, timeout)
        if rc != 0:
            raise GuestError("guest command %r failed (%d): %s" % (cmd, rc, out[-500:]))
        return out

    def wait_ready(self, timeout):
        """Pings the command loop until it answers (boot, or after restore)."""
        dl = _Deadline(timeout, "%s to answer (console: %s)" % (
            self.name, self.console_path))
        tokens = set()
        while True:
            if not self.alive():
                raise self._dead_error("boot")
            tokens.add(self.chan.send("echo ready"))
            try:
                self.chan.wait(None, _Deadline(min(2.0, dl.left()), "ping"), tokens)
                return
            except BenchError:
                dl.left()

    def balloon(self, target_bytes):
        return self.qmp("balloon", value=int(target_bytes))

    def query_balloon(self):
        return self.qmp("query-balloon")

    def meminfo(self):
        out = self.check("cat /proc/meminfo")
        info = {}
        for line in out.splitlines():
            m = re.match(r"(\S+):\s+(\d+)", line)
            if m:
                info[m.group(1)] = int(m.group(2))
        return info

    def kernel_problems(self):
        out = self.check("dmesg", timeout=120)
        return [l for l in out.splitlines() if KERNEL_PROBLEM_RE.search(l)]

    def close_connections(self):
        for c in (self._qmp, self._chan):
            if c:
                c.close()
        self._qmp = self._chan = None

    def kill(self):
        self.close_connections()
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def quit(self, timeout=20):
        """Asks QEMU to quit, kills it if it does not."""
        try:
            if self.alive():
                self.qmp("quit", timeout=5)
                self.proc.wait(timeout)
        except (BenchError, OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


_live_benches = []


def _cleanup_all():
    for b in list(_live_benches):
        b.close()


def _on_signal(signum, frame):
    _cleanup_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


atexit.register(_cleanup_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


class Bench:
    def __init__(self, name, timeout=None, ram_kb=None):
        self.qemu, self.qemu_args, self.qemu_env = host_setup()
        self.ram_kb = ram_kb or GUEST_RAM_KB
        self.noreserve = bool(ram_kb)
        for f in (GUEST_KERNEL, GUEST_INITRAMFS):
            if not os.path.exists(f):
                raise BenchError("%s missing: run 'make guest FPHINT_GUEST=%s'" % (f, GUEST))
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="fphint-%s-" % name)
        self.vms = []
        self.ram_files = []
        self.counter = 0
        self.timeout = timeout
        _live_benches.append(self)
        if timeout:
            signal.signal(signal.SIGALRM, self._alarm)
            signal.alarm(int(timeout))

    def _alarm(self, signum, frame):
        raise BenchError("%s: hard timeout of %ss reached" % (self.name, self.timeout))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        # A run that raised keeps its consoles and QEMU logs.
        self.close(keep=exc_type is not None)
        return False

    def close(self, keep=False):
        if self.timeout:
            signal.alarm(0)
        for vm in self.vms:
            vm.kill()
        self.vms = []
        for f in self.ram_files:
            try:
                os.unlink(f)
            except OSError:
                pass
        self.ram_files = []
        if self in _live_benches:
            _live_benches.remove(self)
            if keep or os.environ.get("FPHINT_KEEP_RUN"):
                log("kept run directory %s" % self.dir)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def new_ram_file(self, tag="ram"):
        """A path in /dev/shm for a file-backed guest RAM, removed at close."""
        path = os.path.join("/dev/shm", "fphint-%d-%s-%d" % (os.getpid(), tag, len(self.ram_files)))
        self.ram_files.append(path)
        return path

    def diagnose(self, lines=25):
        """The kernel console tail of every live guest, for failure reports."""
        return "\n".join("--- %s console (%s):\n%s" % (vm.name, "running" if vm.alive()
                                                       else "exited", vm.console_tail(lines))
                         for vm in self.vms)

    def kill(self, vm):
        vm.kill()
        if vm in self.vms:
            self.vms.remove(vm)

    def boot(self, mode, cmdline="", ram_file=None, timeout=180):
        if mode not in MODES:
            raise BenchError("unknown mode %r (none|stock|fphint)" % mode)
        missing = mode_missing(mode)
        if missing:
            raise BenchError("mode %s not built yet: %s missing" % (mode, ", ".join(missing)))
        t0 = time.monotonic()
        vm = Vm(self, mode, cmdline, ram_file)
        try:
            vm.wait_ready(timeout)
            setup = vm.check("cat /run/fphint-setup").strip()
            if setup != "ok":
                raise BenchError("guest %s setup: %s" % (mode, setup))
            self._check_matrix(vm)
            self._wait_mode_ready(vm)
        except BaseException as e:
            tail = vm.console_tail()
            log("boot of %s failed; console tail:\n%s" % (vm.name, tail))
            self.kill(vm)
            e.console_tail = tail  # the guest is gone: callers keep it from here
            raise
        log("%s booted in %.1fs (pid %d)" % (vm.name, time.monotonic() - t0, vm.pid))
        return vm

    def _check_matrix(self, vm):
        """The guest runs the FPHINT_GUEST kernel and QEMU is the FPHINT_QEMU
        version: a figure is never filed under the wrong combination."""
        kver = vm.check("uname -r").strip()
        v = vm.qmp("query-version")["qemu"]
        qver = "%d.%d" % (v["major"], v["minor"])
        if not kver.startswith(GUEST + ".") or not (qver + ".").startswith(HOST + "."):
            raise BenchError("guest kernel %s on QEMU %s, but FPHINT_GUEST=%s FPHINT_QEMU=%s "
                             "(rebuild: make guest FPHINT_GUEST=%s)" % (kver, qver, GUEST, HOST, GUEST))
        vm.kernel, vm.qemu_version = kver, qver

    def _wait_mode_ready(self, vm):
        cmd = MODE_READY_CMD.get(vm.mode)
        if not cmd:
            return
        dl = _Deadline(MODE_READY_TIMEOUT, "mode %s to be ready (%s)" % (vm.mode, cmd))
        while vm.run(cmd)[0] != 0:
            if dl.end - time.monotonic() < 1:
                agent = vm.run("tail -n 5 /run/fphintd.log")[1]
                raise BenchError("mode %s not ready after %ss (%s); fphintd log: %s" % (
                    vm.mode, MODE_READY_TIMEOUT, cmd, agent.replace("\n", " | ")))
            time.sleep(0.5)

    def _start_destination(self, src, ram_file, attempts=3):
        for attempt in range(attempts):
            # The port can be taken between free_port() and QEMU's bind.
            port = free_port()
            dst = Vm(self, src.mode, src.cmdline, ram_file, incoming_port=port)
            # Ready when QMP answers and the status is "inmigrate".
            dl = _Deadline(60, "destination %s to listen" % dst.name)
            while dst.alive():
                try:
                    if dst.qmp("query-status")["status"] == "inmigrate":
                        return dst, port
                except BenchError:
                    dst.close_connections()
                time.sleep(0.1)
                dl.left()
            err = dst._dead_error("incoming")
            self.kill(dst)
            log("%s (attempt %d/%d)" % (err, attempt + 1, attempts))
        raise err

    def migrate(self, src, ram_file=None, max_bandwidth=DEFAULT_MAX_BANDWIDTH, timeout=300):
        dst, port = self._start_destination(src, ram_file)
        try:
            src.qmp("migrate-set-parameters", **{"max-bandwidth": max_bandwidth})
            src.qmp("migrate", uri="tcp:127.0.0.1:%d" % port)
            dl = _Deadline(timeout, "migration %s -> %s" % (src.name, dst.name))
            while True:
                info = src.qmp("query-migrate")
                status = info.get("status")
                if status == "completed":
                    # QEMU 7.2 sets "completed" just before it computes
                    # total-time and downtime: a query in between reads 0.
                    for _ in range(20):
                        if info.get("total-time"):
                            break
                        time.sleep(0.05)
                        info = src.qmp("query-migrate")
                    break
                if status in ("failed", "cancelled"):
                    raise MigrationError("migration %s -> %s %s: %s" % (
                        src.name, dst.name, status, info.get("error-desc", "")))
                if not dst.alive():
                    raise dst._dead_error("migration")
                time.sleep(0.1)
                dl.left()
            dl = _Deadline(60, "destination %s to run" % dst.name)
            while dst.qmp("query-status")["status"] != "running":
                time.sleep(0.1)
                dl.left()
        except BaseException:
            self.kill(dst)
            raise
        ram = info.get("ram", {})
        stats = {
            "transferred_bytes": ram.get("transferred", 0),
            "normal_pages": ram.get("normal", 0),
            "zero_pages": ram.get("duplicate", 0),
            "total_ms": info.get("total-time", 0),
            "downtime_ms": info.get("downtime", 0),
            # What was sent while the guest was stopped (QEMU 7.1+): the
            # pages still dirty when QEMU decided to switch over.
            "downtime_bytes": ram.get("downtime-bytes"),
            "setup_ms": info.get("setup-time", 0),
            "syncs": ram.get("dirty-sync-count", 0),
        }
        dst.kernel, dst.qemu_version = src.kernel, src.qemu_version
        src.quit()
        if src in self.vms:
            self.vms.remove(src)
        return dst, stats

    def migrate_cancel(self, src, after_s=0.5, max_bandwidth=DEFAULT_MAX_BANDWIDTH, timeout=120):
        dst, port = self._start_destination(src, None)
        try:
            src.qmp("migrate-set-parameters", **{"max-bandwidth": max_bandwidth})
            src.qmp("migrate", uri="tcp:127.0.0.1:%d" % port)
            dl = _Deadline(timeout, "migration of %s to become active" % src.name)
            while src.qmp("query-migrate").get("status") in ("setup", None):
                time.sleep(0.05)
                dl.left()
            time.sleep(after_s)
            src.qmp("migrate_cancel")
            while True:
                info = src.qmp("query-migrate")
                if info.get("status") in ("cancelled", "completed", "failed"):
                    break
                time.sleep(0.1)
                dl.left()
            if info.get("status") == "completed":
                raise MigrationError("migration of %s completed before the cancel (after_s=%s "
                                     "too long)" % (src.name, after_s))
            if src.qmp("query-status")["status"] != "running":
                raise MigrationError("%s not running after cancel" % src.name)
        finally:
            self.kill(dst)
        return info


def workload(vm, *args, timeout=120):
    return vm.run("fphint-workload ctl " + " ".join(str(a) for a in args), timeout)


def start_workload(vm, fill_mib=1224, free_mib=1024, churn=False, timeout=300):
    """Starts the workload daemon in the guest and waits until it is ready."""
    vm.check("fphint-workload daemon --fill-mib %d --free-mib %d%s >/tmp/workload.log 2>&1 &"
             % (fill_mib, free_mib, " --churn" if churn else ""))
    dl = _Deadline(timeout, "workload in %s to be ready" % vm.name)
    while True:
        rc, out = workload(vm, "status")
        if rc == 0 and "state=ready" in out:
            return out
        if rc == 0 or "cannot reach" in out:
            time.sleep(1)
            dl.left()
            continue
        raise GuestError("workload: %s / %s" % (out, vm.run("cat /tmp/workload.log")[1]))


def memfree_kb(vm):
    return vm.meminfo()["MemFree"]


def check_destination(vm, memfree_before_kb=None, recover_timeout=30):
    """The checks run on a destination after a migration."""
    res = {"responsive": False}
    rc, out = vm.run("echo alive", 30)
    res["responsive"] = rc == 0 and "alive" in out
    rc, out = workload(vm, "verify", timeout=180)
    res["verify_output"] = out
    res["integrity"] = "pass" if rc == 0 and "MISMATCH" not in out else "fail"
    problems = vm.kernel_problems()
    res["kernel_problems"] = problems
    res["dst_kernel_clean"] = not problems
    if memfree_before_kb is not None:
        dl = time.monotonic() + recover_timeout
        while True:
            now = memfree_kb(vm)
            if now >= memfree_before_kb - MEMFREE_SLACK_KB or time.monotonic() > dl:
                break
            time.sleep(1)
        res["memfree_after_kb"] = now
        res["memfree_recovered"] = now >= memfree_before_kb - MEMFREE_SLACK_KB
    return res


def _field(out, key):
    m = re.search(r"\b%s=(-?\d+)" % re.escape(key), out)
    return int(m.group(1)) if m else None


def host_loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# The window before a migration whose slowest fault is the stall baseline.
STALL_BEFORE_NS = 10 * 10 ** 9
# /proc/vmstat counters of direct reclaim: a guest that had to reclaim
# because hinting held memory back.
DIRECT_RECLAIM_RE = re.compile(r"^(allocstall_\w+|pgscan_direct)\s+(\d+)$", re.M)


def direct_reclaim(vm):
    """allocstall_* + pgscan_direct of the guest, summed."""
    rc, out = vm.run("cat /proc/vmstat")
    if rc != 0:
        raise GuestError("vmstat: " + out)
    return sum(int(v) for _, v in DIRECT_RECLAIM_RE.findall(out))


def probe_now(vm):
    rc, out = workload(vm, "probe", "now")
    if rc != 0:
        raise GuestError("probe now: " + out)
    return _field(out, "now_ns")


def probe_max_ms(vm, start_ns, end_ns):
    """The workload's slowest recorded fault overlapping [start_ns, end_ns]."""
    rc, out = workload(vm, "probe", "max", max(start_ns, 0), end_ns)
    if rc != 0:
        raise GuestError("probe max: " + out)
    return round(_field(out, "max_ns") / 1e6, 2)


def hint_rounds(vm):
    """The fphint module's recent rounds: [(start_ns, end_ns)]."""
    rc, out = vm.run("cat /sys/kernel/debug/fphint_balloon/rounds")
    if rc != 0:
        return []
    return [(int(f[1]), int(f[2])) for f in
            (line.split() for line in out.splitlines()[1:]) if len(f) >= 3]


def stall_figures(src_mark, dst, reclaim_before):
    """Allocation-stall figures of one migration (the probe was on): the
    slowest fault in the 10 s before it, over the whole migration (QEMU's
    setup included), overlapping one of the module's hint rounds (fphint),
    and the guest's direct reclaim over the migration."""
    end = probe_now(dst)
    fig = {"max_stall_before_ms": probe_max_ms(dst, src_mark - STALL_BEFORE_NS, src_mark),
           "max_stall_ms": probe_max_ms(dst, src_mark, end),
           "allocstall_delta": direct_reclaim(dst) - reclaim_before}
    if dst.mode == "fphint":
        rounds = [(a, b) for a, b in hint_rounds(dst) if b >= src_mark]
        fig["hint_rounds"] = len(rounds)
        fig["max_stall_in_rounds_ms"] = max([probe_max_ms(dst, a, b) for a, b in rounds],
                                            default=0.0)
    return fig


def measured_migration(bench, vm, scribble_mib=0, ram_file=None, label="",
                       max_bandwidth=DEFAULT_MAX_BANDWIDTH, stall_probe=False):
    """One migration with every figure and check; returns (dst, record).
    stall_probe: the workload's probe is on; add the stall figures."""
    if scribble_mib:
        rc, out = workload(vm, "scribble", scribble_mib, timeout=300)
        if rc != 0:
            raise GuestError("scribble: " + out)
    if stall_probe:
        reclaim_before = direct_reclaim(vm)
        mark = probe_now(vm)
    before = memfree_kb(vm)
    inuse = (bench.ram_kb - before) // GUEST_PAGE_KB
    workload(vm, "sample", "start")
    t0 = time.monotonic()
    load = host_loadavg()
    dst, stats = bench.migrate(vm, ram_file=ram_file, max_bandwidth=max_bandwidth)
    wall = time.monotonic() - t0
    rc, out = workload(dst, "sample", "stop", timeout=30)
    rec = dict(stats)
    rec["label"] = label
    rec["mode"] = vm.mode
    rec["guest_kernel"] = vm.kernel
    rec["qemu_version"] = vm.qemu_version
    rec["guest_inuse_pages"] = inuse
    rec["memfree_before_kb"] = before
    rec["min_memfree_kb"] = _field(out, "min_memfree_kb")
    # When MemFree bottomed out, from just before `migrate`: with total_ms it
    # shows whether a balloon driver finished grabbing memory in time.
    rec["min_memfree_at_ms"] = _field(out, "min_at_ms")
    rec["wall_s"] = round(wall, 2)
    # The host is shared and QEMU's migration thread races the guest's
    # vCPUs for 2 cores: the hinting figures depend on it.
    rec["host_loadavg_1m"] = load
    rec["ratio"] = round((stats["normal_pages"] + stats["zero_pages"]) / inuse, 2) if inuse else None
    rec.update(check_destination(dst, before))
    if stall_probe:
        rec.update(stall_figures(mark, dst, reclaim_before))
    cmd = EXTRA_STATS_CMD.get(vm.mode)
    if cmd:
        rc, out = dst.run(cmd + " 2>/dev/null")
        if rc == 0 and out.strip():
            rec["extra"] = parse_stats(out)
    return dst, rec


def parse_stats(text):
    """'key: value' or 'key=value' lines -> dict (numbers as int).  The
    module's hold histogram line for 1 ms ('lock_hold_ns_bucket 1000000: N',
    cumulative) becomes lock_hold_within_1ms."""
    d = {}
    m = re.search(r"^lock_hold_ns_bucket 1000000: (\d+)$", text, re.M)
    if m:
        d["lock_hold_within_1ms"] = int(m.group(1))
    for line in text.splitlines():
        m = re.match(r"\s*([\w.-]+)\s*[:=]\s*(\S+)", line)
        if m:
            v = m.group(2)
            d[m.group(1)] = int(v) if re.fullmatch(r"-?\d+", v) else v
    return d or {"raw": text}


def memfree_dip_pct(rec):
    """How far MemFree fell during the migration, in % of just before: the
    sampled minimum, or the most pages the module ever had off the free
    lists at once if larger (a short isolation can fall between two 20 ms
    samples)."""
    isolated_kb = (rec.get("extra") or {}).get("max_isolated_pages", 0) * GUEST_PAGE_KB
    return round(100.0 * max(rec["memfree_before_kb"] - rec["min_memfree_kb"], isolated_kb)
                 / rec["memfree_before_kb"], 2)


def record_ok(rec):
    """The per-migration verdict of the tests."""
    return (rec["integrity"] == "pass" and rec["dst_kernel_clean"]
            and rec["responsive"] and rec.get("memfree_recovered", True))


def describe(rec):
    down = rec.get("downtime_bytes")
    return ("%s %s: sent %.0f MiB, normal %d, zero %d, total %d ms, downtime %d ms%s, "
            "setup %d ms, syncs %d, inuse %d pages, min MemFree %s kB, integrity %s, "
            "kernel %s%s" % (
                rec["mode"], rec.get("label", ""), rec["transferred_bytes"] / 2 ** 20,
                rec["normal_pages"], rec["zero_pages"], rec["total_ms"], rec["downtime_ms"],
                "" if down is None else " (%.1f MiB)" % (down / 2 ** 20),
                rec["setup_ms"], rec["syncs"], rec["guest_inuse_pages"], rec["min_memfree_kb"],
                rec["integrity"], "clean" if rec["dst_kernel_clean"] else
                "PROBLEMS: " + " | ".join(rec["kernel_problems"][:5]),
                "" if rec.get("memfree_recovered", True) else
                ", MemFree NOT recovered (%s kB)" % rec.get("memfree_after_kb")))
