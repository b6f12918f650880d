"""The core's own rules at their edges: the options it refuses and how it
says so, which of several bad cookies it reports, and the overflow warning
when only a message too large is dropped."""

from __future__ import annotations

import logging
import re

import pytest
from pins_support import incompressible

from flashmw import FlashWarning
from flashmw.core import MAX_COOKIE_SIZE, FlashCore

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"
DAY = 86400


@pytest.mark.parametrize("name", ["coalesce", "htmx", "streamed_reads"])
def test_a_flag_that_is_not_a_bool_is_named_in_the_error(name: str) -> None:
    with pytest.raises(TypeError) as raised:
        FlashCore(KEY, **{name: "yes"})  # type: ignore[misc]
    assert str(raised.value) == f"{name} must be True or False, not 'yes'"


def test_max_age_reaches_400_days_and_no_further() -> None:
    """Browsers cap a cookie's lifetime at 400 days (RFC 6265bis)."""
    assert FlashCore(KEY, max_age=400 * DAY).codec.max_age == 400 * DAY
    with pytest.raises(ValueError, match=re.escape("1..34560000")):
        FlashCore(KEY, max_age=400 * DAY + 1)


def test_max_cookie_size_of_zero_is_out_of_range() -> None:
    with pytest.raises(ValueError) as raised:
        FlashCore(KEY, max_cookie_size=0)
    assert str(raised.value) == (
        f"max_cookie_size must be an int in 1..{MAX_COOKIE_SIZE}, not 0"
    )


def test_a_small_max_cookie_size_is_refused_for_the_room_it_leaves() -> None:
    """1 is in range; what it leaves for the value is not enough, and the
    error says so rather than calling 1 out of range."""
    with pytest.raises(ValueError, match=r"^max_cookie_size=1 leaves -?\d+ bytes"):
        FlashCore(KEY, max_cookie_size=1)


def test_the_smallest_max_cookie_size_leaves_exactly_the_room_needed() -> None:
    overhead = FlashCore(KEY).cookie.overhead
    FlashCore(KEY, max_cookie_size=overhead + 128)
    with pytest.raises(ValueError, match="leaves 127 bytes"):
        FlashCore(KEY, max_cookie_size=overhead + 127)


def test_cache_control_with_a_stray_word_is_refused() -> None:
    with pytest.raises(ValueError, match="cache_control is not a list of directives"):
        FlashCore(KEY, cache_control="private X")


# -- which bad cookie is reported ---------------------------------------------------


def _rejections(header: str, caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    core = FlashCore(KEY)
    with caplog.at_level(logging.INFO, logger="flashmw"):
        assert core.flashes(header).peek() == []
    return [(r.levelno, r.getMessage()) for r in caplog.records]


def _expired() -> str:
    """A genuine token, signed long ago."""
    core = FlashCore(KEY)
    value = core.codec.encode([], 4000, now=1_000_000).value
    assert value is not None
    return value


def test_an_empty_value_gives_way_to_the_next_cookies_problem(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``flashmw=`` alone is not worth a line; beside a forged cookie, the
    forgery is what is reported."""
    assert _rejections("flashmw=", caplog) == []
    caplog.clear()
    assert _rejections("flashmw=; flashmw=forged.value", caplog) == [
        (
            logging.WARNING,
            "ignored the 'flashmw' cookie (bad signature); it will be deleted",
        )
    ]


def test_the_first_real_problem_is_the_one_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A forged cookie then an expired one: the forgery is reported, at
    WARNING, not the routine expiry after it."""
    header = f"flashmw=forged.value; flashmw={_expired()}"
    assert _rejections(header, caplog) == [
        (
            logging.WARNING,
            "ignored the 'flashmw' cookie (bad signature); it will be deleted",
        )
    ]


# -- the overflow warning ----------------------------------------------------------


def test_dropping_only_a_message_too_large_mentions_no_oldest() -> None:
    core = FlashCore(KEY)
    flashes = core.flashes(None)
    flashes.flash("Saved.")
    flashes.flash(incompressible(5000, 1))
    with pytest.warns(FlashWarning) as caught:
        core.respond(flashes, 302, [], _Request())
    [warning] = caught
    assert str(warning.message).endswith(": 1 too large to fit even alone")
    assert str(warning.message).startswith("dropped 1 of 2 flash message(s)")


class _Request:
    """A plain GET over HTTP, as the rules see it."""

    method = "GET"
    https = False

    def header(self, name: str, /) -> str | None:
        return None
