"""Life-cycle hooks: each event at its moment, through the WSGI middleware;
a hook that raises is logged and never breaks the page (issue 12, part 4)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from werkzeug.test import Client

from flashmw import FlashHooks, FlashMiddleware, Message, flash, get_flashed_messages
from flashmw.core import FlashCore

KEY = "hooks-key-4b6d8f0a2c4e6a8c0e2b4d6f8a1c3e5b"


class Recorder(FlashHooks):
    """Every call, as (event, plain values)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def added(self, message: Message) -> None:
        self.calls.append(("added", (message.text, message.count)))

    def shown(self, messages: Sequence[Message]) -> None:
        self.calls.append(("shown", [m.text for m in messages]))

    def consumed(self, messages: Sequence[Message]) -> None:
        self.calls.append(("consumed", [m.text for m in messages]))

    def dropped(self, count: int, reason: str) -> None:
        self.calls.append(("dropped", (count, reason)))

    def rejected(self, reason: str) -> None:
        self.calls.append(("rejected", reason))


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path.startswith("/flash/"):
        for text in path.removeprefix("/flash/").split(","):
            flash(environ, text)
        start_response("303 See Other", [("Location", "/")])
        return []
    if path == "/big":
        flash(environ, secrets.token_urlsafe(3000))
        start_response("303 See Other", [("Location", "/")])
        return []
    if path == "/quiet":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"quiet"]
    shown = get_flashed_messages(environ)
    get_flashed_messages(environ)  # a second read reports nothing new
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["|".join(shown).encode()]  # type: ignore[arg-type]


def client(hooks: object, **options: Any) -> Client:
    return Client(FlashMiddleware(app, KEY, hooks=hooks, **options))  # type: ignore[arg-type]


def test_added_shown_consumed_in_order() -> None:
    hooks = Recorder()
    c = client(hooks)
    c.get("/flash/a,b")
    assert hooks.calls == [("added", ("a", 1)), ("added", ("b", 1))]
    hooks.calls.clear()
    c.get("/quiet")  # carries the cookie, never reads it
    assert hooks.calls == []
    assert c.get("/").text == "a|b"
    assert hooks.calls == [("shown", ["a", "b"]), ("consumed", ["a", "b"])]


def test_a_read_on_a_redirect_shows_but_does_not_consume() -> None:
    def redirecting(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        if environ["PATH_INFO"] == "/flash":
            return app({**environ, "PATH_INFO": "/flash/a"}, start_response)
        get_flashed_messages(environ)
        start_response("302 Found", [("Location", "/")])
        return []

    hooks = Recorder()
    c = Client(FlashMiddleware(redirecting, KEY, hooks=hooks))
    c.get("/flash")
    hooks.calls.clear()
    c.get("/elsewhere")
    assert hooks.calls == [("shown", ["a"])]


def test_coalesced_repeats_are_added_with_their_count() -> None:
    hooks = Recorder()
    client(hooks, coalesce=True).get("/flash/a,a,a")
    assert hooks.calls == [
        ("added", ("a", 1)),
        ("added", ("a", 2)),
        ("added", ("a", 3)),
    ]


def test_overflow_drops_are_reported_with_their_reason() -> None:
    hooks = Recorder()
    c = client(hooks)
    c.get("/flash/old")
    with pytest.warns(Warning, match="too large"):
        c.get("/big")
    assert ("dropped", (1, "too large")) in hooks.calls


def test_oldest_drops_are_reported() -> None:
    hooks = Recorder()
    c = client(hooks, max_cookie_size=400)
    texts = ",".join(secrets.token_hex(40) for _ in range(5))
    with pytest.warns(Warning, match="oldest"):
        c.get(f"/flash/{texts}")
    dropped = [args for event, args in hooks.calls if event == "dropped"]
    assert len(dropped) == 1 and dropped[0][1] == "oldest" and dropped[0][0] >= 1


def test_expired_messages_are_dropped_and_a_bad_cookie_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks = Recorder()
    wrapped = FlashMiddleware(app, KEY, hooks=hooks, max_age=60)
    c = Client(wrapped)
    real = wrapped.core.codec.clock
    c.get("/flash/a")
    monkeypatch.setattr(wrapped.core.codec, "clock", lambda: real() + 3600)
    hooks.calls.clear()
    c.get("/")
    # The whole token is older than max_age: no cookie of ours verifies.
    assert hooks.calls == [("rejected", "expired")]
    hooks.calls.clear()
    c.set_cookie("flashmw", "tampered.value.here")
    c.get("/")
    assert hooks.calls == [("rejected", "bad signature")]


def test_a_message_past_its_ttl_is_dropped_as_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks = Recorder()
    core = FlashCore(KEY, hooks=hooks)
    f = core.flashes(None)
    f.flash("short", ttl=5)
    f.flash("long")
    value = core.codec.encode(f.seal(False) or [], 4000).value
    real = core.codec.clock
    monkeypatch.setattr(core.codec, "clock", lambda: real() + 10)
    hooks.calls.clear()
    assert [m.text for m in core.flashes(f"flashmw={value}").read()] == ["long"]
    assert hooks.calls == [("dropped", (1, "expired")), ("shown", ["long"])]


class Broken(FlashHooks):
    def added(self, message: Message) -> None:
        raise RuntimeError("metrics backend down")

    def shown(self, messages: Sequence[Message]) -> None:
        raise RuntimeError("metrics backend down")

    def consumed(self, messages: Sequence[Message]) -> None:
        raise RuntimeError("metrics backend down")


def test_a_hook_that_raises_is_logged_and_the_page_is_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = client(Broken())
    with caplog.at_level(logging.ERROR, "flashmw"):
        response = c.get("/flash/a")
        assert response.status_code == 303
        assert c.get("/").text == "a"
        assert c.get("/").text == ""
    assert [r.getMessage().split(" hook")[0] for r in caplog.records] == [
        "the flashmw 'added'",
        "the flashmw 'shown'",
        "the flashmw 'consumed'",
    ]
    assert all(
        r.exc_info and "metrics backend down" in r.exc_text for r in caplog.records
    )  # type: ignore[operator]


def test_hooks_need_every_event_method() -> None:
    class Partial:
        def added(self, message: Message) -> None:
            pass

    with pytest.raises(TypeError, match="shown, consumed, dropped, rejected"):
        FlashCore(KEY, hooks=Partial())  # type: ignore[arg-type]


def test_the_base_class_does_nothing() -> None:
    hooks = FlashHooks()
    message = Message("info", "x", 0)
    assert hooks.added(message) is None
    assert hooks.shown([message]) is None
    assert hooks.consumed([message]) is None
    assert hooks.dropped(1, "oldest") is None
    assert hooks.rejected("bad signature") is None
