"""Django's messages through FlashStorage, CookieStorage and FallbackStorage.

    .venv/bin/python -m benchmarks.django_storage            # about 2 minutes
    .venv/bin/python -m benchmarks.django_storage --quick    # a smoke run

One Django project (``benchmarks.django_urls``: the views of :mod:`.apps`,
which call ``django.contrib.messages``), three message storages, each in its
own ``WSGIHandler`` whose only difference is the messages middleware's
storage. Every system is timed against its baseline with
:func:`.harness.paired` in the same run, scenario by scenario:

- ``FlashStorage`` and ``CookieStorage``: the handler without the messages
  middleware;
- ``FallbackStorage`` (Django's default): the handler with only
  ``SessionMiddleware`` (cache sessions in local memory), since the storage
  needs sessions and the baseline must not count them.

The figure is the median paired overhead per request; the ratio is
FlashStorage's over the other's. The target is a ratio under 1 in every
scenario.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from .apps import make_django_bare
from .harness import (
    OTHER_COOKIES,
    SCENARIO_TEXT,
    SCENARIOS,
    base_environ,
    cookie_of,
    paired,
    request,
)

US = 1e6
#: Each storage, the cookie it writes and its middleware's dotted path.
STORAGES = {
    "flashmw": ("FlashStorage", "flashmw"),
    "cookie": ("CookieStorage", "messages"),
    "fallback": ("FallbackStorage", "messages"),
}
_PATHS = {"S0": "/s0", "S0c": "/s0", "S1": "/s1", "S2": "/s2", "S3": "/s0", "S4": "/s4"}
_SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"


def _middleware_class(storage: str) -> type:
    """A MessageMiddleware that makes *storage*, whatever MESSAGE_STORAGE says:
    the three handlers share one settings object."""
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.contrib.messages.storage.fallback import FallbackStorage

    from flashmw.django import FlashStorage

    chosen = {
        "flashmw": FlashStorage,
        "cookie": CookieStorage,
        "fallback": FallbackStorage,
    }[storage]

    class Middleware(MessageMiddleware):  # type: ignore[misc]
        def process_request(self, request: Any) -> None:
            request._messages = chosen(request)

    Middleware.__name__ = f"{STORAGES[storage][0]}Middleware"
    return Middleware


def _handler(middleware: list[str]) -> Callable[..., Any]:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    # WSGIHandler() reads MIDDLEWARE once, when it is made.
    settings.MIDDLEWARE = middleware
    try:
        return WSGIHandler()  # type: ignore[no-any-return]
    finally:
        settings.MIDDLEWARE = []


def make_handlers() -> dict[str, Callable[..., Any]]:
    """The three systems and their baselines, on one project."""
    bare = make_django_bare()  # configures the benchmark project
    from django.conf import settings

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    module = sys.modules[__name__]
    handlers: dict[str, Callable[..., Any]] = {"bare": bare}
    for storage in STORAGES:
        name = f"_{storage}_middleware"
        setattr(module, name, _middleware_class(storage))
        chain = [f"{__name__}.{name}"]
        if storage == "fallback":
            chain.insert(0, _SESSIONS)
        handlers[storage] = _handler(chain)
    handlers["sessions"] = _handler([_SESSIONS])
    return handlers


def _baseline(storage: str) -> str:
    return "sessions" if storage == "fallback" else "bare"


def _check(
    storage: str,
    scenario: str,
    app: Callable[..., Any],
    base: Callable[..., Any],
    environ: dict[str, Any],
) -> None:
    """The case does the work its scenario names (as :func:`.harness.check`)."""
    got, expected = request(app, environ), request(base, environ)
    assert got.status[:3] == expected.status[:3], (storage, scenario, got.status)
    name = STORAGES[storage][1]
    cookies = [c for c in got.set_cookies() if c.startswith(name + "=")]
    if scenario in ("S0", "S0c", "S3"):
        assert not cookies, (storage, scenario, cookies)
    elif scenario in ("S1", "S4"):
        assert len(cookies) == 1, (storage, scenario, got.headers)
    else:
        assert got.body == expected.body, (storage, got.body, expected.body)
        assert len(cookies) == 1, (storage, scenario, got.headers)


def run(rounds: int, target: float) -> dict[str, dict[str, float]]:
    """Median overhead per request (seconds), by storage and scenario."""
    handlers = make_handlers()
    results: dict[str, dict[str, float]] = {s: {} for s in STORAGES}
    primed = {
        storage: cookie_of(
            request(handlers[storage], base_environ("/prime")), STORAGES[storage][1]
        )
        for storage in STORAGES
    }
    for scenario in SCENARIOS:
        for storage in STORAGES:
            cookie = {
                "S0": None,
                "S0c": OTHER_COOKIES,
                "S2": primed[storage],
                "S3": primed[storage],
            }.get(scenario)
            environ = base_environ(_PATHS[scenario], cookie)
            app, base = handlers[storage], handlers[_baseline(storage)]
            _check(storage, scenario, app, base, environ)
            timing = paired(app, base, environ, rounds, target)
            results[storage][scenario] = timing.diff
            print(
                f"{scenario} {STORAGES[storage][0]}: {timing.diff * US:.2f} µs",
                file=sys.stderr,
            )
    return results


def report(results: dict[str, dict[str, float]]) -> str:
    """The Markdown table of overheads and ratios."""
    lines = [
        "| Scenario | FlashStorage µs | CookieStorage µs | FallbackStorage µs "
        "| Flash ÷ Cookie | Flash ÷ Fallback | below both |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for scenario in SCENARIOS:
        ours = results["flashmw"][scenario]
        cookie = results["cookie"][scenario]
        fallback = results["fallback"][scenario]

        def ratio(other: float, ours: float = ours) -> str:
            return f"{ours / other:.2f}" if other > 0 else "n/a"

        below = ours < cookie and ours < fallback
        lines.append(
            f"| {scenario} | {ours * US:.2f} | {cookie * US:.2f} | "
            f"{fallback * US:.2f} | {ratio(cookie)} | {ratio(fallback)} | "
            f"{'yes' if below else 'NO'} |"
        )
    lines.append("")
    lines.extend(f"- {s}: {SCENARIO_TEXT[s]}" for s in SCENARIOS)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 41)
    target = 0.002 if args.quick else 0.01
    results = run(rounds, target)
    print("## Django message storages: overhead per request (median, µs)\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
