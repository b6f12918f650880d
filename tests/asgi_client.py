"""A hand-made ASGI server for the driver's protocol tests: no framework.

:func:`http_scope` builds an ``http`` scope as uvicorn would; :func:`call`
runs one application call with a ``receive`` that yields the request body
then waits (as a server does until the client goes away), and returns every
message the application sent, as sent. :class:`Browser` keeps the cookies
that responses set, so that a test can walk Post/Redirect/Get.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
App = Callable[[Scope, Any, Any], Awaitable[None]]


def http_scope(
    path: str = "/",
    *,
    method: str = "GET",
    scheme: str = "http",
    headers: Iterable[tuple[bytes, bytes]] = (),
    query: bytes = b"",
) -> dict[str, Any]:
    """A request scope as uvicorn builds it (ASGI 3, spec 2.4)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def acall(
    app: App,
    scope: Scope,
    *,
    body: bytes = b"",
    send_error: Callable[[Message], BaseException | None] | None = None,
) -> list[Message]:
    """One application call; returns the messages sent, as sent.

    :param send_error: called with each message before it is recorded;
        an exception it returns is raised from ``send`` (a server whose
        client went away).
    """
    sent: list[Message] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        # Nothing more until the client leaves; a test that disconnects
        # replaces receive.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        if send_error is not None:
            error = send_error(message)
            if error is not None:
                raise error
        sent.append(message)

    await app(scope, receive, send)
    return sent


def call(app: App, scope: Scope, **kwargs: Any) -> list[Message]:
    """:func:`acall` in a fresh event loop."""
    return asyncio.run(acall(app, scope, **kwargs))


def start_of(sent: list[Message]) -> Message:
    """The ``http.response.start`` message."""
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    return start


def header_list(sent: list[Message]) -> list[tuple[str, str]]:
    """The response headers, decoded, in order, with their names in the
    usual case ("Set-Cookie"): ASGI sends them in lower case, and HTTP
    compares them without case."""
    return [
        (
            "-".join(
                part.capitalize() for part in bytes(k).decode("latin-1").split("-")
            ),
            bytes(v).decode("latin-1"),
        )
        for k, v in start_of(sent).get("headers", [])
    ]


def set_cookies(sent: list[Message], name: str = "flashmw") -> list[str]:
    """The ``Set-Cookie`` values for cookie *name*."""
    return [
        v
        for k, v in header_list(sent)
        if k.lower() == "set-cookie" and v.startswith(name + "=")
    ]


def body_of(sent: list[Message]) -> bytes:
    """The response body."""
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    return b"".join(m.get("body", b"") for m in bodies)


@dataclass
class Browser:
    """Keeps the cookies responses set (path and attributes ignored)."""

    app: App
    scheme: str = "http"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        path: str = "/",
        *,
        method: str = "GET",
        headers: Iterable[tuple[bytes, bytes]] = (),
        query: bytes = b"",
    ) -> list[Message]:
        """Send a request with the kept cookies; keep what the reply sets."""
        extra = list(headers)
        if self.cookies:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            extra.append((b"cookie", cookie.encode("latin-1")))
        sent = call(
            self.app,
            http_scope(
                path, method=method, scheme=self.scheme, headers=extra, query=query
            ),
        )
        for name, value in header_list(sent):
            if name.lower() == "set-cookie":
                self.update(value)
        return sent

    def update(self, set_cookie: str) -> None:
        """Apply one ``Set-Cookie``."""
        parsed = SimpleCookie()
        parsed.load(set_cookie)
        for name, morsel in parsed.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
