"""In-process timing: call a WSGI callable directly with a prepared environ.

Each call copies a prepared environ, calls the application, drains the body
and calls ``close()``, as a server would. Machines are noisy, so a system and
its baseline are timed in interleaved batches (A B B A, then B A A B in the
next round) and the figure quoted is the median, over many rounds, of the
paired per-request differences.
"""

from __future__ import annotations

import gc
import io
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .apps import COOKIE_NAMES, PAIRS, make_app

#: The CPU time of this thread, not wall time: on a shared machine a batch
#: that is preempted would otherwise count the other process's time slice.
#: (Linux CLOCK_THREAD_CPUTIME_ID, nanosecond resolution; it still counts a
#: slower core, cache pollution and a busy hyperthread sibling: that noise is
#: what the paired A B B A rounds and medians are for.)
CLOCK = time.thread_time

SCENARIOS = ("S0", "S0c", "S1", "S2", "S3", "S4")
SCENARIO_TEXT = {
    "S0": "no flash cookie, app does not touch flashes",
    "S0c": "as S0, with a 480-byte Cookie header of other cookies",
    "S1": "flash 1 message, 302",
    "S2": "cookie with 3 messages, read all with categories and render (cleared)",
    "S3": "cookie with 3 messages, app does not read (left alone)",
    "S4": "flash 20 messages of 100 characters, 302",
}
_PATHS = {"S0": "/s0", "S0c": "/s0", "S1": "/s1", "S2": "/s2", "S3": "/s0", "S4": "/s4"}

#: What a browser with a few analytics and framework cookies sends (S0c).
OTHER_COOKIES = (
    "_ga=GA1.1.1234567890.1700000000; "
    "_ga_XYZ123ABC=GS1.1.1700000000.3.1.1700000123.0.0.0; "
    "_gid=GA1.2.987654321.1700000000; "
    "_fbp=fb.1.1700000000000.1234567890; "
    "csrftoken=Zq8vV1nT3rWfK0pYx2bH7mLcD4sJ9eGuA6oQiN5tRzE1wPkYbX3cVnM8aSdF0gH; "
    "sessionid=k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8; "
    "theme=dark; lang=en-US; "
    "cookie_consent=necessary%2Canalytics%2Cmarketing; "
    "_hjSessionUser_123456=eyJpZCI6IjEyMzQ1Njc4LTkwYWItY2RlZi0xMjM0LTU2Nzg5MGFiY2RlZiJ9"
)


