"""The soak application as an ASGI app, for the uvicorn variant of the soak.

The same URLs, faults and body lines as :mod:`soak.app` (read its docstring),
behind :class:`flashmw.asgi.FlashMiddleware`: ``f=raise`` raises before
``http.response.start`` (uvicorn answers 500 by itself, without flashmw),
``f=stream`` reads inside the body, after the start, and ``f=slow`` sends a
long body slowly while the client hangs up. Warnings go to stderr as
``SOAK-WARNING`` lines, as in :mod:`soak.app` (importing it installs that).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from flashmw import flash, get_flashed_messages
from flashmw.asgi import FlashMiddleware

# The same fault names, markers and warning reporting as the WSGI app.
from .app import SLOW_CHUNK, SLOW_CHUNKS, InjectedFault

Scope = MutableMapping[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]
TEXT = [(b"content-type", b"text/plain; charset=utf-8")]


def _ids(scope: Scope) -> list[str]:
    shown = get_flashed_messages(scope, with_categories=True)
    return [pair[1] for pair in shown if pair[0] == "soak"]


def _line(prefix: str, ids: list[str]) -> bytes:
    return f"{prefix} {' '.join(ids)}\n".encode()


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]] = TEXT,
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def inner(scope: Scope, receive: Any, send: Send) -> None:
    """The wrapped application (``http`` only; lifespan is declined)."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    fault = query.get("f", "")

    if path == "/plain":
        return await _respond(send, 200, b"plain\n")

    if path == "/flash":
        for ident in filter(None, query.get("m", "").split(",")):
            flash(scope, ident, "soak")
        if fault == "raise":
            raise InjectedFault("injected: flash then raise")
        if fault == "500":
            return await _respond(send, 500, b"injected 500 after flash\n")
        hops = int(query.get("hops", "0"))
        target = f"/hop?n={hops}" if hops else "/show"
        return await _respond(send, 303, b"", [(b"location", target.encode()), *TEXT])

    if path == "/hop":
        _ids(scope)  # a redirect that reads must not consume
        if query.get("m"):
            flash(scope, query["m"], "soak")
        hops = int(query.get("n", "1")) - 1
        target = f"/hop?n={hops}" if hops else "/show"
        return await _respond(send, 302, b"", [(b"location", target.encode()), *TEXT])

    if path == "/flashshow":
        flash(scope, query["m"], "soak")
        return await _respond(send, 200, _line("SHOWN", _ids(scope)))

    if path == "/show":
        if fault == "stream":
            await send({"type": "http.response.start", "status": 200, "headers": TEXT})
            await send(
                {
                    "type": "http.response.body",
                    "body": b"streaming\n",
                    "more_body": True,
                }
            )
            body = _line("STREAMED", _ids(scope))
            return await send({"type": "http.response.body", "body": body})
        ids = _ids(scope)
        if fault == "raise":
            raise InjectedFault("injected: read then raise")
        if fault == "500":
            return await _respond(send, 500, _line("ERROR-PAGE", ids))
        if fault == "slow":
            return await _slow(send, _line("SHOWN", ids))
        return await _respond(send, 200, _line("SHOWN", ids))

    await _respond(send, 404, b"not found\n")


async def _slow(send: Send, first: bytes) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": TEXT})
    await send({"type": "http.response.body", "body": first, "more_body": True})
    await asyncio.sleep(0.02)
    try:
        for _ in range(SLOW_CHUNKS):
            await send(
                {"type": "http.response.body", "body": SLOW_CHUNK, "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})
    except OSError:
        # The client hung up, as this fault intends (ASGI 2.4 servers raise
        # OSError from send once the connection is gone).
        return


_flashing = FlashMiddleware(inner, os.environ["SOAK_FLASH_KEY"], max_age=3600)
_PREFETCH = {b"sec-purpose", b"purpose", b"x-moz", b"x-purpose"}


async def _sabotaged(scope: Scope, receive: Any, send: Send) -> None:
    """Hide prefetch headers from flashmw (the accounting's self-test)."""
    if scope["type"] == "http":
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _PREFETCH]
        scope = {**scope, "headers": headers}
    await _flashing(scope, receive, send)


#: The ASGI application uvicorn serves.
application: Callable[..., Awaitable[None]] = _flashing
if os.environ.get("SOAK_SABOTAGE") == "prefetch":
    application = _sabotaged
