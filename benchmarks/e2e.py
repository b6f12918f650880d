"""End to end: the same applications under gunicorn, driven by ``wrk``.

Each system and its baseline get their own gunicorn (2 sync workers) on an
ephemeral 127.0.0.1 port, started with a deadline and always stopped.

On a small shared machine the requests/s of one run says more about what
else was running than about the server: ``wrk`` and the workers compete for
the same cores, and two runs of the same server differ by a factor of two.
So the primary figure is the **server's CPU time per request**: the utime +
stime of the gunicorn master's worker processes (``/proc/<pid>/stat``), read
before and after each ``wrk`` run, divided by the number of requests ``wrk``
completed. A worker is charged only for its own work, so that figure barely
moves when another process takes a core away; the throughput-equivalent
ratio is bare CPU per request ÷ system CPU per request.

To keep ``wrk`` and the workers apart, gunicorn (master and workers) runs on
CPU 1 and ``wrk`` (one thread) on CPU 0, via ``taskset``; without
``taskset`` or without both CPUs the runs are not pinned and ``wrk`` uses two
threads. Runs go in blocks of four, A B B A then B A A B (baseline, system,
system, baseline), so a linear drift cancels within a block; every block
starts a fresh pair of servers, in alternating order, because two identical
servers differ by a few per cent. Each block gives one ratio, and the report
gives the median over blocks and their spread, with the requests/s
alongside.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE = 20.0
#: Kernel clock ticks per second: the unit of utime and stime.
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: After ``wrk`` stops, the workers may still answer the requests queued on
#: connections it just closed; wait for them before reading the CPU times.
SETTLE = 0.2
#: Untimed requests sent to each server before a scenario is timed.
WARM_UP = 100
SERVER_CPU, CLIENT_CPU = 1, 0


def available() -> str | None:
    """Why the end-to-end part cannot run, or ``None`` when it can."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install wrk)"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "gunicorn is not installed (pip install -e '.[bench]')"
    if not os.path.exists(f"/proc/{os.getpid()}/stat"):
        return "no /proc to read the workers' CPU time from"
    return None


@dataclass(frozen=True)
class Pinning:
    """Command prefixes for the server and for ``wrk``; why not, if not."""

    server: tuple[str, ...] = ()
    client: tuple[str, ...] = ()
    threads: int = 2
    note: str | None = None

    def describe(self) -> str:
        if self.note:
            return f"not pinned ({self.note}), wrk -t{self.threads} -c16"
        return (
            f"gunicorn pinned to CPU {SERVER_CPU}, wrk -t{self.threads} -c16 "
            f"to CPU {CLIENT_CPU}"
        )


def pinning() -> Pinning:
    """Pin gunicorn to CPU 1 and wrk to CPU 0 when ``taskset`` can."""
    taskset = shutil.which("taskset")
    if taskset is None:
        return Pinning(note="taskset (util-linux) is not installed")
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        allowed = set()
    if not {SERVER_CPU, CLIENT_CPU} <= allowed:
        return Pinning(note=f"CPUs {CLIENT_CPU} and {SERVER_CPU} not both usable")
    return Pinning(
        (taskset, "-c", str(SERVER_CPU)), (taskset, "-c", str(CLIENT_CPU)), 1
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, cookie: str | None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=2) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


# -- the workers' CPU time -------------------------------------------------


def children(pid: int) -> set[int]:
    """The child processes of *pid* (gunicorn's workers, for its master)."""
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        for tid in tasks:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found.update(int(p) for p in f.read().split())
        return found
    except FileNotFoundError:
        if not os.path.exists(f"/proc/{pid}"):
            raise
    # A kernel without CONFIG_PROC_CHILDREN: scan every process's parent.
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces: split after its ")".
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


@dataclass
class Server:
    url: str
    pid: int  # the gunicorn master

    def workers(self) -> set[int]:
        return children(self.pid)


@contextmanager
def gunicorn(system: str, prefix: tuple[str, ...] = ()) -> Iterator[Server]:
    """Serve *system* with gunicorn; yield the server; always stop it."""
    port = _free_port()
    env = dict(os.environ, FLASHMW_BENCH_SYSTEM=system)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers=2",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--chdir",
        str(ROOT),
        "benchmarks.e2e_app:application",
    ]
    if prefix:
        # exec, so that the pid we hold is gunicorn's master itself.
        cmd = [*prefix, *cmd]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"gunicorn for {system} exited: {err[-2000:]}")
            try:
                if _get(url + "/s0", None)[0] == 200:
                    server = Server(url, proc.pid)
                    if len(server.workers()) == 2:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {system} did not start in time")
            time.sleep(0.1)
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


# -- one wrk run -----------------------------------------------------------

_DONE = re.compile(r"(\d+) requests in ([0-9.]+)(us|ms|s|m)\b")
_SCALE = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
# gunicorn's sync workers close every connection, so wrk's "Socket errors"
# line is expected; a non-2xx/3xx answer is not.
_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


