"""Django's messages through FlashStorage, CookieStorage and FallbackStorage.

    .venv/bin/python -m benchmarks.django_storage            # about 2 minutes
    .venv/bin/python -m benchmarks.django_storage --quick    # a smoke run

One Django project (``benchmarks.django_urls``: the views of :mod:`.apps`,
which call ``django.contrib.messages``), three message storages, each in its
own ``WSGIHandler`` whose only difference is the storage its messages
middleware makes. In the same run, scenario by scenario, with
:func:`.harness.paired` (medians of A B B A batches):

- each storage's overhead over its baseline: the handler without the
  messages middleware, and for ``FallbackStorage`` (Django's default, which
  needs sessions) the handler with ``SessionMiddleware`` alone (cache
  sessions in local memory);
- FlashStorage against each of Django's storages directly, each side with
  its own cookie; against ``FallbackStorage`` both sides run
  ``SessionMiddleware``, as a project that switches keeps it.

The target: FlashStorage costs less than both of Django's storages in every
scenario, paired directly (the exit status is 1 when one is missed).
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
    Paired,
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


App = Callable[..., Any]


def make_handlers() -> dict[str, App]:
    """The three systems and their baselines, on one project."""
    bare = make_django_bare()  # configures the benchmark project
    from django.conf import settings

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    module = sys.modules[__name__]
    handlers: dict[str, App] = {"bare": bare, "sessions": _handler([_SESSIONS])}
    for storage in STORAGES:
        name = f"_{storage}_middleware"
        setattr(module, name, _middleware_class(storage))
        handlers[storage] = _handler([f"{__name__}.{name}"])
        handlers[f"{storage}+sessions"] = _handler([_SESSIONS, f"{__name__}.{name}"])
    # FallbackStorage needs sessions: its /prime fits the cookie, but its
    # only complete system is "fallback+sessions".
    return handlers


def with_cookie(app: App, cookie: str | None) -> App:
    """*app*, given *cookie* as its ``Cookie`` header (both sides of a pair
    go through one of these, so its cost cancels out)."""

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        if cookie is not None:
            environ["HTTP_COOKIE"] = cookie
        return app(environ, start_response)

    return call


def _check(storage: str, scenario: str, app: App, base: App) -> None:
    """The case does the work its scenario names (as :func:`.harness.check`)."""
    environ = base_environ(_PATHS[scenario])
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


#: The comparisons of each scenario: (label, system, baseline).
PAIRS = (
    ("flashmw", "flashmw", "bare"),
    ("cookie", "cookie", "bare"),
    ("fallback", "fallback+sessions", "sessions"),
    ("flashmw - cookie", "flashmw", "cookie"),
    ("flashmw - fallback", "flashmw+sessions", "fallback+sessions"),
)


def run(rounds: int, target: float) -> dict[str, dict[str, Paired]]:
    """Every comparison of :data:`PAIRS`, by scenario."""
    handlers = make_handlers()
    primed = {
        storage: cookie_of(
            request(handlers[f"{storage}+sessions"], base_environ("/prime")),
            STORAGES[storage][1],
        )
        for storage in STORAGES
    }
    results: dict[str, dict[str, Paired]] = {}
    for scenario in SCENARIOS:
        results[scenario] = {}

        def app(system: str, scenario: str = scenario) -> App:
            storage = system.split("+")[0]
            cookie = {
                "S0c": OTHER_COOKIES,
                "S2": primed.get(storage),
                "S3": primed.get(storage),
            }.get(scenario)
            return with_cookie(handlers[system], cookie)

        for system in ("flashmw", "cookie", "flashmw+sessions", "fallback+sessions"):
            base = "sessions" if "+" in system else "bare"
            _check(system.split("+")[0], scenario, app(system), app(base))
        environ = base_environ(_PATHS[scenario])
        for label, system, baseline in PAIRS:
            timing = paired(app(system), app(baseline), environ, rounds, target)
            results[scenario][label] = timing
            print(f"{scenario} {label}: {timing.diff * US:.2f} µs", file=sys.stderr)
    return results


def met(result: dict[str, Paired]) -> bool:
    """FlashStorage cost less than both of Django's storages, paired."""
    return result["flashmw - cookie"].diff < 0 and result["flashmw - fallback"].diff < 0


def report(results: dict[str, dict[str, Paired]], rounds: int) -> str:
    """The Markdown table: overheads, their ratios and the direct pairs."""

    def us(value: float) -> str:
        return f"{value * US:.2f}"

    def direct(p: Paired) -> str:
        return f"{us(p.diff)} [{us(p.q1)}..{us(p.q3)}]"

    def ratio(ours: Paired, other: Paired) -> str:
        return f"{ours.diff / other.diff:.2f}" if other.diff > 0 else "n/a"

    lines = [
        f"Overheads (µs per request) and paired differences, medians of {rounds} "
        "rounds; [q1..q3] is the inter-quartile range of the paired rounds.",
        "",
        "| Scenario | FlashStorage µs | CookieStorage µs | FallbackStorage µs "
        "| Flash ÷ Cookie | Flash ÷ Fallback | Flash − Cookie, paired µs "
        "| Flash − Fallback, paired µs | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for scenario in SCENARIOS:
        r = results[scenario]
        lines.append(
            f"| {scenario} | {us(r['flashmw'].diff)} | {us(r['cookie'].diff)} | "
            f"{us(r['fallback'].diff)} | {ratio(r['flashmw'], r['cookie'])} | "
            f"{ratio(r['flashmw'], r['fallback'])} | {direct(r['flashmw - cookie'])} "
            f"| {direct(r['flashmw - fallback'])} | {'yes' if met(r) else 'NO'} |"
        )
    lines.append("")
    lines.extend(f"- {s}: {SCENARIO_TEXT[s]}" for s in SCENARIOS)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run and print the report; the exit status is 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 41)
    target = 0.002 if args.quick else 0.01
    results = run(rounds, target)
    print("## Django message storages\n")
    print(report(results, rounds))
    return 0 if all(met(r) for r in results.values()) or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
