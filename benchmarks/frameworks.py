"""Pyramid, Bottle and Falcon: what the native integration costs per request.

For each framework, three builds of one small application answer the same
paths (``/s0``, ``/s1``, ``/s2``, ``/prime``, as in ``apps.py``):

- ``bare``: no flash machinery (``/s2`` renders the messages from a constant);
- ``native``: the integration (``config.include("flashmw.pyramid")``,
  ``FlashPlugin``, ``FlashComponent``), views flashing through it;
- ``wrapped``: ``FlashMiddleware`` around the framework's WSGI app, views
  flashing through the environ (how these apps adopted flashmw before).

Each is timed against ``bare``, and ``native`` against ``wrapped``, with
``harness.paired`` (interleaved batches, the thread's CPU time, the median
of paired per-request differences: comparing two figures measured apart is
noisier than this direct pairing), for
S0 (no cookie, flashes untouched), S1 (flash one message, 302) and S2 (a
cookie of three messages, read and rendered, cleared). Every case is checked
first (``check``). Run::

    .venv/bin/python -m benchmarks.frameworks            # about three minutes
    .venv/bin/python -m benchmarks.frameworks --quick    # a few seconds

The report (Markdown) goes to stdout.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from typing import Any

from .apps import HELLO, HTML, MESSAGES, S1_MESSAGE, SECRET_KEY, render
from .harness import base_environ, cookie_of, paired, request

App = Callable[..., Any]
Read = Callable[[Any], list[tuple[str, str]]]
Flash = Callable[[Any, str, str], None]

SCENARIOS = {"S0": "/s0", "S1": "/s1", "S2": "/s2"}


def _wrap(app: App) -> App:
    from flashmw import FlashMiddleware

    return FlashMiddleware(app, SECRET_KEY)


# -- Pyramid -------------------------------------------------------------------


def pyramid(build: str) -> App:
    """The Pyramid application, *build* being bare, native or wrapped."""
    with warnings.catch_warnings():
        # WebOb 1.8 imports the deprecated cgi module.
        warnings.simplefilter("ignore", DeprecationWarning)
        from pyramid.config import Configurator
        from pyramid.httpexceptions import HTTPFound
        from pyramid.response import Response

    import flashmw

    def flash(request: Any, text: str, category: str) -> None:
        if build == "native":
            request.flashes.flash(text, category)
        elif build == "wrapped":
            flashmw.flash(request.environ, text, category)

    def read(request: Any) -> list[tuple[str, str]]:
        if build == "native":
            return request.flashes.get_flashed_messages(with_categories=True)  # type: ignore[no-any-return]
        if build == "wrapped":
            return flashmw.get_flashed_messages(request.environ, True)  # type: ignore[return-value]
        return MESSAGES

    def s0(request: Any) -> Any:
        return Response(HELLO, content_type="text/html")

    def s1(request: Any) -> Any:
        flash(request, S1_MESSAGE[1], S1_MESSAGE[0])
        return HTTPFound("/")

    def s2(request: Any) -> Any:
        return Response(render(read(request)), content_type="text/html")

    def prime(request: Any) -> Any:
        for category, text in MESSAGES:
            flash(request, text, category)
        return HTTPFound("/")

    settings = {"flashmw.secret_key": SECRET_KEY}
    with Configurator(settings=settings) as config:
        if build == "native":
            config.include("flashmw.pyramid")
        for view in (s0, s1, s2, prime):
            config.add_route(view.__name__, f"/{view.__name__}")
            config.add_view(view, route_name=view.__name__)
        app = config.make_wsgi_app()
    return _wrap(app) if build == "wrapped" else app


# -- Bottle --------------------------------------------------------------------


def bottle(build: str) -> App:
    """The Bottle application, *build* being bare, native or wrapped."""
    import bottle as bottle_

    import flashmw
    import flashmw.bottle

    app = bottle_.Bottle()
    if build == "native":
        app.install(flashmw.bottle.FlashPlugin(SECRET_KEY))

    def flash(text: str, category: str) -> None:
        if build == "native":
            flashmw.bottle.flash(text, category)
        elif build == "wrapped":
            flashmw.flash(bottle_.request.environ, text, category)

    def read() -> list[tuple[str, str]]:
        if build == "native":
            return flashmw.bottle.get_flashed_messages(True)  # type: ignore[return-value]
        if build == "wrapped":
            return flashmw.get_flashed_messages(bottle_.request.environ, True)  # type: ignore[return-value]
        return MESSAGES

    @app.get("/s0")
    def s0() -> str:
        return HELLO

    @app.get("/s1")
    def s1() -> None:
        flash(S1_MESSAGE[1], S1_MESSAGE[0])
        bottle_.redirect("/", 302)

    @app.get("/s2")
    def s2() -> str:
        return render(read())

    @app.get("/prime")
    def prime() -> None:
        for category, text in MESSAGES:
            flash(text, category)
        bottle_.redirect("/", 302)

    return _wrap(app) if build == "wrapped" else app


# -- Falcon --------------------------------------------------------------------


def falcon(build: str) -> App:
    """The Falcon application, *build* being bare, native or wrapped."""
    import falcon as falcon_

    import flashmw
    from flashmw.falcon import FlashComponent

    def flashes(req: Any) -> Any:
        if build == "native":
            return req.context.flashes
        return flashmw.get_flashes(req.env)

    class S0:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = HTML
            resp.text = HELLO

    class S1:
        def on_get(self, req: Any, resp: Any) -> None:
            if build != "bare":
                flashes(req).flash(S1_MESSAGE[1], S1_MESSAGE[0])
            raise falcon_.HTTPFound("/")

    class S2:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = HTML
            pairs = (
                MESSAGES
                if build == "bare"
                else flashes(req).get_flashed_messages(with_categories=True)
            )
            resp.text = render(pairs)

    class Prime:
        def on_get(self, req: Any, resp: Any) -> None:
            for category, text in MESSAGES:
                flashes(req).flash(text, category)
            raise falcon_.HTTPFound("/")

    middleware = [FlashComponent(SECRET_KEY)] if build == "native" else []
    app = falcon_.App(middleware=middleware)
    for path, resource in (("/s0", S0), ("/s1", S1), ("/s2", S2), ("/prime", Prime)):
        app.add_route(path, resource())
    return _wrap(app) if build == "wrapped" else app


FRAMEWORKS: dict[str, Callable[[str], App]] = {
    "Pyramid": pyramid,
    "Bottle": bottle,
    "Falcon": falcon,
}


def check(scenario: str, app: App, bare: App, environ: dict[str, Any]) -> None:
    """The case does its scenario's work: S0 sets nothing, S1 sets the
    cookie, S2 renders the bare page's messages and deletes the cookie."""
    got, expected = request(app, environ), request(bare, environ)
    assert got.status[:3] == expected.status[:3], (scenario, got.status)
    cookies = [c for c in got.set_cookies() if c.startswith("flashmw=")]
    if scenario == "S0":
        assert not cookies, got.headers
    elif scenario == "S1":
        assert len(cookies) == 1 and "Max-Age=3600" in cookies[0], got.headers
    else:
        assert got.body == expected.body, (got.body, expected.body)
        assert len(cookies) == 1 and "Max-Age=0" in cookies[0], got.headers


