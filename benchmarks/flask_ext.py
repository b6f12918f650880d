"""The Flask extension against Flask's own flashing, on the same application.

    .venv/bin/python -m benchmarks.flask_ext            # about 20 seconds
    .venv/bin/python -m benchmarks.flask_ext --quick    # a few seconds

Three WSGI callables, built from one application definition
(:func:`benchmarks.apps.make_flask`, whose views call ``flask.flash`` and
``flask.get_flashed_messages``):

``bare``
    the application without a secret key (a null session, nothing flashed);
``own``
    the application with ``SECRET_KEY``: Flask's own flashing, in the session;
``ext``
    the same application with ``SECRET_KEY`` and ``FlashMessages(app)``: the
    same calls, in flashmw's cookie (key derived from ``SECRET_KEY``).

For each scenario S0–S4 of ``benchmarks/README.md`` the report gives each
system's overhead over ``bare`` and the direct paired difference
``ext - own``, all medians of paired A B B A batches timed in this one run
(:func:`benchmarks.harness.paired`). S2 and S3 send each system its own
3-message cookie (the session for ``own``, flashmw's for ``ext``). The
target: the extension costs less than Flask's own flashing in every
scenario.

The report (Markdown) goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from .apps import make_flask, make_flask_bare
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
_PATHS = {"S0": "/s0", "S0c": "/s0", "S1": "/s1", "S2": "/s2", "S3": "/s0", "S4": "/s4"}
#: Each system's cookie, for the checks.
COOKIES = {"own": "session", "ext": "flashmw"}

App = Callable[..., Any]


def make_ext() -> App:
    """The application of :func:`make_flask` with the extension installed."""
    from flashmw.flask import FlashMessages

    wsgi_app = make_flask()
    # make_flask() returns the application's bound wsgi_app: the extension
    # goes on that very application, so the views are the same code.
    app = wsgi_app.__self__  # type: ignore[attr-defined]
    FlashMessages(app)
    return app.wsgi_app  # type: ignore[no-any-return]


def with_cookie(app: App, cookie: str | None) -> App:
    """*app*, given *cookie* as its ``Cookie`` header (every side of a pair
    goes through one of these, so the wrapper's cost cancels out)."""

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        if cookie is not None:
            environ["HTTP_COOKIE"] = cookie
        return app(environ, start_response)

    return call


def cookies(apps: dict[str, App]) -> dict[str, dict[str, str | None]]:
    """The ``Cookie`` header of each system in each scenario."""
    out: dict[str, dict[str, str | None]] = {}
    for system, name in COOKIES.items():
        primed = cookie_of(request(apps[system], base_environ("/prime")), name)
        out[system] = {"S0": None, "S0c": OTHER_COOKIES, "S2": primed, "S3": primed}
    return out


def check(apps: dict[str, App], scenario: str, system: str, cookie: str | None) -> None:
    """The scenario does its work for *system*, as ``harness.check`` does."""
    environ = base_environ(_PATHS[scenario], cookie)
    got = request(apps[system], environ)
    bare = request(apps["bare"], environ)
    assert got.status[:3] == bare.status[:3], (scenario, system, got.status)
    own = [c for c in got.set_cookies() if c.startswith(COOKIES[system] + "=")]
    if system == "ext":
        # The extension writes nothing into Flask's session.
        assert not [c for c in got.set_cookies() if c.startswith("session=")], got
    if scenario in ("S0", "S0c", "S3"):
        assert not own, (scenario, system, own)
    elif scenario in ("S1", "S4"):
        assert got.status.startswith("302") and len(own) == 1, (scenario, got)
    else:
        assert got.body == bare.body, (system, got.body, bare.body)
        assert len(own) == 1 and own[0].split(";")[0].split("=", 1)[1] in ("", '""')


def measure(rounds: int, target: float) -> dict[str, dict[str, Paired]]:
    """Every scenario: each overhead over ``bare`` and ``ext`` against ``own``."""
    apps = {"bare": make_flask_bare(), "own": make_flask(), "ext": make_ext()}
    headers = cookies(apps)
    results: dict[str, dict[str, Paired]] = {}
    for scenario in SCENARIOS:
        template = base_environ(_PATHS[scenario])
        wrapped = {}
        for system in ("own", "ext"):
            cookie = headers[system].get(scenario)
            check(apps, scenario, system, cookie)
            wrapped[system] = with_cookie(apps[system], cookie)
            wrapped["bare_" + system] = with_cookie(apps["bare"], cookie)
        results[scenario] = {
            "own": paired(
                wrapped["own"], wrapped["bare_own"], template, rounds, target
            ),
            "ext": paired(
                wrapped["ext"], wrapped["bare_ext"], template, rounds, target
            ),
            "direct": paired(wrapped["ext"], wrapped["own"], template, rounds, target),
        }
        r = results[scenario]
        print(
            f"  {scenario:4} own {r['own'].diff * US:7.2f} us"
            f"  ext {r['ext'].diff * US:7.2f} us"
            f"  ext-own {r['direct'].diff * US:7.2f} us",
            file=sys.stderr,
            flush=True,
        )
    return results


def met(result: dict[str, Paired]) -> bool:
    """The extension costs less than Flask's own flashing, both over the
    bare application and paired directly."""
    return result["direct"].diff < 0 and result["ext"].diff < result["own"].diff


def report(results: dict[str, dict[str, Paired]], rounds: int) -> list[str]:
    """The Markdown table."""
    lines = [
        "| scenario | | Flask's own flash, overhead (µs) "
        "| extension, overhead (µs) | ratio ext/own "
        "| ext − own, paired (µs) [IQR] | ext per request / own | met |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for scenario, r in results.items():
        own, ext, direct = r["own"], r["ext"], r["direct"]
        ratio = ext.diff / own.diff if own.diff > 0 else float("nan")
        lines.append(
            f"| {scenario} | {SCENARIO_TEXT[scenario]} "
            f"| {own.diff * US:.2f} | {ext.diff * US:.2f} | {ratio:.2f} "
            f"| {direct.diff * US:.2f} [{direct.q1 * US:.2f}..{direct.q3 * US:.2f}] "
            f"| {direct.system / direct.baseline:.3f} "
            f"| {'yes' if met(r) else 'NO'} |"
        )
    lines.append("")
    lines.append(
        f"Medians of {rounds} rounds of paired A B B A batches, thread CPU time. "
        "Overheads are over the same Flask application without a secret key; "
        "*met*: the extension costs less than Flask's own flashing, both in "
        "overhead and in the direct pairing."
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run and print the report; the exit status is 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flask_ext")
    parser.add_argument("--quick", action="store_true", help="few short rounds")
    parser.add_argument("--rounds", type=int, help="rounds of paired batches")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 31)
    target = 0.001 if args.quick else 0.004
    results = measure(rounds, target)
    lines = report(results, rounds)
    print("\n".join(lines))
    return 0 if all(met(r) for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
