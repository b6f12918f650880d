"""Per-message expiry (ttl), coalescing, allow_duplicate, reads with counts,
and the cookie schema that carries them (issue 12, part 5)."""

from __future__ import annotations

import base64
import json
import secrets
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment
from markupsafe import Markup
from werkzeug.test import Client

import flashmw.jinja
from flashmw import (
    FlashMiddleware,
    FlashOverflowError,
    flash,
    get_flashed_messages,
    read_messages,
)
from flashmw.codec import FlashCodec
from flashmw.core import FlashCore
from flashmw.flashes import Flashes, Settings
from flashmw.message import Message
from flashmw.testing import FlashReader, assert_flashed

KEY = "expiry-key-8d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c"
NOW = 1_700_000_000


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def payload(value: str) -> Any:
    """The JSON inside a token (signed, not encrypted: anyone can read it)."""
    data = value.rsplit(".", 2)[0]
    compressed = data.startswith(".")
    raw = base64.urlsafe_b64decode(data.lstrip(".") + "=" * (-len(data) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def codec(clock: Clock | None = None) -> FlashCodec:
    return FlashCodec(KEY, clock=clock or Clock())


# -- the schema ----------------------------------------------------------------


def test_messages_without_extras_are_still_written_as_version_1() -> None:
    value = codec().encode([Message("info", "hi", NOW - 5)], 4000).value
    assert value is not None
    assert payload(value) == [1, [["info", "hi", 5, 0]]]


def test_a_ttl_or_a_count_makes_a_version_2_payload_read_back_whole() -> None:
    c = codec()
    sent = [
        Message("info", "plain", NOW),
        Message("info", "short", NOW - 1, False, 30),
        Message("success", Markup("<b>x</b>"), NOW, False, None, 3),
        Message("error", "both", NOW, False, 60, 2),
    ]
    value = c.encode(sent, 4000).value
    assert value is not None
    assert payload(value) == [
        2,
        [
            ["info", "plain", 0, 0],
            ["info", "short", 1, 0, {"t": 30}],
            ["success", "<b>x</b>", 0, 1, {"n": 3}],
            ["error", "both", 0, 0, {"t": 60, "n": 2}],
        ],
    ]
    decoded = c.decode(value)
    assert decoded.problem is None and decoded.messages == sent
    assert type(decoded.messages[2].text) is Markup


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(["m", "x", 0, 0, {}], id="empty extras"),
        pytest.param(["m", "x", 0, 0, {"t": 0}], id="ttl 0"),
        pytest.param(["m", "x", 0, 0, {"t": -5}], id="negative ttl"),
        pytest.param(["m", "x", 0, 0, {"t": 1.5}], id="float ttl"),
        pytest.param(["m", "x", 0, 0, {"t": True}], id="bool ttl"),
        pytest.param(["m", "x", 0, 0, {"t": None}], id="null ttl"),
        pytest.param(["m", "x", 0, 0, {"n": 1}], id="count 1"),
        pytest.param(["m", "x", 0, 0, {"n": 0}], id="count 0"),
        pytest.param(["m", "x", 0, 0, {"n": "3"}], id="string count"),
        pytest.param(["m", "x", 0, 0, {"t": 5, "x": 1}], id="unknown key"),
        pytest.param(["m", "x", 0, 0, [30, 2]], id="list extras"),
        pytest.param(["m", "x", 0, 0, {"t": 5}, 1], id="six elements"),
    ],
)
def test_version_2_extras_are_strictly_validated(entry: list[Any]) -> None:
    c = codec()
    good = c.encode([Message("m", "x", NOW, False, 5)], 4000).value
    assert good is not None and c.decode(good).problem is None
    bad = _resign(c, [2, [entry]])
    assert c.decode(bad) == ([], "malformed payload: bad entry", 0)


def test_a_version_1_payload_may_not_carry_extras() -> None:
    c = codec()
    decoded = c.decode(_resign(c, [1, [["m", "x", 0, 0, {"t": 5}]]]))
    assert decoded.messages == [] and decoded.problem is not None


