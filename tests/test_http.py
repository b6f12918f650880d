"""Header helpers: finding the cookie, merging Vary and Cache-Control, and
which responses count as seen."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.sansio.http import parse_cookie

from flashmw._http import (
    add_cache_control,
    add_vary_cookie,
    find_cookie,
    find_cookies,
    has_cookie,
    status_code,
)

# -- find_cookie ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("", None, id="empty"),
        pytest.param("flashmw=abc", "abc", id="alone"),
        pytest.param("a=1; flashmw=abc; b=2", "abc", id="middle"),
        pytest.param("a=1;flashmw=abc", "abc", id="no space"),
        pytest.param("a=1;   \tflashmw=abc  ;b=2", "abc", id="blanks"),
        pytest.param('flashmw="abc"', "abc", id="quoted"),
        pytest.param(
            "flashmw=first; flashmw=second", "first", id="duplicate first wins"
        ),
        pytest.param("xflashmw=no; flashmw=yes", "yes", id="longer name is not it"),
        pytest.param("flashmwx=no", None, id="prefix of another name"),
        pytest.param("a=b flashmw=c", None, id="inside another value"),
        pytest.param("a=flashmw=c; flashmw=d", "d", id="after equals"),
        pytest.param("garbage;;; =;; flashmw=ok", "ok", id="malformed neighbours"),
        pytest.param(
            'a="unterminated; flashmw=ok', "ok", id="unterminated quote before"
        ),
        pytest.param("a=\xe9\xff; flashmw=ok; c=\x00", "ok", id="non-ASCII and NUL"),
        pytest.param("flashmw=", "", id="empty value"),
        pytest.param("flashmw", None, id="no equals"),
        pytest.param("Flashmw=abc", None, id="names are case-sensitive"),
        # Servers join repeated Cookie fields with ", " (gunicorn does).
        pytest.param("a=1, flashmw=abc", "abc", id="after a joining comma"),
        pytest.param("a=1,flashmw=abc", "abc", id="after a bare comma"),
        pytest.param("flashmw=abc, b=2", "abc", id="before a joining comma"),
        pytest.param("a=b,c flashmw=d", None, id="still not inside a value"),
    ],
)
def test_find_cookie(header: str, expected: str | None) -> None:
    assert find_cookie(header, "flashmw") == expected


def test_find_cookie_in_a_100_kb_header_is_fast() -> None:
    header = "; ".join(f"c{i}=v{i}flashmw=x" for i in range(8000)) + "; flashmw=found"
    assert len(header) > 100_000
    started = time.perf_counter()
    assert find_cookie(header, "flashmw") == "found"
    # Not a benchmark: a generous bound that only a quadratic scan would break.
    assert time.perf_counter() - started < 0.5


cookie_names = st.from_regex(r"[A-Za-z0-9_\-]{1,8}", fullmatch=True)
cookie_values = st.from_regex(r"[A-Za-z0-9_\-.]{0,12}", fullmatch=True)


@given(st.lists(st.tuples(cookie_names, cookie_values), max_size=8), cookie_names)
def test_find_cookie_agrees_with_werkzeug_on_well_formed_headers(
    pairs: list[tuple[str, str]], name: str
) -> None:
    header = "; ".join(f"{k}={v}" for k, v in pairs)
    assert find_cookie(header, name) == parse_cookie(header).get(name)


@given(st.text(max_size=300), st.sampled_from(["flashmw", "a", "session"]))
def test_find_cookie_never_raises(header: str, name: str) -> None:
    value = find_cookie(header, name)
    assert value is None or ";" not in value


# -- Vary -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param([], [("Vary", "Cookie")], id="none"),
        pytest.param(
            [("Vary", "Accept-Language")],
            [("Vary", "Accept-Language, Cookie")],
            id="other",
        ),
        pytest.param(
            [("vary", "cookie")], [("vary", "cookie")], id="lowercase present"
        ),
        pytest.param(
            [("Vary", "Accept, COOKIE")],
            [("Vary", "Accept, COOKIE")],
            id="present in list",
        ),
        pytest.param([("Vary", "*")], [("Vary", "*")], id="star"),
        pytest.param([("Vary", "")], [("Vary", "Cookie")], id="empty value"),
        pytest.param(
            [("Vary", "Accept"), ("X", "1"), ("Vary", "Origin")],
            [("Vary", "Accept, Cookie"), ("X", "1"), ("Vary", "Origin")],
            id="two fields: the first grows",
        ),
        pytest.param(
            [("Vary", "Accept"), ("Vary", "Cookie")],
            [("Vary", "Accept"), ("Vary", "Cookie")],
            id="present in second field",
        ),
    ],
)
def test_add_vary_cookie(
    before: list[tuple[str, str]], after: list[tuple[str, str]]
) -> None:
    headers = list(before)
    add_vary_cookie(headers)
    assert headers == after
    add_vary_cookie(headers)
    assert headers == after, "merging is idempotent"


# -- Cache-Control ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "directives", "after"),
    [
        pytest.param([], "private", [("Cache-Control", "private")], id="none"),
        pytest.param(
            [("Cache-Control", "max-age=60")],
            "private",
            [("Cache-Control", "max-age=60, private")],
            id="merged",
        ),
        pytest.param(
            [("Cache-Control", "public, max-age=600")],
            "private",
            [("Cache-Control", "max-age=600, private")],
            id="public removed",
        ),
        pytest.param(
            [("cache-control", "PRIVATE")],
            "private",
            [("cache-control", "PRIVATE")],
            id="present",
        ),
        pytest.param(
            [("Cache-Control", "no-store")],
            "private",
            [("Cache-Control", "no-store")],
            id="no-store",
        ),
        pytest.param(
            [("Cache-Control", "private, public")],
            "private",
            [("Cache-Control", "private")],
            id="conflict resolved",
        ),
        pytest.param(
            [("Cache-Control", "max-age=0"), ("Cache-Control", "public")],
            "private, no-cache",
            [("Cache-Control", "max-age=0, private, no-cache")],
            id="two fields",
        ),
        pytest.param(
            [("Cache-Control", "private")],
            "private, no-cache",
            [("Cache-Control", "private, no-cache")],
            id="some missing",
        ),
        pytest.param(
            [("Cache-Control", "public")],
            "max-age=0",
            [("Cache-Control", "public, max-age=0")],
            id="no restriction keeps public",
        ),
    ],
)
def test_add_cache_control(
    before: list[tuple[str, str]], directives: str, after: list[tuple[str, str]]
) -> None:
    headers = list(before)
    add_cache_control(headers, directives)
    assert headers == after
    add_cache_control(headers, directives)
    assert headers == after, "merging is idempotent"


# -- seen or not ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"), [("200 OK", 200), ("404 Not Found", 404), ("", 0), ("OK", 0)]
)
def test_status_code(status: str, code: int) -> None:
    assert status_code(status) == code


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            'private="Set-Cookie, X-Id", max-age=600',
            'private="Set-Cookie, X-Id", max-age=600, private',
            id="field-qualified private is not private",
        ),
        pytest.param(
            'no-cache="Set-Cookie", public',
            'no-cache="Set-Cookie", private',
            id="quoted commas and public",
        ),
    ],
)
def test_cache_control_with_quoted_field_names(before: str, after: str) -> None:
    headers = [("Cache-Control", before)]
    add_cache_control(headers, "private")
    assert headers == [("Cache-Control", after)]


def test_find_cookies_yields_every_value_in_order() -> None:
    header = "flashmw=longer-path; a=1, flashmw=parent;flashmw=ours; flashmw="
    assert list(find_cookies(header, "flashmw")) == [
        "longer-path",
        "parent",
        "ours",
        "",
    ]


def test_find_cookies_of_many_pairs_is_linear() -> None:
    header = "; ".join(["flashmw=v"] * 12_000)
    started = time.perf_counter()
    assert sum(1 for _ in find_cookies(header, "flashmw")) == 12_000
    # Not a benchmark: a bound only a scan to the end per pair would break.
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("fields", "after"),
    [
        pytest.param(
            [("Cache-Control", "public"), ("Cache-Control", "max-age=60")],
            [("Cache-Control", "private"), ("Cache-Control", "max-age=60")],
            id="public then another field",
        ),
        pytest.param(
            [("Cache-Control", "public"), ("Cache-Control", "private")],
            [("Cache-Control", "private")],
            id="public then private: no empty field",
        ),
        pytest.param(
            [("Cache-Control", "max-age=60, public"), ("Cache-Control", "public")],
            [("Cache-Control", "max-age=60, private")],
            id="public twice",
        ),
    ],
)
def test_add_cache_control_never_leaves_an_empty_field(
    fields: list[tuple[str, str]], after: list[tuple[str, str]]
) -> None:
    add_cache_control(fields, "private")
    assert fields == after
    assert all(value.strip() for _, value in fields)


@given(st.text(alphabet=st.sampled_from(list('flashmw=;, \tx"a'))), st.just("flashmw"))
def test_has_cookie_agrees_with_find_cookies(header: str, name: str) -> None:
    assert has_cookie(header, name) == (
        next(find_cookies(header, name), None) is not None
    )
