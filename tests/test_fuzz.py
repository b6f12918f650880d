"""Properties over untrusted input: the decoder, the Cookie-header parser and
the whole middleware never fail on what a client sends.

The bounded "ci" hypothesis profile (tests/conftest.py) keeps these fast; the
long runs are ``fuzz/run.py`` (1M+ inputs) and the "fuzz" profile.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import Markup

from flashmw import FlashMiddleware, flash, get_flashed_messages
from flashmw._http import find_cookie
from fuzz import harness

KEY = harness.KEY
#: Printable ASCII: what every header value flashmw writes must be made of.
HEADER_VALUE = re.compile(r"[\x20-\x7e]*")
COOKIE_VALUE = re.compile(r"[A-Za-z0-9_.-]*")

any_text = st.text(st.characters(codec=None, categories=None), max_size=40)
#: Cookie values a client could send: genuine tokens, mutated tokens, junk.
seed_values = st.sampled_from([value for value, _ in harness.SEEDS])
cookie_values = st.one_of(
    any_text,
    seed_values,
    st.builds(
        lambda seed, data: harness.mutate(harness.Provider(data), seed),
        seed_values,
        st.binary(max_size=24),
    ),
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
        max_size=300,
    ),
)


@pytest.fixture(autouse=True)
def _quiet_flashmw_log() -> Iterator[None]:
    """Rejected cookies log a line each; these tests make thousands."""
    logger = logging.getLogger("flashmw")
    disabled = logger.disabled
    logger.disabled = True
    yield
    logger.disabled = disabled


# -- the harness itself, driven by hypothesis and by a seeded short run ------------


@given(st.binary(max_size=700))
def test_the_fuzz_targets_hold_for_any_input(data: bytes) -> None:
    harness.one_input(data)


def test_a_short_seeded_fuzz_run_passes() -> None:
    """The CI version of ``fuzz/run.py --engine random``: 3 000 inputs."""
    rng = random.Random(20240601)
    for _ in range(3000):
        harness.one_input(rng.randbytes(min(int(rng.expovariate(1 / 96)), 4096)))


@pytest.mark.parametrize("target", range(len(harness.TARGETS)))
def test_every_target_runs_on_an_empty_input(target: int) -> None:
    harness.one_input(bytes([target]))


# -- the decoder -----------------------------------------------------------------


@given(cookie_values)
def test_decoding_never_raises_and_accepts_only_genuine_tokens(value: str) -> None:
    decoded = harness.CODEC.decode(value)
    if decoded.problem is None:
        genuine = harness._GENUINE.get(value.rsplit(".", 1)[0])
        assert genuine is not None, value
        assert harness.same(decoded.messages, genuine)
    else:
        assert decoded.messages == []


# -- the Cookie-header parser ------------------------------------------------------

cookie_names = st.from_regex(r"[A-Za-z0-9_!#$%&'*+.^`|~-]{1,12}", fullmatch=True)


@given(any_text, cookie_names)
@example("a=1; flashmw", "flashmw")
@example('flashmw="', "flashmw")
@example(";;;=;=", "x")
def test_find_cookie_never_raises_and_returns_part_of_the_header(
    header: str, name: str
) -> None:
    found = find_cookie(header, name)
    assert found is None or found in header


@given(
    st.lists(st.tuples(cookie_names, any_text), max_size=6),
    st.from_regex(r"[A-Za-z0-9_.-]{0,200}", fullmatch=True),
    st.sampled_from(["; ", ";", " ; ", ";\t"]),
)
def test_find_cookie_finds_ours_behind_any_neighbours(
    neighbours: list[tuple[str, str]], value: str, sep: str
) -> None:
    pairs = [
        f"{n}={v}".replace("flashmw", "x") for n, v in neighbours if n != "flashmw"
    ]
    header = sep.join([*pairs, f"flashmw={value}", "flashmw=second"])
    assert find_cookie(header, "flashmw") == value


# -- the whole middleware ------------------------------------------------------------


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """/flash flashes the (category, text) pairs put in the environ; / reads."""
    for category, text in environ.get("test.flash", ()):
        flash(environ, text, category)
    if environ["PATH_INFO"] == "/flash":
        start_response("303 See Other", [("Location", "/")])
        return [b""]
    shown = get_flashed_messages(environ, with_categories=True)
    environ["test.shown"] = shown
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"shown"]


MIDDLEWARE = FlashMiddleware(_app, KEY, fallback_keys=[harness.OLD_KEY])


def call(
    path: str = "/", cookie: str | None = None, method: str = "GET", **extra: Any
) -> tuple[str, list[tuple[str, str]], dict[str, Any]]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        **extra,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        seen.append((status, headers))
        return lambda data: None

    body = MIDDLEWARE(environ, start_response)
    b"".join(body)
    [(status, headers)] = seen
    for name, value in headers:
        assert HEADER_VALUE.fullmatch(value), (name, value)
    return status, headers, environ


def flash_cookie(headers: list[tuple[str, str]]) -> str | None:
    values = [v for n, v in headers if n == "Set-Cookie" and v.startswith("flashmw=")]
    assert len(values) <= 1
    return values[0] if values else None


@given(cookie_values, st.sampled_from(["GET", "POST", "HEAD"]))
def test_any_cookie_gives_a_page_and_a_bad_one_is_deleted(
    value: str, method: str
) -> None:
    header = f"theme=dark; flashmw={value}"
    status, headers, environ = call(cookie=header, method=method)
    assert status == "200 OK"
    sent = find_cookie(header, "flashmw")
    decoded = harness.CODEC.decode(sent or "")
    cookie = flash_cookie(headers)
    if sent and decoded.problem is not None:
        assert environ["test.shown"] == []
        assert cookie is not None and cookie.startswith("flashmw=;")
        assert "Max-Age=0" in cookie
    if cookie is not None:
        assert ("Vary", "Cookie") in headers


categories = st.one_of(st.sampled_from(["message", "error", "a\r\nb"]), any_text)
texts = st.one_of(any_text, any_text.map(Markup))


@given(st.lists(st.tuples(categories, texts), min_size=1, max_size=6))
def test_any_messages_round_trip_through_the_cookie(
    pairs: list[tuple[str, str]],
) -> None:
    status, headers, _ = call("/flash", **{"test.flash": pairs})
    assert status.startswith("303")
    cookie = flash_cookie(headers)
    assert cookie is not None
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    # Whatever the text, the cookie is base64 and dots: nothing to inject.
    assert COOKIE_VALUE.fullmatch(value)
    status, headers, environ = call(cookie=f"flashmw={value}")
    assert environ["test.shown"] == pairs
    assert [type(t) for _, t in environ["test.shown"]] == [type(t) for _, t in pairs]
    assert ("Cache-Control", "private") in headers
    consumed = flash_cookie(headers)
    assert consumed is not None and consumed.startswith("flashmw=;")


@given(
    st.sampled_from(["HEAD", "GET"]),
    st.sampled_from(
        [
            {},
            {"HTTP_SEC_PURPOSE": "prefetch"},
            {"HTTP_PURPOSE": "prefetch"},
            {"HTTP_X_MOZ": "prefetch"},
        ]
    ),
    st.lists(any_text, min_size=1, max_size=3),
)
def test_only_a_page_a_person_sees_consumes(
    method: str, extra: dict[str, str], texts_: list[str]
) -> None:
    _, headers, _ = call("/flash", **{"test.flash": [("m", t) for t in texts_]})
    cookie = flash_cookie(headers)
    assert cookie is not None
    value = cookie.split(";", 1)[0]
    _, headers, environ = call(cookie=value, method=method, **extra)
    assert environ["test.shown"] == [("m", t) for t in texts_]
    consumed = flash_cookie(headers)
    if method == "HEAD" or extra:
        assert consumed is None
    else:
        assert consumed is not None and consumed.startswith("flashmw=;")
