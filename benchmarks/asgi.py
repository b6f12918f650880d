"""The ASGI driver's benchmark: overhead per request, and uvicorn under wrk.

    .venv/bin/python -m benchmarks.asgi            # full run (a few minutes)
    .venv/bin/python -m benchmarks.asgi --quick    # smoke run
    .venv/bin/python -m benchmarks.asgi --no-e2e   # in-process only

**In process.** Each system of :mod:`benchmarks.asgi_apps` is called with a
prepared scope as uvicorn builds it, and timed against the bare application
with :func:`benchmarks.harness.paired` (interleaved A B B A batches, the
median of the paired differences, thread CPU time). The coroutine is driven
without an event loop: none of these applications waits for I/O, so one
``send(None)`` runs a whole request, and the cost of an event loop (the
same for both sides) stays out of the difference. flashmw's S0, S0c and S3
are also timed against the floor, :class:`~benchmarks.asgi_apps.
MinimalMiddleware`, in the same rounds; S1 and S2 against starlette-flash
on Starlette's ``SessionMiddleware``, the peer a Starlette user would pick.

**Under uvicorn.** One uvicorn process (pinned to CPU 1, ``wrk`` to CPU 0
when ``taskset`` can) per system, in blocks of A B B A runs, as
:mod:`benchmarks.e2e` does for gunicorn: the server's CPU time per request
and the requests/s, each as a ratio to the bare application, for S0 and S2.

Progress goes to stderr, the report to stdout. The targets live here, and
no unit test asserts a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from typing import Any

from . import e2e
from .asgi_apps import COOKIE_NAMES, make_app, peer_available
from .harness import OTHER_COOKIES, SCENARIO_TEXT, SCENARIOS, Paired, call, paired

US = 1e6
#: flashmw's overhead on the idle scenarios, as a multiple of the floor's.
FLOOR_TARGET = 1.5
#: flashmw's overhead on S1 and S2, as a fraction of starlette-flash's.
PEER_TARGET = 1 / 3
#: The scenarios run under uvicorn.
E2E_SCENARIOS = ("S0", "S2")
_PATHS = {"S0": "/s0", "S0c": "/s0", "S1": "/s1", "S2": "/s2", "S3": "/s0", "S4": "/s4"}


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


# -- driving an ASGI app in process -------------------------------------------


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: Any) -> None:
    pass


class Driven:
    """An ASGI application behind the WSGI calling convention of
    :func:`benchmarks.harness.call`, so that its paired timing applies as
    it is: ``driven(scope, start_response)`` runs one request and returns
    an empty body. What the adapter costs is the same for both sides."""

    def __init__(self, app: Any, send: Callable[[Any], Any] = _discard) -> None:
        self.app = app
        self.send = send

    def __call__(self, scope: dict[str, Any], start_response: Any) -> tuple[()]:
        coroutine = self.app(scope, _receive, self.send)
        try:
            coroutine.send(None)
        except StopIteration:
            return ()
        coroutine.close()
        raise RuntimeError("the application waited for I/O: no loop-free timing")


def base_scope(path: str, cookie: str | None = None) -> dict[str, Any]:
    """A GET request scope as uvicorn builds it."""
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
        (b"accept", b"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
        (b"accept-language", b"en-US,en;q=0.5"),
        (b"accept-encoding", b"gzip, deflate"),
    ]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 54321),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "state": {},
    }


@dataclass
class Reply:
    """One response, kept for checking."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def cookie(self, name: str) -> str | None:
        """The value the response sets for cookie *name*, if any."""
        for key, value in self.headers:
            if key.lower() == "set-cookie" and value.startswith(name + "="):
                return value.split(";", 1)[0].split("=", 1)[1]
        return None


def request(app: Any, scope: dict[str, Any]) -> Reply:
    """One request, keeping the response."""
    sent: list[Any] = []

    async def keep(message: Any) -> None:
        sent.append(message)

    Driven(app, keep)(dict(scope), None)
    start = sent[0]
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return Reply(start["status"], headers, body)


