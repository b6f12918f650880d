"""The per-request object: Flask's reading semantics and what flashmw adds.

Test names spell the order of operations (read, flash, seal) because the
order is the behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from markupsafe import Markup

from flashmw import FlashWarning, HeadersSentError
from flashmw.flashes import Flashes, Settings, check_consume
from flashmw.message import Message

NOW = 1_700_000_000


def incoming(*pairs: tuple[str, str], rewrite: bool = False) -> Flashes:
    messages = [Message(c, t, NOW - 10) for c, t in pairs]
    calls: list[int] = []

    def load(source: object) -> tuple[Sequence[Message], bool]:
        assert source == "the source"
        calls.append(1)
        assert len(calls) == 1, "the loader runs at most once"
        return messages, rewrite

    return Flashes(load, "the source", Settings(clock=lambda: NOW))


def texts(stored: Sequence[Message] | None) -> list[tuple[str, str]] | None:
    return None if stored is None else [(m.category, m.text) for m in stored]


# -- Flask parity ------------------------------------------------------------------


def test_flash_read_returns_messages_in_order_across_categories() -> None:
    f = Flashes()
    f.flash("first message", "success")
    f.flash("second message", "success")
    f.flash("first message", "error")
    f.flash("another message", "error")
    assert f.get_flashed_messages(with_categories=True) == [
        ("success", "first message"),
        ("success", "second message"),
        ("error", "first message"),
        ("error", "another message"),
    ]


def test_category_defaults_to_message() -> None:
    f = Flashes()
    f.flash("hi")
    assert f.get_flashed_messages(with_categories=True) == [("message", "hi")]


def test_first_read_takes_incoming_and_flashed_so_far() -> None:
    f = incoming(("info", "old"))
    f.flash("new", "success")
    assert f.get_flashed_messages() == ["old", "new"]
    assert texts(f.seal(True)) == []


def test_read_read_sees_the_same_list_with_its_own_shape_and_filter() -> None:
    f = incoming(("info", "a"), ("error", "b"))
    assert f.get_flashed_messages() == ["a", "b"]
    assert f.get_flashed_messages(with_categories=True, category_filter=["error"]) == [
        ("error", "b")
    ]
    assert f.get_flashed_messages(category_filter="info") == ["a"]


def test_read_flash_read_the_late_message_waits_for_the_next_request() -> None:
    f = incoming(("info", "a"))
    assert f.get_flashed_messages() == ["a"]
    f.flash("late")
    assert f.get_flashed_messages() == ["a"]
    assert texts(f.seal(True)) == [("message", "late")]


def test_filter_consumes_everything_by_default_like_flask() -> None:
    """Flask: /show1 filtered on show1, then /show2 shows nothing."""
    f = incoming(("show1", "one"), ("show2", "two"))
    assert f.get_flashed_messages(category_filter=["show1"]) == ["one"]
    assert texts(f.seal(True)) == []


def test_filter_then_other_filter_in_one_request() -> None:
    f = incoming(("show1", "one"), ("show2", "two"))
    assert f.get_flashed_messages(category_filter=["show1"]) == ["one"]
    assert f.get_flashed_messages(category_filter=["show2"]) == ["two"]


def test_a_string_filter_is_one_category_not_a_substring() -> None:
    f = incoming(("rr", "substring"), ("error", "exact"))
    assert f.get_flashed_messages(category_filter="error") == ["exact"]


def test_consume_returned_keeps_the_unmatched_for_the_next_request() -> None:
    f = incoming(("show1", "one"), ("show2", "two"))
    assert f.get_flashed_messages(category_filter=["show1"], consume="returned") == [
        "one"
    ]
    assert texts(f.seal(True)) == [("show2", "two")]


def test_consume_returned_as_the_default_mode() -> None:
    f = Flashes(
        lambda source: ([Message("a", "x", NOW), Message("b", "y", NOW)], False),
        settings=Settings(consume="returned"),
    )
    assert f.get_flashed_messages(category_filter="b") == ["y"]
    assert texts(f.seal(True)) == [("a", "x")]


def test_consume_returned_then_all_consumes_all() -> None:
    f = incoming(("a", "x"), ("b", "y"))
    f.get_flashed_messages(category_filter="a", consume="returned")
    f.get_flashed_messages(category_filter="b", consume="all")
    assert texts(f.seal(True)) == []


def test_markup_stays_markup_and_other_strings_become_str() -> None:
    class Sub(str):
        pass

    f = Flashes()
    f.flash(Markup("<b>safe</b>"))
    f.flash(Sub("<b>text</b>"))
    safe, text = f.get_flashed_messages()
    assert type(safe) is Markup and safe == "<b>safe</b>"
    assert type(text) is str


def test_a_lazy_string_is_stored_as_plain_text() -> None:
    class Lazy:
        def __html__(self) -> str:
            return "<b>lazy</b>"

        def __str__(self) -> str:
            return "<b>lazy</b>"

    f = Flashes()
    f.flash(Lazy())  # type: ignore[arg-type]
    [text] = f.get_flashed_messages()
    assert type(text) is str and text == "<b>lazy</b>"


@pytest.mark.parametrize("bad", [None, 1, b"bytes", ["x"], object()])
def test_non_string_messages_fail_inside_flash(bad: object) -> None:
    f = Flashes()
    with pytest.raises(TypeError, match="must be a str"):
        f.flash(bad)  # type: ignore[arg-type]
    assert f.peek() == []


@pytest.mark.parametrize("bad", [None, 1, b"error", ("error",)])
def test_non_string_categories_fail_inside_flash(bad: object) -> None:
    with pytest.raises(TypeError, match="category must be a str"):
        Flashes().flash("x", bad)  # type: ignore[arg-type]


def test_a_filter_of_non_strings_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="category_filter"):
        Flashes().get_flashed_messages(category_filter=[1])  # type: ignore[list-item]


def test_an_unknown_consume_mode_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="consume"):
        Flashes().get_flashed_messages(consume="some")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="consume"):
        check_consume(None)


def test_returned_lists_are_copies() -> None:
    f = incoming(("a", "x"))
    f.get_flashed_messages().append("mutated")  # type: ignore[arg-type]
    f.peek().clear()
    assert f.get_flashed_messages() == ["x"]


# -- what is stored at the end --------------------------------------------------


def test_untouched_loads_nothing_and_stores_nothing() -> None:
    def load(source: object) -> tuple[Sequence[Message], bool]:
        raise AssertionError("must not load")

    f = Flashes(load)
    assert not f.loaded
    assert f.seal(True) is None


def test_read_seal_unseen_keeps_everything_unchanged() -> None:
    """A redirect, an error page or a HEAD request consumes nothing."""
    f = incoming(("info", "a"))
    assert f.get_flashed_messages() == ["a"]
    assert f.seal(False) is None


def test_read_flash_seal_unseen_keeps_read_and_adds_new() -> None:
    f = incoming(("info", "a"))
    f.get_flashed_messages()
    f.flash("b")
    assert texts(f.seal(False)) == [("info", "a"), ("message", "b")]


def test_flash_seal_unseen_stores_the_new_message() -> None:
    f = incoming()
    f.flash("Saved.", "success")
    assert texts(f.seal(False)) == [("success", "Saved.")]


def test_loaded_not_read_is_unchanged() -> None:
    f = incoming(("info", "a"))
    assert f.peek() == ["a"]
    assert f.seal(True) is None


def test_an_invalid_source_is_rewritten_even_when_empty() -> None:
    f = incoming(rewrite=True)
    f.peek()
    assert texts(f.seal(True)) == []


def test_peek_does_not_consume_and_marks_shown() -> None:
    f = incoming(("info", "a"), ("error", "b"))
    assert not f.shown
    assert f.peek(with_categories=True, category_filter="error") == [("error", "b")]
    assert f.shown
    assert f.get_flashed_messages() == ["a", "b"]


def test_an_empty_read_is_not_shown() -> None:
    f = incoming()
    assert f.get_flashed_messages() == []
    assert not f.shown


# -- now, keep, discard, clear -------------------------------------------------------


def test_now_is_shown_in_this_request_and_never_stored() -> None:
    f = incoming(("info", "a"))
    f.now("right now", "warning")
    assert f.get_flashed_messages(with_categories=True) == [
        ("info", "a"),
        ("warning", "right now"),
    ]
    assert texts(f.seal(False)) is None  # unchanged: "a" stays, the now() never stored


def test_read_now_read_joins_the_cached_list() -> None:
    f = incoming()
    assert f.get_flashed_messages() == []
    f.now("late but now")
    assert f.get_flashed_messages() == ["late but now"]
    assert f.seal(True) is None


def test_keep_carries_what_was_read_to_the_next_request() -> None:
    f = incoming(("info", "a"))
    f.now("transient")
    assert f.get_flashed_messages() == ["a", "transient"]
    f.keep()
    f.flash("b")
    assert texts(f.seal(True)) == [("info", "a"), ("message", "b")]


def test_keep_before_read() -> None:
    f = incoming(("info", "a"))
    f.keep()
    f.get_flashed_messages()
    assert f.seal(True) is None


def test_discard_categories_everywhere() -> None:
    f = incoming(("error", "e1"), ("info", "i1"))
    f.get_flashed_messages()
    f.flash("e2", "error")
    f.flash("i2", "info")
    f.discard("error")
    assert f.get_flashed_messages() == ["i1"]
    assert texts(f.seal(False)) == [("info", "i1"), ("info", "i2")]


def test_clear_drops_everything() -> None:
    f = incoming(("error", "e1"))
    f.flash("x")
    f.clear()
    assert f.get_flashed_messages() == []
    assert texts(f.seal(False)) == []


def test_clear_with_nothing_incoming_changes_nothing() -> None:
    f = incoming()
    f.flash("x")
    f.clear()
    assert f.seal(True) is None


# -- after the headers were sent ---------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda f: f.flash("x"), id="flash"),
        pytest.param(lambda f: f.keep(), id="keep"),
        pytest.param(lambda f: f.discard("x"), id="discard"),
        pytest.param(lambda f: f.clear(), id="clear"),
    ],
)
def test_changes_after_seal_raise(action: object) -> None:
    f = incoming(("info", "a"))
    f.seal(True)
    with pytest.raises(HeadersSentError, match="after start_response was called"):
        action(f)  # type: ignore[operator]


def test_seal_then_first_read_warns_and_the_messages_stay() -> None:
    f = incoming(("info", "a"))
    assert f.seal(True) is None
    with pytest.warns(FlashWarning, match="show again on the next request"):
        assert f.get_flashed_messages() == ["a"]


def test_read_seal_read_does_not_warn() -> None:
    f = incoming(("info", "a"))
    f.get_flashed_messages()
    assert texts(f.seal(True)) == []
    assert f.get_flashed_messages() == ["a"]


def test_seal_then_read_of_nothing_does_not_warn() -> None:
    f = incoming()
    f.seal(True)
    f.now("only now")
    assert f.get_flashed_messages() == ["only now"]


def test_consume_returned_seal_read_other_category_warns() -> None:
    f = incoming(("a", "x"), ("b", "y"))
    f.get_flashed_messages(category_filter="a", consume="returned")
    f.seal(True)
    with pytest.warns(FlashWarning):
        f.get_flashed_messages(category_filter="b", consume="returned")


def test_guard_can_refuse_a_message() -> None:
    def guard(stored: Sequence[Message]) -> None:
        if len(stored) > 1:
            raise ValueError("full")

    f = Flashes(settings=Settings(guard=guard))
    f.flash("one")
    with pytest.raises(ValueError, match="full"):
        f.flash("two")
    assert f.get_flashed_messages() == ["one"]


def test_repr() -> None:
    f = incoming(("a", "x"))
    assert repr(f) == "<Flashes (not loaded)>"
    f.peek()
    assert repr(f) == "<Flashes 1 now, 0 for next request>"


def test_a_none_filter_means_every_category_as_in_flask() -> None:
    f = incoming(("a", "x"), ("b", "y"))
    assert f.get_flashed_messages(category_filter=None) == ["x", "y"]
    assert f.peek(category_filter=None) == ["x", "y"]