def _resign(c: FlashCodec, data: object) -> str:
    """*data* signed by *c* now, as the codec itself would sign a payload."""
    from itsdangerous.encoding import int_to_bytes

    from flashmw._signing import b64encode

    raw = json.dumps(data, separators=(",", ":")).encode()
    stamp = b64encode(int_to_bytes(NOW))
    return c._signer.sign(b64encode(raw) + b"." + stamp).decode()  # noqa: SLF001


def test_a_ttl_expires_from_the_signed_time_and_is_counted() -> None:
    clock = Clock()
    c = codec(clock)
    value = c.encode(
        [Message("info", "short", NOW, False, 10), Message("info", "long", NOW)], 4000
    ).value
    assert value is not None
    clock.now = NOW + 10
    assert [m.text for m in c.decode(value).messages] == ["short", "long"]
    clock.now = NOW + 11
    decoded = c.decode(value)
    assert [m.text for m in decoded.messages] == ["long"] and decoded.expired == 1


# -- flash(ttl=...) through the middleware -------------------------------------------


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path == "/flash":
        flash(environ, "for ten seconds", "info", ttl=10)
        flash(environ, "for an hour")
        start_response("303 See Other", [("Location", "/")])
        return []
    if path == "/records":
        records = read_messages(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [repr([(m.category, m.text, m.count) for m in records]).encode()]
    shown = get_flashed_messages(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["|".join(shown).encode()]  # type: ignore[arg-type]


def test_flash_with_a_ttl_through_the_middleware(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrapped = FlashMiddleware(app, KEY)
    clock = Clock()
    monkeypatch.setattr(wrapped.core.codec, "clock", clock)
    client = Client(wrapped)
    client.get("/flash")
    clock.now = NOW + 11
    assert client.get("/").text == "for an hour"


@pytest.mark.parametrize(
    ("ttl", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        (1.5, TypeError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
def test_a_bad_ttl_fails_inside_flash(ttl: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="ttl"):
        Flashes().flash("x", ttl=ttl)  # type: ignore[arg-type]


# -- coalescing and allow_duplicate --------------------------------------------------


def coalescing(*incoming: Message) -> Flashes:
    def load(_: object) -> tuple[list[Message], bool]:
        return list(incoming), False

    return Flashes(load, None, Settings(clock=lambda: NOW, coalesce=True))


def test_coalescing_counts_a_repeat_in_the_place_of_the_first() -> None:
    f = coalescing()
    f.flash("Saved.", "success")
    f.flash("Other.", "info")
    f.flash("Saved.", "success")
    f.flash("Saved.", "success")
    f.flash("Saved.", "error")  # another category: another message
    assert [(m.category, m.text, m.count) for m in f.read()] == [
        ("success", "Saved.", 3),
        ("info", "Other.", 1),
        ("error", "Saved.", 1),
    ]


def test_coalescing_counts_a_repeat_of_an_incoming_message() -> None:
    f = coalescing(Message("success", "Saved.", NOW - 100, False, None, 2))
    f.flash("Saved.", "success")
    stored = f.seal(False)
    assert stored is not None
    assert [(m.text, m.count, m.born) for m in stored] == [("Saved.", 3, NOW)]


def test_coalescing_after_the_first_read_counts_only_what_waits() -> None:
    f = coalescing()
    f.flash("Saved.")
    assert f.get_flashed_messages() == ["Saved."]
    f.flash("Saved.")  # the one shown is not pending any more
    f.flash("Saved.")
    stored = f.seal(True)
    assert stored is not None and [(m.text, m.count) for m in stored] == [("Saved.", 2)]


def test_markup_and_text_of_the_same_characters_are_not_coalesced() -> None:
    f = coalescing()
    f.flash("<b>x</b>")
    f.flash(Markup("<b>x</b>"))
    assert [m.count for m in f.read()] == [1, 1]


def test_now_messages_are_never_coalesced() -> None:
    f = coalescing()
    f.now("Hello")
    f.flash("Hello")
    assert [(m.transient, m.count) for m in f.read()] == [(True, 1), (False, 1)]


def test_without_coalesce_repeats_are_separate_messages() -> None:
    f = Flashes()
    f.flash("Saved.")
    f.flash("Saved.")
    assert f.get_flashed_messages() == ["Saved.", "Saved."]


def test_allow_duplicate_false_skips_a_pending_message() -> None:
    for settings in (Settings(), Settings(coalesce=True)):
        f = Flashes(settings=settings)
        f.flash("Saved.", "success")
        f.flash("Saved.", "success", allow_duplicate=False)
        f.flash("Saved.", "info", allow_duplicate=False)
        assert [(m.category, m.count) for m in f.read()] == [
            ("success", 1),
            ("info", 1),
        ]


def test_allow_duplicate_false_adds_once_the_first_was_read() -> None:
    f = Flashes()
    f.flash("Saved.")
    f.get_flashed_messages()
    f.flash("Saved.", allow_duplicate=False)
    f.flash("Saved.", allow_duplicate=False)
    stored = f.seal(True)
    assert stored is not None and [m.text for m in stored] == ["Saved."]


def test_a_coalesced_count_the_guard_refuses_is_undone() -> None:
    def guard(messages: Sequence[Message]) -> None:
        if any(m.count > 2 for m in messages):
            raise FlashOverflowError("too many", 1)

    f = Flashes(settings=Settings(coalesce=True, guard=guard))
    f.flash("Saved.")
    f.flash("Saved.")
    with pytest.raises(FlashOverflowError):
        f.flash("Saved.")
    assert [(m.text, m.count) for m in f.read()] == [("Saved.", 2)]


def test_a_count_that_no_longer_fits_the_cookie_is_refused() -> None:
    core = FlashCore(KEY, overflow="raise", max_cookie_size=400, coalesce=True)
    for length in range(150, 400):
        # Random text: compression cannot make room.
        text = secrets.token_urlsafe(length)[:length]
        f = core.flashes(None)
        f.flash(text)
        try:
            f.flash(text)
        except FlashOverflowError:
            # The second flash did not fit only because of its count.
            assert [m.count for m in f.read()] == [1]
            return
    pytest.fail("no length made the count overflow")


def test_coalesced_counts_survive_the_cookie() -> None:
    wrapped = FlashMiddleware(_repeating, KEY, coalesce=True)
    client = Client(wrapped)
    reader = FlashReader(KEY)
    first = client.get("/flash")
    assert_flashed(first, [("success", "Saved.")], reader=reader)
    client.get("/flash?once")
    assert client.get("/records").text == "[('success', 'Saved.', 3)]"
    assert client.get("/records").text == "[]"


def _repeating(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    if environ["PATH_INFO"] == "/flash":
        flash(environ, "Saved.", "success")
        if environ.get("QUERY_STRING") != "once":
            flash(environ, "Saved.", "success")
        start_response("303 See Other", [("Location", "/records")])
        return []
    return app(environ, start_response)


# -- reads with counts: the helper, the template global and the partial -------------


def test_the_partial_renders_a_count() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "page.html": '{% from "flashmw/messages.html" import flashed_messages'
                " with context %}{{ flashed_messages() }}"
            }
        ),
        autoescape=True,
    )
    env.loader = ChoiceLoader([env.loader, flashmw.jinja.loader()])
    flashmw.jinja.install(env)
    f = coalescing()
    environ = {"flashmw.flashes": f}
    for _ in range(3):
        f.flash("Saved.", "success")
    f.flash("Bad <input>", "error")
    html = env.get_template("page.html").render(environ=environ)
    assert html == (
        '\n<ul class="flashes">\n'
        '  <li class="success"><span role="status">Saved. '
        '<span class="count">&#215;3</span></span></li>\n'
        '  <li class="error"><span role="alert">Bad &lt;input&gt;</span></li>\n'
        "</ul>"
    )
    assert f.peek() == ["Saved.", "Bad <input>"]


def test_the_read_messages_global_returns_records() -> None:
    env = flashmw.jinja.install(Environment(autoescape=True))
    f = coalescing()
    f.flash("Saved.")
    f.flash("Saved.")
    template = env.from_string(
        "{% for m in read_messages() %}{{ m.text }} x{{ m.count }}{% endfor %}"
    )
    assert template.render(environ={"flashmw.flashes": f}) == "Saved. x2"
    assert not f.seal(True)  # consumed: nothing to store