# -- the cases ----------------------------------------------------------------


@dataclass
class Case:
    scenario: str
    system: str
    app: Driven
    base: Driven
    scope: dict[str, Any]


def build_cases(systems: tuple[str, ...]) -> list[Case]:
    """Every scenario for every flash system, checked to do what it says."""
    bare = make_app("bare")
    cases = []
    for system in systems:
        app = make_app(system)
        name = COOKIE_NAMES[system]
        primed = request(app, base_scope("/prime")).cookie(name)
        assert primed, (system, "no cookie from /prime")
        pair = f"{name}={primed}"
        for scenario in SCENARIOS:
            cookie = {"S0c": OTHER_COOKIES, "S2": pair, "S3": pair}.get(scenario)
            scope = base_scope(_PATHS[scenario], cookie)
            check(scenario, system, app, bare, scope)
            cases.append(Case(scenario, system, Driven(app), Driven(bare), scope))
    return cases


def check(scenario: str, system: str, app: Any, bare: Any, scope: Any) -> None:
    """The system does the scenario's work and answers as the bare app."""
    got, expected = request(app, scope), request(bare, scope)
    assert got.status == expected.status, (system, scenario, got.status)
    cookie = got.cookie(COOKIE_NAMES[system])
    if scenario in ("S0", "S0c", "S3"):
        assert cookie is None, (system, scenario, got.headers)
    elif scenario in ("S1", "S4"):
        assert cookie, (system, scenario, got.headers)
    else:  # S2: the three messages are rendered and the cookie rewritten
        assert got.body == expected.body, (system, got.body, expected.body)
        assert cookie is not None, (system, got.headers)


# -- in process -----------------------------------------------------------------


@dataclass
class Settings:
    rounds: int
    batch_seconds: float
    e2e_seconds: int
    e2e_blocks: int


QUICK = Settings(rounds=9, batch_seconds=0.001, e2e_seconds=1, e2e_blocks=1)
FULL = Settings(rounds=61, batch_seconds=0.004, e2e_seconds=3, e2e_blocks=3)


def measure_inprocess(
    settings: Settings, systems: tuple[str, ...]
) -> dict[tuple[str, str], Paired]:
    """Every case's paired overhead; flashmw's idle ones against the floor."""
    results: dict[tuple[str, str], Paired] = {}
    bare = Driven(make_app("bare"))
    floors = {"minimal": Driven(make_app("minimal"))}
    cases = build_cases(systems)
    for case in cases:
        floor: Callable[[], object] | None = None
        if case.system == "flashmw" and case.scenario in ("S0", "S0c", "S3"):
            floor = partial(call, floors["minimal"], case.scope)
        result = paired(
            case.app,
            case.base,
            case.scope,
            settings.rounds,
            settings.batch_seconds,
            floor,
            True,
        )
        results[(case.scenario, case.system)] = result
        extra = "" if result.ratio is None else f", x{result.ratio:.2f} floor"
        log(
            f"  {case.scenario:4} {case.system:16} {result.diff * US:7.2f} us"
            f" (IQR {result.q1 * US:.2f}..{result.q3 * US:.2f}; bare"
            f" {result.baseline * US:.2f} us{extra})"
        )
    s3 = next(case.scope for case in cases if case.scenario == "S3")
    for scenario, name, scope in (
        ("S0", "minimal", base_scope("/s0")),
        ("S0", "passthrough", base_scope("/s0")),
        # S3's own floor, against the same floor in the same rounds.
        ("S3", "minimal_s3", s3),
    ):
        floor = (
            partial(call, floors["minimal"], scope) if name == "minimal_s3" else None
        )
        floor_app = Driven(make_app(name))
        result = paired(
            floor_app, bare, scope, settings.rounds, settings.batch_seconds, floor, True
        )
        results[(scenario, name)] = result
        log(f"  {scenario}   {name:16} {result.diff * US:7.2f} us")
    return results


