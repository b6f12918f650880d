"""The per-request object's new paths with no host at all: delivery, ttl
under the "raise" policy, hooks on peeks and deliveries."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from flashmw import FlashHooks, FlashOverflowError, HeadersSentError, Message
from flashmw.core import FlashCore
from flashmw.flashes import Flashes, Settings
from flashmw.message import check_ttl

KEY = "core-delivery-key-3e5a7c9b1d3f5e7a9c2b4d6f8a0c"


class Shown(FlashHooks):
    def __init__(self) -> None:
        self.shown_texts: list[list[str]] = []

    def shown(self, messages: Sequence[Message]) -> None:
        self.shown_texts.append([m.text for m in messages])


def test_deliver_hands_over_each_unread_message_once() -> None:
    hooks = Shown()
    f = Flashes(settings=Settings(hooks=hooks))
    f.flash("a")
    f.now("now")
    assert [m.text for m in f.unread()] == ["a", "now"]
    assert [m.text for m in f.deliver()] == ["a", "now"]
    assert f.unread() == [] and f.deliver() == []
    assert f.shown and hooks.shown_texts == [["a", "now"]]
    assert f.consumed(False) == [f.read()[0]]
    assert f.seal(False) is None  # nothing came in, nothing is stored


def test_deliver_after_the_headers_is_an_error() -> None:
    f = Flashes()
    f.seal(False)
    with pytest.raises(HeadersSentError, match="deliver"):
        f.deliver()


def test_nothing_is_consumed_before_loading() -> None:
    assert Flashes().consumed(True) == []


def test_a_peek_tells_the_shown_hook_once() -> None:
    hooks = Shown()
    f = Flashes(settings=Settings(hooks=hooks))
    f.flash("a")
    assert f.peek() == ["a"]
    assert f.get_flashed_messages() == ["a"]
    assert hooks.shown_texts == [["a"]]


def test_a_message_with_a_ttl_that_does_not_fit_is_refused() -> None:
    core = FlashCore(KEY, overflow="raise", max_cookie_size=300)
    f = core.flashes(None)
    with pytest.raises(FlashOverflowError):
        f.flash("".join(chr(0x4E00 + i) for i in range(400)), ttl=30)
    assert f.peek() == []


def test_check_ttl_accepts_none_and_whole_seconds() -> None:
    assert check_ttl(None) is None
    assert check_ttl(1) == 1


def test_the_htmx_event_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="htmx_event"):
        FlashCore(KEY, htmx_event=None)  # type: ignore[arg-type]
