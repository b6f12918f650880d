"""The texts users read, search for and act on, pinned word for word.

Reasons in ``Decoded.problem`` end up in logs; exception and warning texts
tell a developer what to change. A change to any of them must be deliberate.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from pins_support import NOW, b64, incompressible, make_codec, sign, sign_json, stamp
from werkzeug.test import EnvironBuilder

import flashmw
from flashmw import (
    FlashHooks,
    FlashMiddleware,
    FlashOverflowError,
    FlashWarning,
    HeadersSentError,
    NotInstalledError,
)
from flashmw.core import FlashCore, Request
from flashmw.flashes import Flashes, Settings
from flashmw.message import Message

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"


def entry_json(*entries: str) -> bytes:
    return b"[1,[" + b",".join(e.encode() for e in entries) + b"]]"


# -- Decoded.problem ------------------------------------------------------------

GOOD = entry_json('["m","x",0,0]')
PROBLEMS: list[tuple[str, Callable[[], str]]] = [
    ("value too long", lambda: "A" * 4097),
    ("value is not ASCII", lambda: "é"),
    ("bad signature", lambda: "garbage"),
    ("bad signature", lambda: sign(b64(GOOD))[:-1]),
    ("malformed payload: timestamp", lambda: sign(b64(GOOD), b"A")),
    ("malformed payload: timestamp", lambda: sign(b64(GOOD), stamp(NOW, 9))),
    ("timestamp in the future", lambda: sign(b64(GOOD), stamp(NOW + 61))),
    ("expired", lambda: sign(b64(GOOD), stamp(NOW - 3601))),
    ("malformed payload: base64", lambda: sign(b"A")),
    ("malformed payload: zlib", lambda: sign(b"." + b64(b"not zlib"))),
    (
        "malformed payload: compressed data too large or truncated",
        lambda: sign(b"." + b64(zlib.compress(GOOD)[:-3])),
    ),
    ("malformed payload: json", lambda: sign(b64(b"[1,[]"))),
    ("malformed payload: json", lambda: sign(b64(b"\xff"))),
    ("malformed payload: not a version 1 or 2 payload", lambda: sign_json(b"[3,[]]")),
    ("malformed payload: not a version 1 or 2 payload", lambda: sign_json(b"{}")),
    ("malformed payload: bad entry", lambda: sign_json(entry_json('["m","x",0]'))),
    ("malformed payload: bad entry", lambda: sign_json(entry_json('["m","x",0,2]'))),
]


@pytest.mark.parametrize(
    ("problem", "make"), PROBLEMS, ids=[f"{i}-{p}" for i, (p, _) in enumerate(PROBLEMS)]
)
def test_each_reason_a_cookie_is_refused(problem: str, make: Callable[[], str]) -> None:
    assert make_codec().decode(make()) == ([], problem, 0)


def test_an_accepted_cookie_has_no_problem() -> None:
    assert make_codec().decode(sign(b64(GOOD))) == ([Message("m", "x", NOW)], None, 0)


# -- exceptions and warnings --------------------------------------------------


@pytest.mark.parametrize(
    ("action", "name"),
    [
        (lambda f: f.flash("x"), "flash()"),
        (lambda f: f.keep(), "keep()"),
        (lambda f: f.discard(), "discard()"),
        (lambda f: f.clear(), "discard()"),
        (lambda f: f.deliver(), "deliver()"),
    ],
)
def test_headers_sent_error(action: Callable[[Flashes], None], name: str) -> None:
    f = Flashes()
    f.seal(True)
    with pytest.raises(HeadersSentError) as raised:
        action(f)
    assert str(raised.value) == (
        f"cannot {name} after start_response was called (under ASGI, after "
        "http.response.start was sent): the flash cookie travels in the "
        "response headers. Change flashes before the response starts (not "
        "inside a streamed body or a background task)."
    )


def test_late_read_warning() -> None:
    f = Flashes()
    f.flash("a")
    f.flash("b")
    f.seal(True)
    with pytest.warns(FlashWarning) as caught:
        f.get_flashed_messages()
    [warning] = caught
    assert str(warning.message) == (
        "2 flash message(s) were read after the response headers were sent, "
        "so the cookie could not be cleared: they will show again on the next "
        "request. Read flashes before start_response is called (under ASGI, "
        "before http.response.start is sent)."
    )


def test_withheld_read_warning() -> None:
    old = [Message("m", "a", NOW), Message("m", "b", NOW)]
    settings = Settings(streamed_reads=False)
    f = Flashes(lambda source: (old, False), None, settings)
    f.seal(True)
    with pytest.warns(FlashWarning) as caught:
        assert f.get_flashed_messages() == []
    [warning] = caught
    assert str(warning.message) == (
        "2 flash message(s) were not shown: the response headers were sent "
        "before the first read, and with streamed_reads=False such a response "
        "is left cacheable, so it may show none. Read them before "
        "start_response, or fetch them (flashmw.endpoint); they wait for the "
        "next request."
    )


class OnlyAdded:
    def added(self, message: Message) -> None:
        pass


TYPE_ERRORS: list[tuple[Callable[[], object], str]] = [
    (
        lambda: Flashes().flash(1),  # type: ignore[arg-type]
        "a flashed message must be a str (markupsafe.Markup and lazy "
        "translations included), not int",
    ),
    (
        lambda: Flashes().now(b"x"),  # type: ignore[arg-type]
        "a flashed message must be a str (markupsafe.Markup and lazy "
        "translations included), not bytes",
    ),
    (
        lambda: Flashes().flash("x", None),  # type: ignore[arg-type]
        "a flash category must be a str, not NoneType",
    ),
    (
        lambda: Flashes().now("x", 1),  # type: ignore[arg-type]
        "a flash category must be a str, not int",
    ),
    (
        lambda: Flashes().get_flashed_messages(category_filter=[1]),  # type: ignore[list-item]
        "category_filter holds a int, not a str",
    ),
    (
        lambda: FlashMiddleware(None, 12345),  # type: ignore[arg-type]
        "secret_key must be str or bytes, not int",
    ),
    (
        lambda: FlashMiddleware(None, KEY, fallback_keys=[None]),  # type: ignore[arg-type, list-item]
        "fallback_keys[0] must be str or bytes, not NoneType",
    ),
    (
        lambda: FlashMiddleware(None, KEY, fallback_keys=KEY),  # type: ignore[arg-type]
        "fallback_keys must be a list or tuple of keys, not str; wrap a single "
        "key as [key]",
    ),
    (
        lambda: FlashMiddleware(None, KEY, hooks=OnlyAdded()),  # type: ignore[arg-type]
        "hooks must have the methods added, shown, consumed, dropped, rejected "
        "(subclass flashmw.hooks.FlashHooks); OnlyAdded lacks shown, consumed, "
        "dropped, rejected",
    ),
    (
        lambda: FlashMiddleware(None, KEY, htmx_event=1),  # type: ignore[arg-type]
        "htmx_event must be a str, not int",
    ),
]


@pytest.mark.parametrize(("call", "text"), TYPE_ERRORS)
def test_type_errors(call: Callable[[], object], text: str) -> None:
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == text


VALUE_ERRORS: list[tuple[dict[str, Any], str]] = [
    (
        {"secret_key": ""},
        "secret_key is empty; generate one with secrets.token_hex(32)",
    ),
    (
        {"secret_key": "short-key"},
        "secret_key is 9 bytes long; use at least 16 random bytes, for example "
        "secrets.token_hex(32)",
    ),
    (
        {"secret_key": "abababababababababab"},
        "secret_key repeats too few distinct characters to be secret",
    ),
    (
        {"secret_key": "Super Secret Key"},
        "secret_key is a well-known example key that anyone can use to forge "
        "cookies; generate one with secrets.token_hex(32)",
    ),
    (
        {"fallback_keys": ["dev"]},
        "fallback_keys[0] is 3 bytes long; use at least 16 random bytes, for "
        "example secrets.token_hex(32)",
    ),
    (
        {"max_age": 0},
        "max_age must be whole seconds in 1..34560000 or None, not 0",
    ),
    (
        {"max_cookie_size": 4094},
        "max_cookie_size must be an int in 1..4093, not 4094",
    ),
    (
        {"max_cookie_size": 150},
        r"max_cookie_size=150 leaves \d+ bytes for the value once the name and "
        "attributes are counted; it needs 128",
    ),
    (
        {"overflow": "drop"},
        "overflow must be 'drop_oldest' or 'raise', not 'drop'",
    ),
    (
        {"consume": "some"},
        "consume must be one of ('all', 'returned'), not 'some'",
    ),
    (
        {"htmx_event": "two words"},
        "htmx_event must be an event name (letters, digits, '_', '.', ':' and "
        "'-', starting with a letter or '_'), not 'two words'",
    ),
    (
        {"cache_control": "private\r\n"},
        "cache_control is not a list of directives: 'private\\r\\n'",
    ),
    (
        {"cookie_name": "a b"},
        "cookie_name must be an RFC 6265 token, not 'a b'",
    ),
    (
        {"cookie_path": "x"},
        "cookie_path must start with '/' and be printable ASCII without ';', not 'x'",
    ),
    (
        {"cookie_domain": "a;b"},
        "cookie_domain must be a host name, not 'a;b'",
    ),
    (
        {"cookie_secure": 1},
        "cookie_secure must be True, False or None, not 1",
    ),
    (
        {"cookie_httponly": None},
        "cookie_httponly must be True or False, not None",
    ),
    (
        {"cookie_samesite": "lax-ish"},
        "cookie_samesite must be 'Lax', 'Strict', 'None' or None, not 'lax-ish'",
    ),
    (
        {"cookie_samesite": "None"},
        "cookie_samesite='None' needs cookie_secure=True: browsers reject a "
        "SameSite=None cookie without Secure",
    ),
    (
        {"cookie_name": "__Host-flash", "cookie_secure": True, "cookie_path": "/x"},
        "a __Host- cookie needs cookie_secure=True, cookie_path='/' and no "
        "cookie_domain, or browsers reject it",
    ),
    (
        {"cookie_name": "__Secure-flash"},
        "a __Secure- cookie needs cookie_secure=True, or browsers reject it",
    ),
]


@pytest.mark.parametrize(("options", "text"), VALUE_ERRORS)
def test_value_errors(options: dict[str, Any], text: str) -> None:
    options.setdefault("secret_key", KEY)
    with pytest.raises(ValueError) as raised:
        FlashMiddleware(None, **options)  # type: ignore[arg-type]
    if "\\d" in text:
        assert re.fullmatch(text, str(raised.value))
    else:
        assert str(raised.value) == text


def _serve(
    middleware: FlashMiddleware,
    action: Callable[[dict[str, Any]], object],
    cookie: str | None = None,
) -> list[str]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        action(environ)
        start_response("302 Found", [("Location", "/")])
        return []

    middleware.app = app
    headers = {"Cookie": cookie} if cookie else {}
    environ = EnvironBuilder(headers=headers).get_environ()
    sent: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
        sent.extend(v.split(";", 1)[0] for k, v in headers if k == "Set-Cookie")
        return None

    for _ in middleware(environ, start_response):
        pass
    return sent


def test_flash_overflow_error() -> None:
    middleware = FlashMiddleware(None, KEY, overflow="raise", max_cookie_size=300)  # type: ignore[arg-type]

    def action(environ: dict[str, Any]) -> None:
        flashmw.flash(environ, incompressible(400, 0))

    with pytest.raises(FlashOverflowError) as raised:
        _serve(middleware, action)
    assert raised.value.dropped == 1
    assert re.fullmatch(
        r"the flash messages no longer fit in the 'flashmw' cookie \(\d+ bytes "
        r"for the value\); 1 would have to be dropped",
        str(raised.value),
    )


# -- log lines (the prefix before them may change) ------------------------------


def test_log_line_of_an_ignored_cookie(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="flashmw")
    middleware = FlashMiddleware(None, KEY, cookie_name="my_flash")  # type: ignore[arg-type]
    _serve(middleware, flashmw.get_flashed_messages, "my_flash=garbage")
    [record] = caplog.records
    assert record.getMessage().endswith(
        "ignored the 'my_flash' cookie (bad signature); it will be deleted"
    )


def test_log_line_of_expired_messages(caplog: pytest.LogCaptureFixture) -> None:
    middleware = FlashMiddleware(None, KEY, max_age=60)  # type: ignore[arg-type]
    now = [float(NOW)]
    middleware.core.codec.clock = lambda: now[0]

    def two(environ: dict[str, Any]) -> None:
        flashmw.flash(environ, "a")
        flashmw.flash(environ, "b")

    [old] = _serve(middleware, two)
    now[0] += 50
    [both] = _serve(middleware, lambda environ: flashmw.flash(environ, "c"), old)
    now[0] += 20
    caplog.set_level(logging.INFO, logger="flashmw")
    _serve(middleware, flashmw.get_flashed_messages, both)
    [record] = caplog.records
    assert record.getMessage() == (
        "2 flash message(s) in the 'flashmw' cookie were older than max_age or "
        "their ttl and were dropped"
    )


class FailingMetrics(FlashHooks):
    def added(self, message: Message) -> None:
        raise RuntimeError("metrics backend down")

    def __repr__(self) -> str:
        return "<FailingMetrics>"


def test_log_line_of_a_failing_hook(caplog: pytest.LogCaptureFixture) -> None:
    f = Flashes(settings=Settings(hooks=FailingMetrics()))
    with caplog.at_level(logging.ERROR, logger="flashmw"):
        f.flash("x")
    [record] = caplog.records
    assert record.getMessage() == (
        "the flashmw 'added' hook of <FailingMetrics> raised"
    )


def test_log_line_of_messages_htmx_cannot_take(
    caplog: pytest.LogCaptureFixture,
) -> None:
    core = FlashCore(KEY, htmx=True, htmx_event="app:flash")
    f = core.flashes(None)
    f.flash("x")
    request = Request("GET", False, {"hx-request": "true"}.get)
    with caplog.at_level(logging.WARNING, logger="flashmw"):
        core.respond(f, 200, [("HX-Trigger", "app:flash")], request)
    [record] = caplog.records
    assert record.getMessage() == (
        "flash messages not delivered to htmx: the response's HX-Trigger "
        "cannot take the 'app:flash' event"
    )


# -- texts that settled after the core moved ------------------------------------------


def test_not_installed_texts() -> None:
    with pytest.raises(NotInstalledError) as missing:
        flashmw.get_flashes({})
    assert str(missing.value) == (
        "this request has no 'flashmw.flashes': the environ (or scope) was not "
        "produced by an application wrapped in flashmw.FlashMiddleware. Install "
        "flashmw where the request arrives (WSGI: FlashMiddleware; Flask: "
        "flashmw.flask.FlashMessages(app); Django: MESSAGE_STORAGE = "
        "'flashmw.django.FlashStorage'; Pyramid: config.include('flashmw.pyramid'); "
        "Bottle: app.install(flashmw.bottle.FlashPlugin(...)); Falcon: "
        "flashmw.falcon.FlashComponent(...); ASGI: flashmw.asgi.FlashMiddleware), "
        "and pass that request's own environ or scope, not a copy or a hand-made one"
    )
    with pytest.raises(NotInstalledError) as wrong:
        flashmw.get_flashes({"flashmw.flashes": 1})
    assert str(wrong.value) == "environ['flashmw.flashes'] is a int, not Flashes"
    with pytest.raises(NotInstalledError) as outside:
        flashmw.current_flashes()
    assert str(outside.value) == (
        "no request wrapped in flashmw.FlashMiddleware is being handled in this "
        "context: the template was rendered outside the application call (in a "
        "streamed body, a test or a background job), or a macro was imported "
        "without context. Render it with environ=<the request's environ> in its "
        "context, or import the macro 'with context'"
    )


def test_overflow_warning_and_log_line(caplog: pytest.LogCaptureFixture) -> None:
    middleware = FlashMiddleware(None, KEY, max_cookie_size=600)  # type: ignore[arg-type]

    def action(environ: dict[str, Any]) -> None:
        flashmw.flash(environ, incompressible(900, 1))  # too large alone
        for index in range(30):
            flashmw.flash(environ, incompressible(40, index + 2))

    caplog.set_level(logging.WARNING, logger="flashmw")
    with pytest.warns(FlashWarning) as caught:
        _serve(middleware, action)
    [warning] = caught
    text = str(warning.message)
    assert re.fullmatch(
        r"dropped (\d+) of 31 flash message\(s\) that did not fit in the "
        r"'flashmw' cookie \(\d+ bytes for the value\): 1 too large to fit even "
        r"alone and \d+ oldest, to make room for newer ones",
        text,
    ), text
    # The log line says the same, with no doubled "flashmw: " prefix.
    assert [r.getMessage() for r in caplog.records] == [text]
