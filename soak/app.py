"""The application the soak test runs under gunicorn, with injected faults.

The client chooses the fault for each request through the URL, so it knows
exactly what the server should have done with the flash cookie:

``/flash?m=ID,ID&hops=N&f=F``
    flashes each ``ID`` (category ``"soak"``), then redirects: with ``hops``
    to ``/hop?n=N`` (a chain of redirects), else to ``/show``. ``f=raise``
    raises after flashing (nothing is stored), ``f=500`` answers 500 (the new
    messages are still stored).
``/hop?n=N&m=ID``
    reads the messages (a 3xx must not consume them), may flash ``ID``, and
    redirects to ``/hop?n=N-1``, the last hop to ``/show``.
``/show?f=F``
    reads the messages before ``start_response`` and lists them in the body:
    ``SHOWN id id ...``. ``f=500`` answers 500, ``f=raise`` raises after the
    read, ``f=stream`` reads inside the streamed body instead (too late to
    clear the cookie), ``f=slow`` lists them in the first chunk of a long,
    slow body (the client hangs up part way). HEAD and prefetch requests come
    here too.
``/flashshow?m=ID``
    flashes and reads on the same 200 page.
``/plain``
    never touches the flashes: no ``Set-Cookie``, no ``Vary``.

Warnings are written to stderr as one ``SOAK-WARNING`` line each, so the
runner can count them from the server log.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

from flashmw import FlashMiddleware, FlashWarning, flash, get_flashed_messages

StartResponse = Callable[..., Any]

#: The padding of a slow body: large enough that the client's hang-up is
#: noticed by the server while it is still writing.
SLOW_CHUNKS = 48
SLOW_CHUNK = b"." * 16384 + b"\n"


class InjectedFault(Exception):
    """The soak's own exception, raised on purpose; the runner expects it."""


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    kind = "other"
    text = str(message)
    if category is FlashWarning and "read after the response headers" in text:
        kind = "streamed-read"
    elif category is FlashWarning and "did not fit" in text:
        kind = "overflow"
    sys.stderr.write(f"SOAK-WARNING {kind} {category.__name__}: {text[:120]}\n")
    sys.stderr.flush()


warnings.simplefilter("always", FlashWarning)
warnings.showwarning = _show_warning


def _ids(environ: dict[str, Any]) -> list[str]:
    shown = get_flashed_messages(environ, with_categories=True)
    return [pair[1] for pair in shown if pair[0] == "soak"]


def _line(prefix: str, ids: list[str]) -> bytes:
    return f"{prefix} {' '.join(ids)}\n".encode()


def inner(environ: dict[str, Any], start_response: StartResponse) -> Any:
    """The wrapped application."""
    path = environ.get("PATH_INFO", "")
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    fault = query.get("f", "")
    text = [("Content-Type", "text/plain; charset=utf-8")]

    if path == "/plain":
        start_response("200 OK", text)
        return [b"plain\n"]

    if path == "/flash":
        for ident in filter(None, query.get("m", "").split(",")):
            flash(environ, ident, "soak")
        if fault == "raise":
            raise InjectedFault("injected: flash then raise")
        if fault == "500":
            start_response("500 Internal Server Error", text)
            return [b"injected 500 after flash\n"]
        hops = int(query.get("hops", "0"))
        target = f"/hop?n={hops}" if hops else "/show"
        start_response("303 See Other", [("Location", target), *text])
        return [b""]

    if path == "/hop":
        _ids(environ)  # a redirect that reads must not consume
        if query.get("m"):
            flash(environ, query["m"], "soak")
        hops = int(query.get("n", "1")) - 1
        target = f"/hop?n={hops}" if hops else "/show"
        start_response("302 Found", [("Location", target), *text])
        return [b""]

    if path == "/flashshow":
        flash(environ, query["m"], "soak")
        ids = _ids(environ)
        start_response("200 OK", text)
        return [_line("SHOWN", ids)]

    if path == "/show":
        if fault == "stream":
            start_response("200 OK", text)
            return _streamed(environ)
        ids = _ids(environ)
        if fault == "raise":
            raise InjectedFault("injected: read then raise")
        if fault == "500":
            start_response("500 Internal Server Error", text)
            return [_line("ERROR-PAGE", ids)]
        start_response("200 OK", text)
        if fault == "slow":
            return _slow(_line("SHOWN", ids))
        return [_line("SHOWN", ids)]

    start_response("404 Not Found", text)
    return [b"not found\n"]


def _streamed(environ: dict[str, Any]) -> Iterator[bytes]:
    yield b"streaming\n"
    yield _line("STREAMED", _ids(environ))


def _slow(first: bytes) -> Iterator[bytes]:
    yield first
    time.sleep(0.02)
    for _ in range(SLOW_CHUNKS):
        yield SLOW_CHUNK


_flashing = FlashMiddleware(inner, os.environ["SOAK_FLASH_KEY"], max_age=3600)


def _sabotaged(environ: dict[str, Any], start_response: StartResponse) -> Any:
    """Hide prefetch headers from flashmw, so prefetches consume messages:
    the runner's self-test that its accounting does catch lost messages."""
    for key in ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_MOZ", "HTTP_X_PURPOSE"):
        environ.pop(key, None)
    return _flashing(environ, start_response)


#: The WSGI application gunicorn serves.
application: Callable[..., Any] = _flashing
if os.environ.get("SOAK_SABOTAGE") == "prefetch":
    application = _sabotaged
