"""The per-request object's smaller rules, each pinned by a test that fails
when the rule is broken."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pins_support import Clock

from flashmw import ENVIRON_KEY, FlashHooks, FlashWarning, read_messages
from flashmw.flashes import (
    CategoryFilter,
    ConsumeMode,
    Flashes,
    Settings,
    check_consume,
)
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


# -- consume modes, and read() as get_flashed_messages() -------------------------


def test_check_consume_returns_each_mode_as_named() -> None:
    # The core keeps what it returns as the default mode of every read.
    assert check_consume("all") == "all"
    assert check_consume("returned") == "returned"
    with pytest.raises(ValueError, match="consume must be one of"):
        check_consume("RETURNED")


def left_stored(f: Flashes) -> list[tuple[str, str]] | None:
    stored = f.seal(True)
    return None if stored is None else [(m.category, m.text) for m in stored]


@given(
    st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from("xyz")), max_size=4),
    st.sampled_from([None, (), "a", "b", ["a"], ["a", "b"], ("b",)]),
    st.sampled_from([None, "all", "returned"]),
    st.sampled_from(["all", "returned"]),
)
@example([("a", "x"), ("b", "y")], "a", "returned", "all")
@example([("a", "x"), ("b", "y")], "a", "all", "returned")
def test_read_and_read_messages_take_what_get_flashed_messages_takes(
    pairs: list[tuple[str, str]],
    category_filter: CategoryFilter,
    consume: ConsumeMode | None,
    default: ConsumeMode,
) -> None:
    """Both pass the filter and the consume mode on: the same records as
    the texts get_flashed_messages() returns, and the same left stored."""
    made = [incoming(*pairs, consume=default) for _ in range(3)]
    texts = made[0].get_flashed_messages(False, category_filter, consume=consume)
    records = made[1].read(category_filter, consume=consume)
    environ = {ENVIRON_KEY: made[2]}
    via_environ = read_messages(environ, category_filter, consume=consume)
    assert [m.text for m in records] == [m.text for m in via_environ] == texts
    assert left_stored(made[1]) == left_stored(made[2]) == left_stored(made[0])


# -- the records flash() makes ----------------------------------------------------


def test_a_flashed_record_is_not_transient_with_or_without_a_ttl() -> None:
    f = Flashes(settings=Settings(clock=lambda: NOW))
    f.flash("plain")
    f.flash("short", ttl=60)
    # Records compare as tuples: a transient of None would not equal False.
    assert f.read() == [
        Message("message", "plain", NOW),
        Message("message", "short", NOW, False, 60),
    ]


def test_a_coalesced_repeat_takes_the_latest_time_and_ttl() -> None:
    clock = Clock(NOW)
    f = Flashes(settings=Settings(clock=clock, coalesce=True))
    f.flash("again", ttl=60)
    clock.now = NOW + 5
    f.flash("again", ttl=30)
    assert f.read() == [Message("message", "again", NOW + 5, False, 30, 2)]


def test_a_repeat_gives_the_guard_the_messages_read_too() -> None:
    """The guard (the "raise" policy) is given what may be stored: a page
    that turns out not to be seen keeps the messages it read, so they count
    for a repeat as for a new message."""
    given_to_guard: list[list[tuple[str, int]]] = []

    def guard(stored: Sequence[Message]) -> None:
        given_to_guard.append([(m.text, m.count) for m in stored])

    old = [Message("message", "old", NOW - 10)]
    settings = Settings(guard=guard, clock=lambda: NOW, coalesce=True)
    f = Flashes(lambda source: (old, False), None, settings)
    assert f.get_flashed_messages() == ["old"]
    f.flash("new")
    f.flash("new")
    assert given_to_guard == [[("old", 1), ("new", 1)], [("old", 1), ("new", 2)]]


class Added(FlashHooks):
    def __init__(self) -> None:
        self.messages: list[Message] = []

    def added(self, message: Message) -> None:
        self.messages.append(message)


def test_now_tells_the_added_hook(caplog: pytest.LogCaptureFixture) -> None:
    hooks = Added()
    f = Flashes(settings=Settings(clock=lambda: NOW, hooks=hooks))
    with caplog.at_level(logging.ERROR, "flashmw"):
        f.now("here only", "info")
    assert hooks.messages == [Message("info", "here only", NOW, True)]
    assert caplog.records == []


def test_now_without_hooks_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, "flashmw"):
        Flashes().now("here only")
    assert caplog.records == []


# -- delivery ------------------------------------------------------------------------


def test_every_delivered_message_stays_delivered() -> None:
    f = Flashes()
    f.flash("a")
    assert [m.text for m in f.deliver()] == ["a"]
    f.flash("b")
    assert [m.text for m in f.deliver()] == ["b"]
    assert f.unread() == []
    assert f.seal(False) is None  # nothing came in, nothing is left to store


def test_unread_leaves_out_what_a_returned_read_returned() -> None:
    f = incoming(("a", "one"), ("b", "two"), consume="returned")
    assert f.get_flashed_messages(category_filter="a") == ["one"]
    assert [m.text for m in f.unread()] == ["two"]


# -- lazy strings ----------------------------------------------------------------


def lazy(name: str, module: str, *bases: type) -> object:
    """An instance of a class *name* of *module* whose str() is "translated"."""
    cls = type(
        name, bases, {"__module__": module, "__str__": lambda self: "translated"}
    )
    return cls()


def test_a_django_promise_is_rendered_as_a_lazy_translation() -> None:
    promise = type(lazy("Promise", "django.utils.functional"))
    f = Flashes()
    f.flash(lazy("Promise", "django.utils.functional"))  # type: ignore[arg-type]
    # gettext_lazy() returns an instance of a subclass made by lazy().
    f.flash(lazy("__proxy__", "django.utils.functional", promise))  # type: ignore[arg-type]
    assert f.get_flashed_messages() == ["translated", "translated"]


@pytest.mark.parametrize(
    ("name", "module"),
    [
        # Another library's Promise is no translation.
        ("Promise", "myapp.futures"),
        # Nor is any other class of Django's module (SimpleLazyObject...).
        ("SimpleLazyObject", "django.utils.functional"),
    ],
)
def test_only_djangos_promise_is_recognised_by_name(name: str, module: str) -> None:
    with pytest.raises(TypeError, match="a flashed message must be a str"):
        Flashes().flash(lazy(name, module))  # type: ignore[arg-type]
