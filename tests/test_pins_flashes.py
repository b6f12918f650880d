"""The per-request object's smaller rules, each pinned by a test that fails
when the rule is broken."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pytest

from flashmw import FlashWarning
from flashmw.flashes import Flashes, Settings
from flashmw.message import Message

NOW = 1_700_000_000


class Category(str):
    """A str subclass, such as a lazy or safe string class."""


def incoming(*pairs: tuple[str, str], consume: str = "all") -> Flashes:
    messages = [Message(c, t, NOW - 10) for c, t in pairs]

    def load(source: object) -> tuple[Sequence[Message], bool]:
        return messages, False

    settings = Settings(consume=consume, clock=lambda: NOW)  # type: ignore[arg-type]
    return Flashes(load, None, settings)


def test_now_defaults_to_the_message_category() -> None:
    f = Flashes()
    f.now("hi")
    assert f.get_flashed_messages(with_categories=True) == [("message", "hi")]


def test_a_str_subclass_category_is_stored_as_a_plain_str() -> None:
    f = Flashes()
    f.flash("a", Category("flashed"))
    f.now("b", Category("now"))
    shown = f.get_flashed_messages(with_categories=True)
    assert shown == [("flashed", "a"), ("now", "b")]
    assert [type(category) for category, _ in shown] == [str, str]
    f.flash("c", Category("later"))
    [stored] = f.seal(True) or []
    assert type(stored.category) is str


def test_a_plain_str_category_is_kept_as_it_is() -> None:
    category = "success"
    f = Flashes()
    f.flash("a", category)
    [(shown, _)] = f.get_flashed_messages(with_categories=True)
    assert shown is category


def test_an_empty_category_filter_string_means_the_empty_category() -> None:
    f = Flashes()
    f.flash("a", "")
    f.flash("b", "x")
    assert f.peek(category_filter="") == ["a"]
    assert f.get_flashed_messages(category_filter="") == ["a"]
    assert f.get_flashed_messages(category_filter=[""]) == ["a"]


def test_an_empty_list_filter_means_every_category() -> None:
    f = Flashes()
    f.flash("a", "")
    f.flash("b", "x")
    assert f.get_flashed_messages(category_filter=[]) == ["a", "b"]
    assert f.get_flashed_messages(category_filter=None) == ["a", "b"]


def test_a_bare_flashes_seals_to_none() -> None:
    assert Flashes().seal(True) is None
    assert Flashes().seal(False) is None
    touched = Flashes()
    assert touched.peek() == []
    assert touched.seal(True) is None


def test_loaded_sealed_and_shown_are_booleans() -> None:
    f = incoming(("message", "a"))
    assert (f.loaded, f.sealed, f.shown) == (False, False, False)
    assert all(type(v) is bool for v in (f.loaded, f.sealed, f.shown))
    assert f.peek(category_filter="other") == []
    assert (f.loaded, f.sealed, f.shown) == (True, False, False)
    assert all(type(v) is bool for v in (f.loaded, f.sealed, f.shown))
    assert f.peek() == ["a"]
    f.seal(True)
    assert (f.loaded, f.sealed, f.shown) == (True, True, True)
    assert all(type(v) is bool for v in (f.loaded, f.sealed, f.shown))


def test_a_sealed_untouched_flashes_is_not_loaded_nor_shown() -> None:
    f = incoming(("message", "a"))
    assert f.seal(True) is None
    assert (f.loaded, f.sealed, f.shown) == (False, True, False)


def test_reading_again_what_was_consumed_after_the_headers_does_not_warn() -> None:
    f = incoming(("a", "one"), ("b", "two"), consume="returned")
    assert f.get_flashed_messages(category_filter="a") == ["one"]
    assert [m.text for m in f.seal(True) or []] == ["two"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f.get_flashed_messages(category_filter="a") == ["one"]
    with pytest.warns(FlashWarning, match=r"^1 flash message\(s\) were read after"):
        assert f.get_flashed_messages() == ["one", "two"]


def test_a_late_read_counts_only_the_messages_not_consumed_yet() -> None:
    f = incoming(("a", "one"), ("b", "two"), ("c", "three"), consume="returned")
    f.get_flashed_messages(category_filter="a")
    f.now("now", "n")
    f.seal(True)
    with pytest.warns(FlashWarning, match=r"^2 flash message\(s\)"):
        f.get_flashed_messages()


def test_a_late_read_of_now_messages_only_does_not_warn() -> None:
    f = Flashes()
    f.now("now")
    f.seal(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f.get_flashed_messages() == ["now"]
