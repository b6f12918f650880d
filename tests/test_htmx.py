"""htmx delivery: the messages an htmx response did not show, in its
``HX-Trigger`` header, and the out-of-band fragment (issue 12, part 1).

Through the WSGI middleware with werkzeug's client; the rules live in the
core, so every driver that calls ``FlashCore.respond`` follows them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment
from markupsafe import Markup
from werkzeug.test import Client, TestResponse, create_environ

import flashmw.jinja
from flashmw import FlashMiddleware, flash, get_flashed_messages
from flashmw.core import FlashCore
from flashmw.delivery import merge_trigger
from flashmw.message import Message
from flashmw.testing import FlashReader

KEY = "htmx-key-2a4c6e8b0d2f4a6c8e0b2d4f6a8c1e3d"
HX = {"HX-Request": "true"}
READER = FlashReader(KEY)


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """``/flash?text`` flashes; ``/fragment`` answers 200 (with the
    response headers of ``X-Set`` as ``Name: value;...``); ``/read`` reads
    then flashes one more; ``/go`` redirects."""
    path = environ["PATH_INFO"]
    query = unquote(environ.get("QUERY_STRING", ""))
    headers = [("Content-Type", "text/html")]
    for pair in environ.get("HTTP_X_SET", "").split(";"):
        if pair:
            name, value = pair.split(":", 1)
            headers.append((name.strip(), value.strip()))
    status = environ.get("HTTP_X_STATUS", "200 OK")
    if path == "/flash":
        for text in query.split(","):
            flash(environ, text, "success")
        if query == "html":
            flash(environ, Markup("<b>bold</b>"), "info")
    elif path == "/read":
        shown = get_flashed_messages(
            environ,
            category_filter=environ.get("HTTP_X_FILTER", ()),
            consume=environ.get("HTTP_X_CONSUME"),
        )  # type: ignore[arg-type]
        flash(environ, "after the read", "info")
        start_response(status, headers)
        return ["|".join(shown).encode()]  # type: ignore[arg-type]
    elif path == "/go":
        status = "303 See Other"
        headers.append(("Location", "/"))
    start_response(status, headers)
    return [b"<p>fragment</p>"]


def client(**options: Any) -> Client:
    return Client(FlashMiddleware(app, KEY, htmx=True, **options))


def event(response: TestResponse, name: str = "flashmw") -> Any:
    fields = response.headers.getlist("HX-Trigger")
    assert len(fields) == 1, fields
    return json.loads(fields[0])[name]


def test_an_htmx_post_gets_its_own_messages_in_hx_trigger_and_stores_nothing() -> None:
    c = client()
    response = c.post("/flash?Saved.", headers=HX)
    assert event(response) == [
        {"category": "success", "message": "Saved.", "html": False, "count": 1}
    ]
    assert READER.stored(response) is None  # delivered: nothing to store
    assert response.headers["Cache-Control"] == "private"
    assert response.headers["Vary"] == "Cookie"
    assert c.get("/read").text == ""


def test_messages_waiting_in_the_cookie_are_delivered_and_consumed() -> None:
    c = client()
    c.post("/flash?waiting")  # a plain POST: stored
    response = c.get("/fragment", headers=HX)
    assert [m["message"] for m in event(response)] == ["waiting"]
    assert READER.stored(response) == []
    assert c.get("/read").text == ""


def test_markup_is_flagged_as_html_and_everything_is_ascii() -> None:
    c = client()
    response = c.post("/flash?html", headers={**HX, "X-Set": ""})
    raw = response.headers["HX-Trigger"]
    assert raw.isascii()
    assert event(response)[-1] == {
        "category": "info",
        "message": "<b>bold</b>",
        "html": True,
        "count": 1,
    }
    response = c.post("/flash?caf%C3%A9%0d%0aX:%20y", headers=HX)
    raw = response.headers["HX-Trigger"]
    assert raw.isascii() and "\r" not in raw and "\n" not in raw
    assert "\\u00c3" in raw or "\\u00e9" in raw


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ("saved", {"saved": None}),
        ("saved, closeModal", {"saved": None, "closeModal": None}),
        ('{"saved": {"id": 3}}', {"saved": {"id": 3}}),
        ('{"saved": "é"}', {"saved": "é"}),
    ],
)
def test_an_existing_hx_trigger_is_merged_into_one_field(
    existing: str, expected: dict[str, Any]
) -> None:
    response = client().post(
        "/flash?x", headers={**HX, "X-Set": f"HX-Trigger: {existing}"}
    )
    fields = response.headers.getlist("HX-Trigger")
    assert len(fields) == 1 and fields[0].isascii() and fields[0].startswith("{")
    merged = json.loads(fields[0])
    assert merged.pop("flashmw")[0]["message"] == "x"
    assert merged == expected


@pytest.mark.parametrize(
    "existing",
    ["{not json", "{}{}", "flashmw", "a, flashmw", '{"flashmw": 1}'],
)
def test_an_hx_trigger_that_cannot_take_the_event_keeps_the_messages(
    existing: str, caplog: pytest.LogCaptureFixture
) -> None:
    c = client()
    response = c.post("/flash?kept", headers={**HX, "X-Set": f"HX-Trigger: {existing}"})
    assert response.headers.getlist("HX-Trigger") == [existing]
    assert READER.stored(response) == [("success", "kept")]
    assert "not delivered to htmx" in caplog.text
    assert c.get("/read").text == "kept"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-Status": "303 See Other"}, id="3xx"),
        pytest.param({"X-Status": "500 Internal Server Error"}, id="5xx"),
        pytest.param({"X-Status": "422 Unprocessable Content"}, id="4xx"),
        pytest.param({"X-Set": "HX-Redirect: /elsewhere"}, id="HX-Redirect"),
        pytest.param({"X-Set": "HX-Location: /elsewhere"}, id="HX-Location"),
        pytest.param({"X-Set": "HX-Refresh: true"}, id="HX-Refresh"),
        pytest.param({"HX-History-Restore-Request": "true"}, id="history restore"),
        pytest.param({"Sec-Purpose": "prefetch"}, id="prefetch"),
        pytest.param({"HX-Request": "false"}, id="not htmx"),
    ],
)
def test_responses_htmx_does_not_act_on_never_carry_them(
    headers: dict[str, str],
) -> None:
    c = client()
    c.post("/flash?waiting")
    response = c.get("/fragment", headers={**HX, **headers})
    assert "HX-Trigger" not in response.headers
    assert READER.stored(response) is None
    assert c.get("/read").text == "waiting"


def test_head_never_carries_them() -> None:
    c = client()
    c.post("/flash?waiting")
    response = c.head("/fragment", headers=HX)
    assert "HX-Trigger" not in response.headers
    assert c.get("/read").text == "waiting"


def test_a_204_delivers_and_consumes() -> None:
    c = client()
    c.post("/flash?waiting")
    response = c.delete("/fragment", headers={**HX, "X-Status": "204 No Content"})
    assert [m["message"] for m in event(response)] == ["waiting"]
    assert c.get("/read").text == ""


def test_messages_the_app_read_are_not_delivered_again() -> None:
    c = client()
    c.post("/flash?a,b")
    response = c.get("/read", headers=HX)
    assert response.text == "a|b"
    # Flashed after the read: delivered now rather than on the next page.
    assert [m["message"] for m in event(response)] == ["after the read"]
    assert READER.stored(response) == []


def test_with_consume_returned_the_unread_ones_are_delivered() -> None:
    c = client(consume="returned")
    c.post("/flash?a")
    c.get("/flash?b")  # same category; filtered by text below is not possible
    response = c.get("/read", headers={**HX, "X-Filter": "none-of-these"})
    assert response.text == ""
    assert [m["message"] for m in event(response)] == ["a", "b", "after the read"]


def test_a_failed_response_delivers_nothing() -> None:
    def failing(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        flash(environ, "lost?")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            import sys

            start_response("200 OK", [], sys.exc_info())
        return [b""]

    sent: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        sent.append(headers)

    environ = create_environ("/", headers=HX)
    FlashMiddleware(failing, KEY, htmx=True)(environ, start_response)
    assert sent and all(name != "HX-Trigger" for name, _ in sent[0])


def test_without_the_option_nothing_changes() -> None:
    c = Client(FlashMiddleware(app, KEY))
    response = c.post("/flash?x", headers=HX)
    assert "HX-Trigger" not in response.headers
    assert READER.stored(response) == [("success", "x")]


def test_the_event_name_is_configurable_and_validated() -> None:
    response = client(htmx_event="app:flash").post("/flash?x", headers=HX)
    assert event(response, "app:flash")[0]["message"] == "x"
    for bad in ("", "two words", "a,b", '"q"', "{x}", "1abc"):
        with pytest.raises(ValueError, match="htmx_event"):
            FlashCore(KEY, htmx_event=bad)
    with pytest.raises(TypeError):
        FlashCore(KEY, htmx=1)  # type: ignore[arg-type]


def test_untouched_htmx_requests_without_a_cookie_stay_untouched() -> None:
    headers = [("Content-Type", "text/html")]
    core = FlashCore(KEY, htmx=True)
    flashes = core.flashes(None)
    assert core.untouched(flashes)
    request = _Request({"hx-request": "true"})
    assert core.respond(core.flashes(None), 200, headers, request) is headers


class _Request:
    method = "GET"
    https = False

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers

    def header(self, name: str, /) -> str | None:
        return self._headers.get(name)


def test_merge_trigger_rules() -> None:
    message = [Message("info", "hé", 0)]
    assert merge_trigger(None, "e", message) == (
        '{"e":[{"category":"info","message":"h\\u00e9","html":false,"count":1}]}'
    )
    assert merge_trigger("  ", "e", []) == '{"e":[]}'
    assert merge_trigger("a,,b", "e", []) == '{"a":null,"b":null,"e":[]}'
    assert merge_trigger("e", "e", []) is None


# -- out of band -----------------------------------------------------------------------


def test_the_oob_macro_wraps_the_partial_for_a_swap() -> None:
    env = Environment(
        loader=ChoiceLoader(
            [
                DictLoader(
                    {
                        "fragment.html": '{% from "flashmw/messages.html" import '
                        "flashed_messages_oob with context %}<p>done</p>"
                        "{{ flashed_messages_oob() }}"
                        '{{ flashed_messages_oob(id="side") }}'
                    }
                ),
                flashmw.jinja.loader(),
            ]
        ),
        autoescape=True,
    )
    flashmw.jinja.install(env)

    def fragment(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        if environ["PATH_INFO"] == "/flash":
            flash(environ, "Saved <it>.", "success")
        body = env.get_template("fragment.html").render(environ=environ)
        start_response("200 OK", [("Content-Type", "text/html")])
        return [body.encode()]

    c = Client(FlashMiddleware(fragment, KEY, htmx=True))
    response = c.post("/flash", headers=HX)
    assert response.text == (
        '<p>done</p><div id="flashes" hx-swap-oob="true">\n<ul class="flashes">\n'
        '  <li class="success"><span role="status">Saved &lt;it&gt;.</span></li>\n'
        '</ul></div><div id="side" hx-swap-oob="true">\n<ul class="flashes">\n'
        '  <li class="success"><span role="status">Saved &lt;it&gt;.</span></li>\n'
        "</ul></div>"
    )
    # The fragment showed them: the header does not repeat them.
    assert "HX-Trigger" not in response.headers
    assert c.post("/other", headers=HX).text == (
        '<p>done</p><div id="flashes" hx-swap-oob="true"></div>'
        '<div id="side" hx-swap-oob="true"></div>'
    )