def base_environ(path: str, cookie: str | None = None) -> dict[str, Any]:
    """A GET request environ as gunicorn would build it."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "54321",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
        "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.5",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _write(data: bytes) -> None:
    pass


def _start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
    return _write


def call(app: Callable[..., Any], template: dict[str, Any]) -> None:
    """One request: copy the environ, call, drain the body, close."""
    result = app(template.copy(), _start_response)
    try:
        for _ in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


@dataclass
class Response:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def set_cookies(self) -> list[str]:
        return [v.strip() for k, v in self.headers if k.lower() == "set-cookie"]


def request(app: Callable[..., Any], template: dict[str, Any]) -> Response:
    """One request, keeping the response for inspection."""
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, list(headers)
        return _write

    result = app(template.copy(), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Response(seen["status"], seen["headers"], body)


def cookie_of(response: Response, name: str) -> str:
    """The ``name=value`` pair a response sets."""
    for line in response.set_cookies():
        pair = line.split(";", 1)[0]
        if pair.startswith(name + "=") and len(pair) > len(name) + 1:
            return pair
    raise AssertionError(f"no {name} cookie in {response.headers!r}")


@dataclass
class Case:
    """One scenario for one flash system and its baseline (same environ)."""

    scenario: str
    system: str
    baseline: str
    app: Callable[..., Any]
    base_app: Callable[..., Any]
    environ: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def build_cases(systems: tuple[str, ...] = tuple(PAIRS)) -> list[Case]:
    """Every scenario for every system, checked to do what it claims."""
    apps = {}
    for system in systems:
        apps[system] = make_app(system)
        apps[PAIRS[system]] = make_app(PAIRS[system])
    cases = []
    for system in systems:
        app, base = apps[system], apps[PAIRS[system]]
        name = COOKIE_NAMES[system]
        primed = cookie_of(request(app, base_environ("/prime")), name)
        for scenario in SCENARIOS:
            cookie = {
                "S0": None,
                "S0c": OTHER_COOKIES,
                "S2": primed,
                "S3": primed,
            }.get(scenario)
            environ = base_environ(_PATHS[scenario], cookie)
            case = Case(scenario, system, PAIRS[system], app, base, environ)
            check(case)
            cases.append(case)
    return cases


def check(case: Case) -> None:
    """Verify that a case does the work its scenario names, for both sides."""
    got = request(case.app, case.environ)
    expected = request(case.base_app, case.environ)
    assert got.status[:3] == expected.status[:3], (case, got.status)
    name = COOKIE_NAMES[case.system]
    cookies = [c for c in got.set_cookies() if c.startswith(name + "=")]
    scenario = case.scenario
    if scenario in ("S0", "S0c", "S3"):
        assert not cookies, (case.system, scenario, cookies)
    elif scenario in ("S1", "S4"):
        assert got.status.startswith("302") and len(cookies) == 1, (case, got)
        if scenario == "S4":
            case.notes.append(f"cookie {len(cookies[0])} B")
    else:  # S2: the messages are rendered and the cookie is deleted
        assert got.body == expected.body, (case.system, got.body, expected.body)
        assert len(cookies) == 1, (case.system, got.headers)
        value = cookies[0].split(";", 1)[0].split("=", 1)[1]
        assert value in ("", '""'), cookies
    if scenario == "S4":
        # Count what the next request would show: Django's CookieStorage
        # (2048-byte limit) drops what does not fit.
        pair = cookies[0].split(";", 1)[0]
        follow = dict(case.environ, PATH_INFO="/s2", HTTP_COOKIE=pair)
        shown = request(case.app, follow).body.count(b"<li")
        case.notes.append(f"{shown}/20 kept")


def _batch(app: Callable[..., Any], template: dict[str, Any], n: int) -> float:
    """Mean seconds per request over *n* requests."""
    clock = CLOCK
    start = clock()
    for _ in range(n):
        call(app, template)
    return (clock() - start) / n


def batch_size(fn: Callable[[], float], target: float) -> int:
    """How many calls make a batch of about *target* seconds."""
    per_call = min(fn() for _ in range(3))
    return max(1, min(20000, int(target / max(per_call, 1e-7))))


@dataclass
class Paired:
    """Median per-request figures over rounds, in seconds."""

    diff: float  # median of (system - baseline)
    system: float
    baseline: float
    q1: float
    q3: float
    rounds: int
    diffs: list[float]
    #: Median floor per request, timed in the same rounds (or None).
    floor: float | None = None
    #: Median over rounds of diff / floor of the same round (or None).
    ratio: float | None = None


def _run(fn: Callable[[], object], n: int) -> float:
    clock = CLOCK
    start = clock()
    for _ in range(n):
        fn()
    return (clock() - start) / n


def paired(
    a: Callable[..., Any],
    b: Callable[..., Any],
    template: dict[str, Any],
    rounds: int,
    target: float,
    floor: Callable[[], object] | None = None,
    floor_minus_baseline: bool = False,
) -> Paired:
    """Time *a* against *b* in interleaved batches; median paired difference.

    With *floor*, a batch of it runs in the middle of every round (A B F B A,
    then B A F A B), so the ratio of the overhead to the floor is taken
    between figures measured within milliseconds of each other: a machine
    whose speed drifts during the run moves both alike. With
    *floor_minus_baseline* the floor is *floor*'s time minus the baseline's
    (for a floor that is itself a request, such as a minimal middleware).
    """
    for _ in range(20):  # warm caches and lazy imports
        call(a, template)
        call(b, template)
    n = batch_size(lambda: _batch(a, template, 5), target)
    nf = 0
    if floor is not None:
        for _ in range(20):
            floor()
        nf = batch_size(lambda: _run(floor, 5), target)
    diffs, sa, sb, floors, ratios = [], [], [], [], []
    enabled = gc.isenabled()
    try:
        for r in range(rounds):
            gc.collect()
            gc.disable()
            first, second = (a, b) if r % 2 == 0 else (b, a)
            t1 = _batch(first, template, n)
            t2 = _batch(second, template, n)
            tf = _run(floor, nf) if floor is not None else 0.0
            t3 = _batch(second, template, n)
            t4 = _batch(first, template, n)
            if enabled:
                gc.enable()
            (a1, a2, b1, b2) = (t1, t4, t2, t3) if r % 2 == 0 else (t2, t3, t1, t4)
            ta, tb = (a1 + a2) / 2, (b1 + b2) / 2
            diffs.append(ta - tb)
            sa.append(ta)
            sb.append(tb)
            if floor is not None:
                f = tf - tb if floor_minus_baseline else tf
                floors.append(f)
                ratios.append((ta - tb) / f if f > 0 else float("inf"))
    finally:
        if enabled:
            gc.enable()
    q = statistics.quantiles(diffs, n=4) if len(diffs) > 1 else [diffs[0]] * 3
    return Paired(
        statistics.median(diffs),
        statistics.median(sa),
        statistics.median(sb),
        q[0],
        q[2],
        rounds,
        diffs,
        statistics.median(floors) if floors else None,
        statistics.median(ratios) if ratios else None,
    )


def time_function(fn: Callable[[], object], rounds: int, target: float) -> float:
    """Median seconds per call of a no-argument function."""

    def run(n: int) -> float:
        clock = CLOCK
        start = clock()
        for _ in range(n):
            fn()
        return (clock() - start) / n

    for _ in range(50):
        fn()
    n = batch_size(lambda: run(20), target)
    enabled = gc.isenabled()
    samples = []
    try:
        for _ in range(rounds):
            gc.collect()
            gc.disable()
            samples.append(run(n))
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    return statistics.median(samples)