# -- under uvicorn --------------------------------------------------------------


@contextlib.contextmanager
def uvicorn(system: str, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, int]]:
    """One uvicorn process serving *system* on 127.0.0.1; (url, pid)."""
    port = e2e._free_port()
    env = dict(os.environ, FLASHMW_BENCH_SYSTEM=system)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(e2e.ROOT), env.get("PYTHONPATH", "")) if p
    )
    command = [
        *prefix,
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--lifespan",
        "off",
        "benchmarks.asgi_apps:application",
    ]
    process = subprocess.Popen(
        command,
        cwd=e2e.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + e2e.START_DEADLINE
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"uvicorn for {system} exited: {error[-2000:]}")
            try:
                if e2e._get(url + "/s0", None)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn for {system} did not start in time")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def _run(
    url: str, pid: int, path: str, cookie: str | None, seconds: int, pin: Any
) -> e2e.Run:
    before = e2e.cpu_ticks(pid)
    requests, wall = e2e.wrk(url + path, cookie, seconds, pin)
    time.sleep(e2e.SETTLE)
    cpu = (e2e.cpu_ticks(pid) - before) / e2e.CLK_TCK
    return e2e.Run(requests, wall, cpu)


def measure_e2e(settings: Settings) -> list[tuple[str, list[e2e.Block]]]:
    """S0 and S2 for flashmw against the bare app, in blocks of A B B A."""
    pin = e2e.pinning()
    log(f"  uvicorn: {pin.describe().replace('gunicorn', 'uvicorn')}")
    cookie = request(make_app("flashmw"), base_scope("/prime")).cookie("flashmw")
    out = []
    for scenario in E2E_SCENARIOS:
        path = _PATHS[scenario]
        pair = f"flashmw={cookie}" if scenario == "S2" else None
        blocks = []
        for index in range(settings.e2e_blocks):
            order = ("bare", "flashmw") if index % 2 == 0 else ("flashmw", "bare")
            with uvicorn(order[0], pin.server) as a, uvicorn(order[1], pin.server) as b:
                for url, _ in (a, b):
                    for _ in range(e2e.WARM_UP):
                        e2e._get(url + path, pair)
                runs = [
                    _run(*server, path, pair, settings.e2e_seconds, pin)
                    for server in (a, b, b, a)
                ]
            first, second = [runs[0], runs[3]], [runs[1], runs[2]]
            system, base = (second, first) if order[0] == "bare" else (first, second)
            block = e2e.Block(system, base)
            blocks.append(block)
            log(
                f"  {scenario} block {index + 1}: cpu ratio {block.cpu_ratio:.3f},"
                f" req/s ratio {block.rps_ratio:.3f}"
            )
        out.append((scenario, blocks))
    return out


# -- the report -----------------------------------------------------------------


