"""What the cookie scan does with a value, whether a header holds the cookie
at all, and how the middleware writes header names. (Which responses are
seen, and where the cookie is found in a header, are pinned through the
middleware in test_pins_middleware.py.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

import flashmw
from flashmw import FlashMiddleware
from flashmw._http import find_cookie, has_cookie

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("a= \tv\t ", "v"),
        ("a=\x0bv\x0b", "\x0bv\x0b"),
        ("a=\x0cv\r", "\x0cv\r"),
        ("a=\u00a0v\u3000", "\u00a0v\u3000"),
        ("a= v w ;b=1", "v w"),
    ],
)
def test_only_spaces_and_tabs_are_stripped_from_a_value(
    header: str, value: str
) -> None:
    assert find_cookie(header, "a") == value


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ('a=""', ""),
        ('a="v"', "v"),
        ('a= "v" ', "v"),
        ('a="', '"'),
        ('a="v', '"v'),
        ('a=v"', 'v"'),
        ('a=""""', '""'),
    ],
)
def test_one_pair_of_surrounding_quotes_is_removed(header: str, value: str) -> None:
    assert find_cookie(header, "a") == value


def test_the_value_runs_to_the_next_semicolon_or_the_end() -> None:
    assert find_cookie("a=1;b=2", "a") == "1"
    assert find_cookie("b=2; a=1", "a") == "1"
    assert find_cookie("a=", "a") == ""
    assert find_cookie("a=;b=2", "a") == ""


def test_the_value_ends_at_the_first_comma() -> None:
    """Servers join repeated ``Cookie`` fields with ", "."""
    assert find_cookie("a=1, b=2, c=3", "a") == "1"
    assert find_cookie("b=2, a=1, c=3; d=4", "a") == "1"


def _holds(header: str, name: str) -> bool:
    """A plain reading of the rule: some pair (split at ";" or ","), once its
    leading spaces and tabs are stripped, begins with the name and "="."""
    return any(
        pair.lstrip(" \t").startswith(name + "=") for pair in re.split("[;,]", header)
    )


_NAMES = st.text("ab-", min_size=1, max_size=2)


@st.composite
def _headers(draw: st.DrawFn) -> tuple[str, str]:
    """A name, and a header made of it, its look-alikes and separators."""
    name = draw(_NAMES)
    pieces = [name, f"{name}=", f"x{name}=", "=", ";", ",", " ", "\t", "v", '"']
    return "".join(draw(st.lists(st.sampled_from(pieces), max_size=12))), name


@given(_headers())
@example((" a=1", "a"))
@example(("\ta=1", "a"))
@example(("a=1; xa=2", "a"))
@example(("xa=1; a=2; xa=3", "a"))
def test_has_cookie_agrees_with_the_pairs_of_the_header(
    header_and_name: tuple[str, str],
) -> None:
    """``has_cookie`` (which decides whether a response must consider the
    cookie at all) finds a cookie exactly where a pair begins, as
    ``find_cookie`` does: at the start of the header or after ";" or ",",
    past spaces and tabs, however many look-alikes come before or after."""
    header, name = header_and_name
    holds = _holds(header, name)
    assert has_cookie(header, name) is holds
    assert (find_cookie(header, name) is not None) is holds


def test_header_names_are_written_in_their_usual_case() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        flashmw.get_flashed_messages(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    environ = EnvironBuilder(headers=[("Cookie", "flashmw=bad")]).get_environ()
    seen: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
        seen.append(headers)
        return None

    for _ in FlashMiddleware(app, KEY)(environ, start_response):
        pass
    [headers] = seen
    assert [name for name, _ in headers] == [
        "Content-Type",
        "Set-Cookie",
        "Vary",
        "Cache-Control",
    ]
