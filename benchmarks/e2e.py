"""End to end: the same applications under gunicorn, driven by ``wrk``.

Each system and its baseline get their own gunicorn (2 sync workers) on an
ephemeral 127.0.0.1 port, started with a deadline and always stopped. ``wrk``
runs short, bounded loads against them in the order A B B A (baseline,
system, system, baseline), alternating with B A A B for the next scenario,
and the figure quoted is the ratio of the mean requests/s.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE = 20.0


def available() -> str | None:
    """Why the end-to-end part cannot run, or ``None`` when it can."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install wrk)"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "gunicorn is not installed (pip install -e '.[bench]')"
    return None


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


@contextmanager
def gunicorn(system: str) -> Iterator[str]:
    """Serve *system* with gunicorn; yield its base URL; always stop it."""
    port = _free_port()
    env = dict(os.environ, FLASHMW_BENCH_SYSTEM=system)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    proc = subprocess.Popen(
        [
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
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {system} did not start in time")
            time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


_RATE = re.compile(r"Requests/sec:\s+([0-9.]+)")
# gunicorn's sync workers close every connection, so wrk's "Socket errors"
# line is expected; a non-2xx/3xx answer is not.
_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def wrk(url: str, cookie: str | None, duration: float) -> float:
    """Requests per second of one bounded ``wrk`` run."""
    cmd = ["wrk", "-t2", "-c16", f"-d{max(1, round(duration))}s", "--timeout", "2s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*cmd, url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout
    match = _RATE.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    errors = _ERRORS.search(out)
    if errors and int(errors.group(1)):
        raise RuntimeError(f"wrk saw error responses:\n{out}")
    return float(match.group(1))


@dataclass
class Throughput:
    scenario: str
    system: str
    baseline: str
    system_rps: float
    baseline_rps: float

    @property
    def ratio(self) -> float:
        return self.system_rps / self.baseline_rps


def run(
    pairs: dict[str, str],
    cookies: dict[str, str],
    duration: float,
    log: Callable[..., None] = print,
) -> list[Throughput]:
    """S0 (no cookie) and S2 (the system's own flash cookie) for every pair."""
    results = []
    for system, baseline in pairs.items():
        with gunicorn(system) as sys_url, gunicorn(baseline) as base_url:
            for flip, (scenario, path, cookie) in enumerate(
                (("S0", "/s0", None), ("S2", "/s2", cookies[system]))
            ):
                # The system must do the work: S2 renders the messages.
                status, body = _get(sys_url + path, cookie)
                assert status == 200, (system, scenario, status)
                if scenario == "S2":
                    assert body.count(b"<li") == 3, (system, body[:200])
                order = ["b", "s", "s", "b"] if flip == 0 else ["s", "b", "b", "s"]
                rates: dict[str, list[float]] = {"s": [], "b": []}
                for which in order:
                    url = (sys_url if which == "s" else base_url) + path
                    rates[which].append(wrk(url, cookie, duration))
                result = Throughput(
                    scenario,
                    system,
                    baseline,
                    sum(rates["s"]) / 2,
                    sum(rates["b"]) / 2,
                )
                log(
                    f"  e2e {scenario} {system}: {result.system_rps:.0f} req/s, "
                    f"{baseline}: {result.baseline_rps:.0f} req/s "
                    f"(x{result.ratio:.3f})"
                )
                results.append(result)
    return results
