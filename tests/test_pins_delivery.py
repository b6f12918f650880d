"""The rules of delivery outside the page, each pinned by a test that fails
when the rule is broken: which htmx responses carry the messages in
``HX-Trigger``, how the application's own field is merged (as htmx reads
it), and what the ``"raise"`` overflow policy measures."""

from __future__ import annotations

import itertools
import json
import logging
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from asgi_client import call, header_list, http_scope
from hypothesis import example, given
from hypothesis import strategies as st
from pins_support import KEY, NOW, Clock, incompressible
from werkzeug.test import EnvironBuilder

import flashmw
from flashmw import FlashMiddleware, FlashOverflowError
from flashmw.asgi import FlashMiddleware as ASGIFlashMiddleware
from flashmw.core import FlashCore, Request
from flashmw.delivery import merge_trigger
from flashmw.testing import FlashReader

Headers = list[tuple[str, str]]
HX = {"HX-Request": "true"}
READER = FlashReader(KEY)


def serve(
    *, status: str = "200 OK", headers: Iterable[tuple[str, str]] = ()
) -> Headers:
    """The headers of one response whose application flashes "Saved."."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        flashmw.flash(environ, "Saved.")
        start_response(status, list(headers))
        return [b""]

    middleware = FlashMiddleware(app, KEY, htmx=True)
    environ = EnvironBuilder(method="POST", headers=HX).get_environ()
    out: list[Headers] = []

    def start_response(status: str, headers: Headers, *_: Any) -> Any:
        out.append(headers)
        return lambda data: None

    for _ in middleware(environ, start_response):
        pass
    [sent] = out
    return sent


def triggers(headers: Headers) -> list[tuple[str, str]]:
    """The ``HX-Trigger`` fields, with their names as sent."""
    return [(k, v) for k, v in headers if k.lower() == "hx-trigger"]


# -- which responses carry them -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "carried"),
    [
        ("200 OK", True),
        ("299 X", True),
        # htmx ignores HX-Trigger on a redirect: 300 is one, the first.
        ("300 Multiple Choices", False),
        ("199 X", False),
    ],
)
def test_only_a_2xx_carries_the_messages(status: str, carried: bool) -> None:
    headers = serve(status=status)
    assert bool(triggers(headers)) is carried
    # Delivered, they are consumed; otherwise they wait in the cookie.
    assert READER.stored(headers) == (None if carried else [("message", "Saved.")])


def test_the_field_is_named_as_htmx_documents_it_or_as_the_application_did() -> None:
    [(name, _)] = triggers(serve())
    assert name == "HX-Trigger"
    [(name, value)] = triggers(serve(headers=[("hx-trigger", "saved")]))
    assert name == "hx-trigger"
    assert list(json.loads(value)) == ["saved", "flashmw"]


def test_two_hx_trigger_fields_are_left_alone_and_the_messages_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # htmx sees two fields joined by ", ": which one to merge into is
    # unclear, so both stay as the application set them.
    fields = [("HX-Trigger", "saved"), ("HX-Trigger", "closeModal")]
    with caplog.at_level(logging.WARNING, "flashmw"):
        headers = serve(headers=fields)
    assert triggers(headers) == fields
    assert READER.stored(headers) == [("message", "Saved.")]
    [record] = caplog.records
    assert "not delivered to htmx" in record.getMessage()


def test_under_asgi_a_history_restore_carries_nothing() -> None:
    """ASGI gives header names in lower case, and the core asks for them so
    (as :class:`~flashmw.core.RequestView` says): a restore asked for in any
    other case would be missed there, and would take the messages."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        flashmw.flash(scope, "Saved.")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = ASGIFlashMiddleware(app, KEY, htmx=True)
    htmx = [(b"hx-request", b"true")]
    delivered = header_list(call(middleware, http_scope(headers=htmx)))
    assert triggers(delivered) and READER.stored(delivered) is None
    restore = [*htmx, (b"hx-history-restore-request", b"true")]
    restored = header_list(call(middleware, http_scope(headers=restore)))
    assert triggers(restored) == []
    assert READER.stored(restored) == [("message", "Saved.")]


# -- merging with the application's field -------------------------------------------

#: What JavaScript's String.prototype.trim() removes (ECMAScript's WhiteSpace
#: and LineTerminator): the Zs spaces, all below U+3001, and eight more.
JS_WHITESPACE = "\t\v\f\ufeff\n\r\u2028\u2029" + "".join(
    c for c in map(chr, range(0x3001)) if unicodedata.category(c) == "Zs"
)


def htmx_fires(value: str) -> list[str] | None:
    """The events htmx 2 fires for an ``HX-Trigger`` list of names, or
    ``None`` for a JSON object: the browser hands it the value without the
    whitespace around it, and htmx splits it on "," and trim()s each name
    (``handleTriggerHeader``; it fires an empty name too, to no effect)."""
    value = value.strip(" \t")
    if value.startswith("{"):
        return None
    return [name.strip(JS_WHITESPACE) for name in value.split(",")]


@given(st.text(" \t,{}X:e\xa0\x85\x1c\x0b\u3000\ufeff", max_size=12))
@example("X")
@example("X, XHR ,Max")
@example("\x85")
@example("a,\x85b\x1c")
@example('\xa0{"a": 1}')
@example("\u3000saved\ufeff,\xa0done\xa0")
def test_a_list_of_names_fires_the_same_events_once_merged(existing: str) -> None:
    """The merged JSON object fires what the application's list fired (and
    the messages' event), in order: with another trim, htmx would fire
    other names than the application asked for."""
    fired = htmx_fires(existing)
    if fired is None:
        return  # a JSON object; see tests/test_htmx.py
    names = list(dict.fromkeys(name for name in fired if name))
    merged = merge_trigger(existing, "e", [])
    if "e" in names:
        assert merged is None  # the application fires the event already
    else:
        assert merged is not None
        assert list(json.loads(merged).items()) == [
            *((name, None) for name in names),
            ("e", []),
        ]


# -- the "raise" policy -------------------------------------------------------------


def test_under_raise_a_message_flash_accepted_is_never_dropped() -> None:
    """flash() measures the cookie as it will be signed: at the time of the
    newest message. A clock that stepped back between two flashes (a time
    sync) shows why: the second message is born 10**6 s before the first,
    and the cookie written holds that age; measured at the clock instead,
    both ages would be 0, the cookie would look smaller than the one
    written, and a message flash() accepted could be dropped then."""
    core = FlashCore(KEY, overflow="raise", max_cookie_size=400)
    clock = Clock()
    core.codec.clock = clock
    reader = FlashReader(KEY, max_age=None)
    request = Request("GET", False, {}.get)
    accepted = 0
    for size in itertools.count(1):
        clock.now = NOW
        flashes = core.flashes(None)
        flashes.flash("first")
        clock.now = NOW - 10**6
        try:
            flashes.flash(incompressible(size, size))
        except FlashOverflowError:
            break
        accepted += 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a drop warns
            headers = core.respond(flashes, 302, [], request)
        stored = reader.stored(headers)
        assert stored == [("message", "first"), ("message", incompressible(size, size))]
    assert accepted > 100  # every size that fits was tried, up to the limit
