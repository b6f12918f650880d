"""S2 with cold caches: why flashmw costs more in a server than in a loop.

A warm loop keeps flashmw's code and data in the CPU caches; a server runs
its own request parsing and response writing between two application calls
and evicts them. This script times S2 (bare app and flashmw, interleaved)
both ways: warm, and with unrelated Python work between calls that touches
a few megabytes, as a server does. Run it with::

    .venv/bin/python -m benchmarks.cold

It prints medians of thread CPU time per call, in µs. Figures on the 2-core
development VM: warm overhead 28 µs, cold 84 µs (the bare app: 9 and 26 µs),
which matches the 87 µs that flashmw adds per request inside gunicorn's
workers (``python -m benchmarks``, server CPU per request).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder

from .apps import make_app

_JUNK = [str(i) * 3 for i in range(200_000)]
_PAIRS = re.compile(r"(\w+)=(\w+)")


def _thrash() -> None:
    """Unrelated work between two calls, as a server's own code does."""
    total = 0
    for item in _JUNK[::7]:
        total += len(item)
    json.dumps({"numbers": list(range(2000))})
    _PAIRS.findall("a=b c=d " * 500)


def _cookie(app: Callable[..., Any]) -> str:
    headers: list[tuple[str, str]] = []

    def start_response(
        status: str, sent: list[tuple[str, str]], exc: Any = None
    ) -> Any:
        headers[:] = sent
        return lambda data: None

    b"".join(app(EnvironBuilder(path="/prime").get_environ(), start_response))
    [value] = [v for k, v in headers if k == "Set-Cookie"]
    return value.split(";", 1)[0]


def _median_call(app: Callable[..., Any], environ: dict[str, Any], cold: bool) -> float:
    def start_response(status: str, headers: Any, exc: Any = None) -> Any:
        return lambda data: None

    times = []
    for _ in range(400):
        if cold:
            _thrash()
        env = dict(environ)
        started = time.thread_time_ns()
        b"".join(app(env, start_response))
        times.append(time.thread_time_ns() - started)
    return statistics.median(times) / 1000


def main() -> None:
    """Print warm and cold S2 timings of the bare app and of flashmw."""
    apps = {name: make_app(name) for name in ("bare", "flashmw")}
    environ = EnvironBuilder(
        path="/s2", headers={"Cookie": _cookie(apps["flashmw"])}
    ).get_environ()
    print("| S2 | bare µs | flashmw µs | overhead µs |")
    print("|---|---:|---:|---:|")
    for cold in (False, True):
        runs: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(5):
            for name, app in apps.items():
                runs[name].append(_median_call(app, environ, cold))
        bare, flashmw = (statistics.median(runs[n]) for n in ("bare", "flashmw"))
        label = "cold (caches evicted)" if cold else "warm (tight loop)"
        print(f"| {label} | {bare:.1f} | {flashmw:.1f} | {flashmw - bare:.1f} |")


if __name__ == "__main__":
    main()
