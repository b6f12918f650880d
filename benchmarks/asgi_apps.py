"""The ASGI systems under test: one bare ASGI app and what wraps it.

The same routes and pages as :mod:`benchmarks.apps` (``/s0``, ``/s1``,
``/s2``, ``/s4``, ``/prime``; read its docstring), as an ASGI 3 coroutine:

``bare``
    the application alone.
``flashmw``
    :class:`flashmw.asgi.FlashMiddleware` around it.
``minimal``
    :class:`MinimalMiddleware` around it: the floor of S0, S0c and S3.
``passthrough``
    a middleware that only awaits the application (no send wrapper).
``minimal_s3``
    :class:`MinimalS3Middleware` around it: the least any middleware does on
    S3 under the rule that a response to a request carrying the flash cookie
    varies on it and is private.
``starlette_flash``
    the peer a Starlette user would pick: Starlette's ``SessionMiddleware``
    with the ``starlette-flash`` package's ``flash(request)`` bag. The view
    makes a Starlette ``Request`` from the scope, as a Starlette view has.

For uvicorn, ``benchmarks.asgi_apps:application`` is the system named by
``FLASHMW_BENCH_SYSTEM``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from typing import Any

from flashmw._http import has_cookie

from .apps import HELLO, HTML, MESSAGES, S1_MESSAGE, S4_MESSAGES, SECRET_KEY, render

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
Flash = Callable[[Scope, str, str], None]
Read = Callable[[Scope], "list[tuple[str, str]]"]

SYSTEMS = (
    "bare",
    "flashmw",
    "minimal",
    "minimal_s3",
    "passthrough",
    "starlette_flash",
)
#: The peer's cookie (Starlette's session), and flashmw's.
COOKIE_NAMES = {"flashmw": "flashmw", "starlette_flash": "session"}

_HELLO = HELLO.encode()
_REDIRECT = {
    "type": "http.response.start",
    "status": 302,
    "headers": [(b"location", b"/"), (b"content-length", b"0")],
}
_EMPTY = {"type": "http.response.body", "body": b""}


def bare_asgi(flash: Flash | None = None, read: Read | None = None) -> ASGIApp:
    """The application; *flash* and *read* are the flash system's calls."""

    async def page(send: Any, body: bytes) -> None:
        # A new header list each time, as a framework builds one.
        headers = [
            (b"content-type", HTML.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def redirect(send: Any) -> None:
        await send(dict(_REDIRECT, headers=list(_REDIRECT["headers"])))
        await send(_EMPTY)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/s0":
            return await page(send, _HELLO)
        if path == "/s2":
            pairs = MESSAGES if read is None else read(scope)
            return await page(send, render(pairs).encode())
        if path == "/s1":
            if flash is not None:
                flash(scope, S1_MESSAGE[1], S1_MESSAGE[0])
            return await redirect(send)
        if path in ("/s4", "/prime"):
            if flash is not None:
                for category, text in S4_MESSAGES if path == "/s4" else MESSAGES:
                    flash(scope, text, category)
            return await redirect(send)
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send(_EMPTY)

    return app


_marker: ContextVar[Any] = ContextVar("bench.asgi.marker")


class MinimalMiddleware:
    """The least a flash middleware does on a request that never flashes.

    The ASGI twin of :class:`benchmarks.floor.MinimalMiddleware`: it marks a
    copy of the scope (the ASGI spec asks middleware not to change the
    server's), wraps ``send`` in a closure that looks for
    ``http.response.start``, and sets a context variable around the call, as
    flashmw must; it creates no per-request object and reads no header.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or "bench.marker" in scope:
            return await self.app(scope, receive, send)
        scope = {**scope, "bench.marker": True}

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                pass
            await send(message)

        token = _marker.set(scope)
        try:
            await self.app(scope, receive, wrapped)
        finally:
            _marker.reset(token)


class MinimalS3Middleware(MinimalMiddleware):
    """The least a flash middleware does on S3 (a request that carries the
    flash cookie and a page that never reads it) once such a response must
    vary on the cookie and be private (a read in a streamed body could show
    the messages): :class:`MinimalMiddleware`, plus finding the cookie in the
    scope's header list and adding the two fields to a copy of
    ``http.response.start``. No signature, no rules, no existing ``Vary`` or
    ``Cache-Control`` to merge."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or "bench.marker" in scope:
            return await self.app(scope, receive, send)
        found = None
        for key, value in scope.get("headers") or ():
            if key == b"cookie":
                found = value
        carried = found is not None and has_cookie(found.decode("latin-1"), "flashmw")
        scope = {**scope, "bench.marker": True}

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start" and carried:
                fields = [*message.get("headers", ()), *_PRIVATE]
                message = {**message, "headers": fields}
            await send(message)

        token = _marker.set(scope)
        try:
            await self.app(scope, receive, wrapped)
        finally:
            _marker.reset(token)


_PRIVATE = ((b"vary", b"Cookie"), (b"cache-control", b"private"))


class PassThrough:
    """A middleware that does nothing at all: one more await."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def make_flashmw() -> ASGIApp:
    """The application behind flashmw's ASGI driver."""
    from flashmw import flash, get_flashed_messages
    from flashmw.asgi import FlashMiddleware

    def read(scope: Scope) -> list[tuple[str, str]]:
        return get_flashed_messages(scope, with_categories=True)  # type: ignore[return-value]

    return FlashMiddleware(bare_asgi(flash, read), SECRET_KEY)


def make_starlette_flash() -> ASGIApp:
    """The application with starlette-flash on Starlette's session."""
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette_flash import flash as bag

    def flash(scope: Scope, text: str, category: str) -> None:
        bag(Request(scope)).add(text, category)

    def read(scope: Scope) -> list[tuple[str, str]]:
        return [(m["category"], m["message"]) for m in bag(Request(scope)).consume()]

    return SessionMiddleware(bare_asgi(flash, read), SECRET_KEY)


FACTORIES: dict[str, Callable[[], ASGIApp]] = {
    "bare": bare_asgi,
    "flashmw": make_flashmw,
    "minimal": lambda: MinimalMiddleware(bare_asgi()),
    "minimal_s3": lambda: MinimalS3Middleware(bare_asgi()),
    "passthrough": lambda: PassThrough(bare_asgi()),
    "starlette_flash": make_starlette_flash,
}


def make_app(system: str) -> ASGIApp:
    """The ASGI application of *system*."""
    return FACTORIES[system]()


def peer_available() -> str | None:
    """Why the peer cannot run, or ``None`` when it can."""
    try:
        import starlette  # noqa: F401
        import starlette_flash  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed (pip install starlette-flash)"
    return None


def __getattr__(name: str) -> object:
    # uvicorn imports benchmarks.asgi_apps:application in its worker.
    if name == "application":
        return make_app(os.environ.get("FLASHMW_BENCH_SYSTEM", "bare"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