def _us(value: float | None) -> str:
    return "–" if value is None else f"{value * US:.2f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table_inprocess(results: dict[tuple[str, str], Paired]) -> list[str]:
    rows = [
        "| Scenario | flashmw µs | floor µs | flashmw ÷ floor "
        "| starlette-flash µs | flashmw ÷ starlette-flash | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for scenario in SCENARIOS:
        ours = results.get((scenario, "flashmw"))
        if ours is None:
            continue
        peer = results.get((scenario, "starlette_flash"))
        versus = None if peer is None or peer.diff <= 0 else ours.diff / peer.diff
        target, met = "–", None
        if scenario in ("S0", "S3"):
            target = f"≤ {FLOOR_TARGET}× floor"
            met = ours.ratio is not None and ours.ratio <= FLOOR_TARGET
        elif scenario in ("S1", "S2"):
            target = "≤ 1/3 starlette-flash"
            met = versus is not None and versus <= PEER_TARGET
        rows.append(
            f"| {scenario} | {_us(ours.diff)} | {_us(ours.floor)} "
            f"| {'–' if ours.ratio is None else f'{ours.ratio:.2f}'} "
            f"| {_us(None if peer is None else peer.diff)} "
            f"| {'–' if versus is None else f'{versus:.3f}'} "
            f"| {target} | {'–' if met is None else ('yes' if met else 'NO')} |"
        )
    return rows


def table_absolute(results: dict[tuple[str, str], Paired]) -> list[str]:
    rows = [
        "| Scenario | system | bare µs | system µs | overhead IQR µs |",
        "|---|---|---:|---:|---|",
    ]
    for (scenario, system), r in results.items():
        rows.append(
            f"| {scenario} | {system} | {_us(r.baseline)} | {_us(r.system)} "
            f"| {r.q1 * US:.2f} … {r.q3 * US:.2f} |"
        )
    return rows


def table_e2e(results: list[tuple[str, list[e2e.Block]]]) -> list[str]:
    rows = [
        "| Scenario | flashmw CPU µs/req | bare CPU µs/req | CPU ratio (median) "
        "| req/s ratio (median) | blocks |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for scenario, blocks in results:
        rows.append(
            f"| {scenario} "
            f"| {statistics.median(b.cpu_system for b in blocks) * US:.1f} "
            f"| {statistics.median(b.cpu_baseline for b in blocks) * US:.1f} "
            f"| {statistics.median(b.cpu_ratio for b in blocks):.3f} "
            f"| {statistics.median(b.rps_ratio for b in blocks):.3f} "
            f"| {len(blocks)} |"
        )
    return rows


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.asgi", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--no-e2e", action="store_true", help="skip uvicorn + wrk")
    parser.add_argument("--rounds", type=int, help="override the rounds")
    options = parser.parse_args(argv)
    settings = QUICK if options.quick else FULL
    if options.rounds:
        settings = Settings(
            options.rounds,
            settings.batch_seconds,
            settings.e2e_seconds,
            settings.e2e_blocks,
        )
    missing = peer_available()
    systems = ("flashmw",) if missing else ("flashmw", "starlette_flash")
    started = time.monotonic()
    log("in process:")
    results = measure_inprocess(settings, systems)
    lines = ["## flashmw ASGI benchmark", ""]
    lines.append(
        f"Python {platform.python_version()}, flashmw {_version('flashmw')}, "
        f"starlette {_version('starlette')}, starlette-flash "
        f"{_version('starlette-flash')}, uvicorn {_version('uvicorn')}; "
        f"{os.cpu_count()} cores; {settings.rounds} rounds."
    )
    if missing:
        lines.append(f"starlette-flash not measured: {missing}.")
    lines += ["", "### Overhead per request over the bare ASGI app (median)", ""]
    lines += table_inprocess(results)
    floor, through = results[("S0", "minimal")], results[("S0", "passthrough")]
    s3_floor = results[("S3", "minimal_s3")]
    lines += [
        "",
        f"Floor: `MinimalMiddleware` (benchmarks/asgi_apps.py), {_us(floor.diff)} µs "
        f"on S0; a middleware that only awaits the app costs {_us(through.diff)} µs.",
        f"S3's own floor, `MinimalS3Middleware` (find the flash cookie, add `Vary` "
        f"and a private `Cache-Control`, as any response to a request carrying "
        f"the cookie must): {_us(s3_floor.diff)} µs, "
        f"{_ratio(s3_floor.ratio)}× the floor.",
        "",
    ]
    lines += [f"- {s}: {SCENARIO_TEXT[s]}" for s in SCENARIOS]
    lines += ["", "### Absolute times", ""]
    lines += table_absolute(results)
    if not options.no_e2e:
        why = e2e.available()
        if why:
            lines += ["", f"uvicorn + wrk not run: {why}."]
        else:
            log("under uvicorn:")
            lines += ["", "### Under uvicorn with wrk (1 process)", ""]
            lines += table_e2e(measure_e2e(settings))
    lines += ["", f"Took {time.monotonic() - started:.0f} s."]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
