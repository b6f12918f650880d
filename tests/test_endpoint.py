"""The JSON endpoint, its script, and cacheable pages with streamed_reads=False
(issue 12, part 2), in process through werkzeug's client and a shared cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from markupsafe import Markup
from test_security import SharedCache
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from flashmw import FlashMiddleware, FlashWarning, flash, get_flashed_messages
from flashmw.endpoint import FlashEndpoint, script_path

KEY = "endpoint-key-6c8e0a2d4f6b8c0e2a4d6f8b1c3e5a7d"


def page(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """``/say?text`` flashes and redirects; ``/`` is a public page that
    never reads the cookie; ``/streamed`` reads in its body."""
    path = environ["PATH_INFO"]
    if path == "/say":
        text = environ["QUERY_STRING"]
        flash(environ, Markup("<b>html</b>") if text == "html" else text, "info")
        start_response("303 See Other", [("Location", "/")])
        return []
    start_response(
        "200 OK",
        [("Content-Type", "text/html"), ("Cache-Control", "public, max-age=600")],
    )
    if path == "/streamed":
        return _streamed(environ)
    return [b"<p>the same page for everyone</p>"]


def _streamed(environ: dict[str, Any]) -> Iterable[bytes]:
    yield b"<p>"
    yield "|".join(get_flashed_messages(environ)).encode()  # type: ignore[arg-type]
    yield b"</p>"


def site(**options: Any) -> FlashMiddleware:
    return FlashMiddleware(
        DispatcherMiddleware(page, {"/_flashes": FlashEndpoint()}), KEY, **options
    )


def test_the_endpoint_answers_the_messages_as_json_once() -> None:
    c = Client(site())
    c.get("/say?hello")
    c.get("/say?html")
    response = c.get("/_flashes")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Cookie" in response.headers["Vary"]
    assert response.json == [
        {"category": "info", "message": "hello", "html": False, "count": 1},
        {"category": "info", "message": "<b>html</b>", "html": True, "count": 1},
    ]
    assert c.get("/_flashes/").json == []


def test_the_endpoint_is_ascii_json() -> None:
    c = Client(site())
    c.get("/say?caf%C3%A9")
    body = c.get("/_flashes").data
    assert body.isascii() and json.loads(body)[0]["message"] == "caf%C3%A9"


def test_head_consumes_nothing_and_other_methods_are_refused() -> None:
    c = Client(site())
    c.get("/say?kept")
    head = c.head("/_flashes")
    assert head.status_code == 200 and head.data == b""
    assert "Content-Length" not in head.headers
    script = c.head("/_flashes/flashmw.js")
    assert script.headers["Content-Length"] == str(script_path().stat().st_size)
    for method in ("POST", "PUT", "DELETE"):
        refused = c.open("/_flashes", method=method)
        assert refused.status_code == 405
        assert refused.headers["Allow"] == "GET, HEAD"
    assert c.get("/_flashes").json[0]["message"] == "kept"  # type: ignore[index]


def test_a_prefetch_of_the_endpoint_consumes_nothing() -> None:
    c = Client(site())
    c.get("/say?kept")
    assert c.get("/_flashes", headers={"Sec-Purpose": "prefetch"}).json
    assert c.get("/_flashes").json[0]["message"] == "kept"  # type: ignore[index]


def test_the_script_is_served_and_found() -> None:
    c = Client(site())
    response = c.get("/_flashes/flashmw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.data == script_path().read_bytes()
    assert b'credentials: "same-origin"' in response.data
    assert b'cache: "no-store"' in response.data
    assert c.get("/_flashes/other").status_code == 404
    no_script = Client(
        FlashMiddleware(
            DispatcherMiddleware(page, {"/f": FlashEndpoint(script=False)}), KEY
        )
    )
    assert no_script.get("/f/flashmw.js").status_code == 404


def test_the_script_inserts_text_as_text_and_html_only_when_flagged() -> None:
    source = script_path().read_text("utf-8")
    # The one innerHTML assignment sits under the html flag.
    assert source.count("innerHTML") == 1
    assert re.search(r"if \(message\.html === true\) \{\s*region\.innerHTML", source), (
        "innerHTML only for html: true"
    )
    assert "textContent = String(message.message)" in source
    assert '"alert" : "status"' in source


# -- cacheable pages ---------------------------------------------------------------


def test_by_default_a_request_with_a_cookie_gets_a_private_page() -> None:
    c = Client(site())
    c.get("/say?hello")
    response = c.get("/")
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["Vary"] == "Cookie"


def test_with_streamed_reads_off_a_page_that_did_not_read_stays_public() -> None:
    c = Client(site(streamed_reads=False))
    c.get("/say?hello")
    response = c.get("/")
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert "Vary" not in response.headers and "Set-Cookie" not in response.headers
    assert c.get("/_flashes").json[0]["message"] == "hello"  # type: ignore[index]


def test_with_streamed_reads_off_a_streamed_read_shows_nothing_and_warns() -> None:
    c = Client(site(streamed_reads=False))
    c.get("/say?hello")
    with pytest.warns(FlashWarning, match="streamed_reads=False"):
        response = c.get("/streamed")
        assert response.text == "<p></p>"  # the body runs here
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert c.get("/_flashes").json[0]["message"] == "hello"  # type: ignore[index]


def test_with_streamed_reads_off_a_streamed_read_of_nothing_is_silent() -> None:
    c = Client(site(streamed_reads=False))
    assert c.get("/streamed").text == "<p></p>"


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param({}, id="rfc-cache"),
        pytest.param({"honor_vary": False}, id="cache-ignoring-vary"),
        pytest.param({"honor_private": False}, id="cache-ignoring-private"),
    ],
)
def test_one_cached_page_for_everyone_and_each_users_own_messages_once(
    rules: dict[str, bool],
) -> None:
    cache = SharedCache(site(streamed_reads=False), **rules)
    users = {name: Client(cache) for name in ("alice", "bob", "carol")}
    seen: dict[str, list[str]] = {name: [] for name in users}
    pages = []
    for name in ("alice", "bob"):
        users[name].get(f"/say?{name}-secret")
    for _ in range(3):
        for name, user in users.items():
            pages.append(user.get("/").text)
            seen[name].extend(m["message"] for m in user.get("/_flashes").json)  # type: ignore[union-attr]
    assert set(pages) == {"<p>the same page for everyone</p>"}
    assert cache.hits == 8  # one miss, then the same stored page for all
    assert seen == {"alice": ["alice-secret"], "bob": ["bob-secret"], "carol": []}