def main(argv: list[str] | None = None) -> int:
    """Measure and print the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.frameworks")
    parser.add_argument("--quick", action="store_true", help="few short rounds")
    args = parser.parse_args(argv)
    rounds, target = (5, 0.002) if args.quick else (41, 0.01)
    print(
        "| framework | scenario | bare µs | native − bare | wrapped − bare "
        "| native − wrapped |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, make in FRAMEWORKS.items():
        bare = make("bare")
        native, wrapped = make("native"), make("wrapped")
        # One key: either build's cookie is read by the other.
        primed = cookie_of(request(native, base_environ("/prime")), "flashmw")
        for scenario, path in SCENARIOS.items():
            environ = base_environ(path, primed if scenario == "S2" else None)
            cells = []
            baseline = 0.0
            for app, against in ((native, bare), (wrapped, bare), (native, wrapped)):
                if against is bare:
                    check(scenario, app, bare, environ)
                result = paired(app, against, environ, rounds, target)
                if against is bare:
                    baseline = result.baseline
                cells.append(
                    f"{result.diff * 1e6:+.1f} "
                    f"({result.q1 * 1e6:+.1f} … {result.q3 * 1e6:+.1f})"
                )
            print(
                f"| {name} | {scenario} | {baseline * 1e6:.1f} | "
                + " | ".join(cells)
                + " |"
            )
            sys.stdout.flush()
    print(
        "\nMicroseconds per request: the median of paired differences "
        "(inter-quartile range), thread CPU time. native: the integration; "
        "wrapped: FlashMiddleware around the framework's app."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