@dataclass
class Run:
    """One bounded ``wrk`` run and the server CPU time it cost."""

    requests: int
    seconds: float  # wall time of the run, as wrk reports it
    cpu: float  # seconds of the workers' utime + stime

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(
    url: str,
    cookie: str | None,
    duration: int,
    pin: Pinning = Pinning(),
) -> tuple[int, float]:
    """Requests completed and seconds taken by one bounded ``wrk`` run."""
    cmd = [
        *pin.client,
        "wrk",
        f"-t{pin.threads}",
        "-c16",
        f"-d{duration}s",
        "--timeout",
        "2s",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*cmd, url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout
    match = _DONE.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no request count:\n{out}")
    errors = _ERRORS.search(out)
    if errors and int(errors.group(1)):
        raise RuntimeError(f"wrk saw error responses:\n{out}")
    return int(match.group(1)), float(match.group(2)) * _SCALE[match.group(3)]


def measure(
    server: Server, path: str, cookie: str | None, duration: int, pin: Pinning
) -> Run:
    """One ``wrk`` run against *server*, with the workers' CPU time."""
    pids = server.workers()
    before = sum(cpu_ticks(p) for p in pids)
    requests, seconds = wrk(server.url + path, cookie, duration, pin)
    time.sleep(SETTLE)
    after = sum(cpu_ticks(p) for p in pids)
    if server.workers() != pids:
        raise RuntimeError(f"a gunicorn worker was replaced during a run: {pids}")
    if requests <= 0:
        raise RuntimeError("wrk completed no request")
    return Run(requests, seconds, (after - before) / CLK_TCK)


# -- blocks of runs --------------------------------------------------------


@dataclass
class Block:
    """Four runs, A B B A or B A A B: two of the system, two of the baseline."""

    system: list[Run]
    baseline: list[Run]

    @staticmethod
    def _cpu(runs: list[Run]) -> float:
        return sum(r.cpu for r in runs) / sum(r.requests for r in runs)

    @property
    def cpu_system(self) -> float:
        """Server CPU seconds per request, over the block's two runs."""
        return self._cpu(self.system)

    @property
    def cpu_baseline(self) -> float:
        return self._cpu(self.baseline)

    @property
    def cpu_ratio(self) -> float:
        """Throughput equivalent: baseline CPU/request ÷ system CPU/request."""
        return self.cpu_baseline / self.cpu_system

    @property
    def rps_ratio(self) -> float:
        return sum(r.rps for r in self.system) / sum(r.rps for r in self.baseline)


@dataclass
class Throughput:
    scenario: str
    system: str
    baseline: str
    blocks: list[Block] = field(default_factory=list)

    def _median(self, fn: Callable[[Block], float]) -> float:
        return statistics.median(fn(b) for b in self.blocks)

    @property
    def cpu_system(self) -> float:
        """Median over blocks of the system's CPU seconds per request."""
        return self._median(lambda b: b.cpu_system)

    @property
    def cpu_baseline(self) -> float:
        return self._median(lambda b: b.cpu_baseline)

    @property
    def ratio(self) -> float:
        """Median over blocks of the CPU-based throughput-equivalent ratio."""
        return self._median(lambda b: b.cpu_ratio)

    @property
    def spread(self) -> tuple[float, float]:
        ratios = [b.cpu_ratio for b in self.blocks]
        return min(ratios), max(ratios)

    @property
    def system_rps(self) -> float:
        return statistics.median(r.rps for b in self.blocks for r in b.system)

    @property
    def baseline_rps(self) -> float:
        return statistics.median(r.rps for b in self.blocks for r in b.baseline)

    @property
    def rps_ratio(self) -> float:
        return self._median(lambda b: b.rps_ratio)

    @property
    def rps_spread(self) -> tuple[float, float]:
        ratios = [b.rps_ratio for b in self.blocks]
        return min(ratios), max(ratios)


def run(
    pairs: dict[str, str],
    cookies: dict[str, str],
    duration: int,
    blocks: dict[str, int],
    log: Callable[..., None] = print,
    pin: Pinning | None = None,
) -> list[Throughput]:
    """S0 (no cookie) and S2 (the system's own flash cookie) for every pair.

    *blocks* gives, per system, how many blocks of four *duration*-second
    runs each scenario gets. Every block has a fresh pair of servers: two
    identical servers differ by a few per cent in CPU per request (memory
    layout, and the one started first tends to be the slower), so the start
    order alternates (system first in blocks 1 and 2, baseline first in 3
    and 4, ...) as does the run order (A B B A, B A A B, ...).
    """
    pin = pinning() if pin is None else pin
    results = []
    for system, baseline in pairs.items():
        scenarios = (("S0", "/s0", None), ("S2", "/s2", cookies[system]))
        found = {name: Throughput(name, system, baseline) for name, _, _ in scenarios}
        for k in range(blocks[system]):
            names = {"s": system, "b": baseline}
            with ExitStack() as stack:
                servers = {
                    role: stack.enter_context(gunicorn(names[role], pin.server))
                    for role in ("sb" if (k // 2) % 2 == 0 else "bs")
                }
                for scenario, path, cookie in scenarios:
                    # The system must do the work: S2 renders the messages.
                    status, body = _get(servers["s"].url + path, cookie)
                    assert status == 200, (system, scenario, status)
                    if scenario == "S2":
                        assert body.count(b"<li") == 3, (system, body[:200])
                    # Warm both servers' workers on this path, untimed.
                    for server in servers.values():
                        for _ in range(WARM_UP):
                            _get(server.url + path, cookie)
                    order = "bssb" if k % 2 == 0 else "sbbs"
                    runs: dict[str, list[Run]] = {"s": [], "b": []}
                    for which in order:
                        runs[which].append(
                            measure(servers[which], path, cookie, duration, pin)
                        )
                    block = Block(runs["s"], runs["b"])
                    found[scenario].blocks.append(block)
                    log(
                        f"  e2e {scenario} {system} block {k + 1}: "
                        f"{block.cpu_system * 1e6:.1f} us CPU/req, {baseline} "
                        f"{block.cpu_baseline * 1e6:.1f} us (x{block.cpu_ratio:.3f}); "
                        f"req/s {' '.join(f'{r.rps:.0f}' for r in runs['s'])} vs "
                        f"{' '.join(f'{r.rps:.0f}' for r in runs['b'])} "
                        f"(x{block.rps_ratio:.3f})"
                    )
        results.extend(found.values())
    return results
