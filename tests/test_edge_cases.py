"""Edge cases across the codec, the header helpers and the middleware.

Every test names the behaviour it checks and why it matters.
"""

from __future__ import annotations

import gc
import secrets
import sys
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder

from flashmw import FlashMiddleware, FlashWarning, flash, get_flashed_messages

KEY = "edge-key-3c5e7a9b1d2f4e6a8c0b2d4f6a8c0e1f"

StartResponse = Callable[..., Any]


def _show(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    shown = get_flashed_messages(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["|".join(shown).encode()]  # type: ignore[arg-type]


def test_an_oversized_new_message_does_not_drop_older_ones_that_fit() -> None:
    """The ``drop_oldest`` policy keeps the newest messages that fit: a
    message too big for the cookie on its own is the one dropped, not every
    older message with it ("Saved." must survive).
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            flash(environ, "Saved.", "success")
            flash(environ, secrets.token_urlsafe(6000), "debug")  # can never fit
            start_response("303 See Other", [("Location", "/")])
            return [b""]
        return _show(environ, start_response)

    c = Client(FlashMiddleware(app, KEY))
    with pytest.warns(FlashWarning):
        c.post("/")
    assert c.get("/").text == "Saved."


def test_a_field_qualified_private_does_not_count_as_private() -> None:
    """SPEC §4: "A response that shows messages must not be stored by shared
    caches (Cache-Control: private at least)". ``private="Set-Cookie"`` only
    hides that one header from shared caches (RFC 9111 §5.2.2.7): the page
    with the user's messages stays storable for 600 s, yet flashmw sees the
    word "private" and adds nothing.
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            flash(environ, "Welcome back, Alice")
            start_response("303 See Other", [("Location", "/")])
            return [b""]
        shown = get_flashed_messages(environ)
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/plain"),
                ("Cache-Control", 'private="Set-Cookie", max-age=600'),
            ],
        )
        return ["|".join(shown).encode()]  # type: ignore[arg-type]

    c = Client(FlashMiddleware(app, KEY))
    c.post("/")
    page = c.get("/")
    assert page.text == "Welcome back, Alice"
    directives = [
        d.strip().lower()
        for value in page.headers.getlist("Cache-Control")
        for d in value.split(",")
    ]
    assert "private" in directives or "no-store" in directives


def test_a_page_that_showed_messages_with_exc_info_still_varies_and_is_private() -> (
    None
):
    """SPEC §4: "Vary: Cookie on every response whose content depended on the
    flash cookie (read)" and "a response that shows messages must not be
    stored by shared caches". An error page (here a 404, which shared caches
    may store heuristically, RFC 9110 §15.1) that read and showed the
    messages and was started with ``exc_info`` still gets both headers,
    although nothing is stored after an exception.
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            flash(environ, "Alice's private note")
            start_response("303 See Other", [("Location", "/")])
            return [b""]
        shown = get_flashed_messages(environ)
        try:
            raise LookupError("no such page")
        except LookupError:
            start_response(
                "404 Not Found",
                [("Content-Type", "text/plain"), ("Cache-Control", "max-age=600")],
                sys.exc_info(),
            )
        return ["|".join(shown).encode()]  # type: ignore[arg-type]

    middleware = FlashMiddleware(app, KEY)
    posted = Client(middleware).post("/")
    cookie = posted.headers["Set-Cookie"].split(";", 1)[0]
    calls: list[tuple[str, list[tuple[str, str]], Any]] = []

    def recorder(status: str, headers: list[Any], exc_info: Any = None) -> Any:
        calls.append((status, headers, exc_info))
        return lambda data: None

    environ = EnvironBuilder(path="/", headers={"Cookie": cookie}).get_environ()
    assert b"".join(middleware(environ, recorder)) == b"Alice's private note"
    [(_, headers, exc_info)] = calls
    assert exc_info is not None
    fields = {name.lower(): value for name, value in headers}
    assert "cookie" in fields.get("vary", "").lower()
    assert "private" in fields.get("cache-control", "")


def test_an_untouched_request_leaves_no_reference_cycle() -> None:
    """SPEC §3: "A request that never touches flashes costs close to nothing".
    A cycle environ -> Flashes -> environ would keep the environ and
    everything hanging off it (werkzeug's cached Request, parsed uploads, app
    objects) alive until the cyclic GC runs, usually from an old generation.
    """

    class Resource:
        """Something an application or framework keeps in the environ."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    middleware = FlashMiddleware(app, KEY)
    environ = EnvironBuilder(path="/").get_environ()
    resource = Resource()
    environ["app.resource"] = resource
    alive = weakref.ref(resource)
    del resource
    enabled = gc.isenabled()
    gc.disable()
    try:
        assert b"".join(middleware(environ, lambda *args: None)) == b"ok"
        del environ
        assert alive() is None, "the environ is only freed by the cyclic GC"
    finally:
        if enabled:
            gc.enable()
