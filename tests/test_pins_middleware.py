"""The middleware's rules, pinned through its public behaviour: a WSGI
environ in, status and headers out."""

from __future__ import annotations

import base64
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from pins_support import incompressible
from werkzeug.test import EnvironBuilder

import flashmw
from flashmw import FlashMiddleware, FlashOverflowError, FlashWarning
from flashmw.middleware import EnvironRequest

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"
NOW = 1_700_000_000

Headers = list[tuple[str, str]]
Action = Callable[[dict[str, Any]], object]


def nothing(environ: dict[str, Any]) -> None:
    pass


def read(environ: dict[str, Any]) -> None:
    flashmw.get_flashed_messages(environ)


def peek(environ: dict[str, Any]) -> None:
    flashmw.get_flashes(environ).peek()


def flashing(*texts: str) -> Action:
    def action(environ: dict[str, Any]) -> None:
        for text in texts:
            flashmw.flash(environ, text)

    return action


class Site:
    """One middleware over an application that runs a given action."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("secret_key", KEY)
        self.middleware = FlashMiddleware(self._app, **options)
        self.name = options.get("cookie_name", "flashmw")
        self.shown: list[tuple[str, str]] = []
        self._action: Action = nothing
        self._response: tuple[str, Headers] = ("200 OK", [])

    def at(self, now: float) -> Site:
        """Set the time the middleware sees (its one clock)."""
        self.middleware.core.codec.clock = lambda: now
        return self

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self._action(environ)
        status, headers = self._response
        start_response(status, list(headers))
        return [b""]

    def request(
        self,
        action: Action = nothing,
        *,
        status: str = "200 OK",
        headers: Iterable[tuple[str, str]] = (),
        cookie: str | None = None,
        method: str = "GET",
        request_headers: dict[str, str] | None = None,
    ) -> Headers:
        self._action, self._response = action, (status, list(headers))
        sent = dict(request_headers or {})
        if cookie is not None:
            sent["Cookie"] = cookie
        environ = EnvironBuilder(method=method, headers=sent).get_environ()
        out: list[Headers] = []

        def start_response(status: str, headers: Headers, *_: Any) -> Any:
            out.append(headers)
            return lambda data: None

        for _ in self.middleware(environ, start_response):
            pass
        [headers_out] = out
        return headers_out

    def set_cookies(self, headers: Headers) -> list[str]:
        return [
            v
            for k, v in headers
            if k.lower() == "set-cookie" and v.startswith(f"{self.name}=")
        ]

    def cookie(self, *texts: str) -> str:
        """The ``name=value`` pair of a cookie holding *texts*."""
        [set_cookie] = self.set_cookies(
            self.request(flashing(*texts), status="302 Found")
        )
        return set_cookie.split(";", 1)[0]

    def messages(self, cookie: str, **kw: Any) -> list[str]:
        """What a reading request with the Cookie header *cookie* shows."""
        shown: list[str] = []

        def action(environ: dict[str, Any]) -> None:
            shown.extend(flashmw.get_flashed_messages(environ))  # type: ignore[arg-type]

        self.request(action, cookie=cookie, **kw)
        return shown


def header(headers: Headers, name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


# -- which responses are seen ----------------------------------------------------


def consumed(site: Site, **kw: Any) -> bool:
    """Whether a reading request with these options consumes the messages."""
    cookie = site.cookie("Saved.")
    set_cookies = site.set_cookies(site.request(read, cookie=cookie, **kw))
    if not set_cookies:
        return False
    [deletion] = set_cookies
    assert deletion.startswith(f"{site.name}=;")
    return True


@pytest.mark.parametrize(
    "status", ["200 OK", "203 X", "206 X", "299 X", "400 Bad", "404 X", "499 X"]
)
def test_these_statuses_are_seen(status: str) -> None:
    assert consumed(Site(), status=status)


@pytest.mark.parametrize(
    "status",
    ["199 X", "204 X", "205 X", "300 X", "304 X", "399 X", "500 X", "599 X", "x OK"],
)
def test_these_statuses_are_not_seen(status: str) -> None:
    assert not consumed(Site(), status=status)


def test_head_is_not_seen_and_other_methods_are() -> None:
    site = Site()
    assert not consumed(site, method="HEAD")
    assert consumed(site, method="POST")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Sec-Purpose", "prefetch"),
        ("Sec-Purpose", "prefetch;prerender"),
        ("Sec-Purpose", "prefetch;prerender;x"),
        ("Sec-Purpose", " Prefetch ; anonymous-client-ip"),
        ("Purpose", "prefetch"),
        ("X-Moz", "prefetch"),
        ("X-Purpose", "preview"),
        ("X-Purpose", "Preview"),
    ],
)
def test_a_prefetch_is_not_seen(name: str, value: str) -> None:
    assert not consumed(Site(), request_headers={name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Sec-Purpose", ""),
        ("Sec-Purpose", "x;prefetch"),
        ("Sec-Purpose", "prefetching"),
        # Only space and tab surround a value: not other characters, nor
        # the other whitespace str.strip() knows (a Latin-1 no-break space).
        ("Sec-Purpose", "Xprefetch"),
        ("Sec-Purpose", "\xa0prefetch"),
        ("X-Moz", "x"),
        ("X-Other", "prefetch"),
    ],
)
def test_a_request_that_is_not_a_prefetch_is_seen(name: str, value: str) -> None:
    assert consumed(Site(), request_headers={name: value})


@pytest.mark.parametrize("value", ["image", " image\t", "IMAGE"])
def test_a_subresource_is_not_seen(value: str) -> None:
    assert not consumed(Site(), request_headers={"Sec-Fetch-Dest": value})


@pytest.mark.parametrize("value", ["Ximage", "imageX", "\xa0image", "document"])
def test_a_destination_that_is_not_a_subresource_is_seen(value: str) -> None:
    assert consumed(Site(), request_headers={"Sec-Fetch-Dest": value})


# -- what the core decides beyond consumption ---------------------------------------


def test_a_read_that_found_nothing_under_a_cookie_is_private() -> None:
    """A redirect that read only a category the cookie lacks shows nothing
    and stores nothing, but the request carried messages: the response is
    private all the same."""
    site = Site()
    cookie = site.cookie("Saved.")

    def errors(environ: dict[str, Any]) -> None:
        assert flashmw.get_flashed_messages(environ, category_filter=["error"]) == []

    headers = site.request(errors, cookie=cookie, status="302 Found")
    assert site.set_cookies(headers) == []
    assert header(headers, "Cache-Control") == ["private"]
    assert header(headers, "Vary") == ["Cookie"]


def test_identical_flashes_are_both_kept_by_default() -> None:
    site = Site()
    assert site.messages(site.cookie("Saved.", "Saved.")) == ["Saved.", "Saved."]


def test_a_rewritten_cookie_is_signed_at_the_time_of_the_response() -> None:
    """Under the default overflow policy the token carries the time it was
    written, and each message its age: a message read from an old cookie and
    written back keeps its own age, and the cookie its new time."""
    site = Site().at(NOW)
    [first] = site.set_cookies(
        site.request(
            lambda environ: (
                flashmw.flash(environ, "Old."),
                flashmw.flash(environ, "Oops.", "error"),
            ),
            status="302 Found",
        )
    )
    site.at(NOW + 100)

    def errors_only(environ: dict[str, Any]) -> None:
        flashes = flashmw.get_flashes(environ)
        flashes.get_flashed_messages(category_filter=["error"], consume="returned")

    cookie = first.split(";", 1)[0]
    [written] = site.set_cookies(site.request(errors_only, cookie=cookie))
    value = written.split(";", 1)[0].split("=", 1)[1]
    # payload.stamp.signature: the stamp is the big-endian time, in base64.
    stamp = value.split(".")[-2].encode()
    signed_at = base64.urlsafe_b64decode(stamp + b"=" * (-len(stamp) % 4))
    assert int.from_bytes(signed_at, "big") == NOW + 100
    codec = site.middleware.core.codec
    assert codec.decode(value).messages[0].born == NOW


# -- Cache-Control and Vary ----------------------------------------------------------


def merged(site: Site, name: str, value: str) -> list[str]:
    """The *name* fields of a response that showed messages and had *value*."""
    cookie = site.cookie("Saved.")
    return header(site.request(read, cookie=cookie, headers=[(name, value)]), name)


def test_a_field_qualified_no_cache_is_not_the_bare_directive() -> None:
    site = Site(cache_control="no-cache")
    assert merged(site, "Cache-Control", 'no-cache="Set-Cookie"') == [
        'no-cache="Set-Cookie", no-cache'
    ]
    assert merged(site, "Cache-Control", "No-Cache") == ["No-Cache"]


def test_a_field_qualified_private_is_not_the_bare_directive() -> None:
    site = Site()
    assert merged(site, "Cache-Control", 'private="Set-Cookie"') == [
        'private="Set-Cookie", private'
    ]


def test_directives_match_by_name_whatever_their_value() -> None:
    site = Site(cache_control="max-age=0")
    assert merged(site, "Cache-Control", "max-age=600") == ["max-age=600"]
    assert merged(site, "Cache-Control", "MAX-AGE=600, must-revalidate") == [
        "MAX-AGE=600, must-revalidate"
    ]
    assert merged(site, "Cache-Control", "must-revalidate") == [
        "must-revalidate, max-age=0"
    ]


def test_several_directives_are_merged_one_by_one() -> None:
    site = Site(cache_control="private, no-cache")
    assert merged(site, "Cache-Control", "no-cache, public") == ["no-cache, private"]


def test_no_store_removes_public_as_private_does() -> None:
    site = Site(cache_control="no-store")
    assert merged(site, "Cache-Control", "public, max-age=60") == [
        "max-age=60, no-store"
    ]


def test_a_field_that_needs_no_change_is_left_as_it_was() -> None:
    """Not even respaced: nothing is missing, and no ``public`` must go."""
    assert merged(Site(), "Cache-Control", "max-age=0,private") == ["max-age=0,private"]
    site = Site(cache_control="no-cache")
    assert merged(site, "Cache-Control", "public,no-cache") == ["public,no-cache"]


def test_vary_lists_cookie_once_however_it_is_spaced() -> None:
    site = Site()
    for value in ("Origin,Cookie", "Origin, cookie", "Cookie,Origin", "*"):
        assert merged(site, "Vary", value) == [value]
    assert merged(site, "Vary", "Origin,Accept") == ["Origin,Accept, Cookie"]


# -- the cookie scan -----------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        " {}",
        "\t{}",
        "  {}  ",
        "a=1;{}",
        "a=1; \t{}",
        "x{name}=1; {}",
        "a={name}=1; {}",
        "{};{name}=other",
    ],
)
def test_the_cookie_is_found_wherever_a_pair_begins(template: str) -> None:
    site = Site()
    cookie = site.cookie("Saved.")
    header_value = template.replace("{name}", site.name).format(cookie)
    assert site.messages(header_value) == ["Saved."]


def test_a_name_inside_another_cookie_is_not_the_cookie() -> None:
    site = Site()
    cookie = site.cookie("Saved.")
    for header_value in (f"x{cookie}", f"a=b{cookie}", f"a=1;x{cookie}"):
        headers = site.request(read, cookie=header_value)
        assert site.set_cookies(headers) == []


def test_other_cookies_without_ours_set_no_cookie() -> None:
    site = Site()
    headers = site.request(read, cookie="a=1; b=2; flashmwx=3")
    assert site.set_cookies(headers) == []
    assert header(headers, "Vary") == ["Cookie"]
    assert header(site.request(read, cookie=""), "Set-Cookie") == []


def test_a_custom_cookie_name_is_the_one_read() -> None:
    site = Site(cookie_name="my_flash")
    cookie = site.cookie("Saved.")
    assert cookie.startswith("my_flash=")
    assert site.messages(f"flashmw={cookie.split('=', 1)[1]}") == []
    assert site.messages(f"flashmw=x; {cookie}") == ["Saved."]


# -- the cookie's attributes -------------------------------------------------------


def _attributes(set_cookie: str) -> set[str]:
    return set(set_cookie.split("; ")[1:])


def test_a_deletion_expires_the_cookie_by_max_age_and_by_date() -> None:
    """Max-Age=0 and an Expires at the epoch, for browsers that predate
    Max-Age; a stored cookie has only its Max-Age."""
    site = Site(max_age=1)
    [stored] = site.set_cookies(site.request(flashing("a"), status="302 Found"))
    assert "Max-Age=1" in _attributes(stored)
    assert not any(a.startswith("Expires=") for a in _attributes(stored))
    [deletion] = site.set_cookies(site.request(read, cookie=stored.split(";")[0]))
    assert {"Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"} <= _attributes(
        deletion
    )


def test_a_secure_prefixed_name_is_accepted_with_secure_true_only() -> None:
    site = Site(cookie_name="__Secure-flash", cookie_secure=True)
    assert site.cookie("a").startswith("__Secure-flash=")
    for secure in (False, None):
        with pytest.raises(ValueError, match="__Secure-"):
            Site(cookie_name="__Secure-flash", cookie_secure=secure)


# -- expiry and logs -------------------------------------------------------------------


def test_one_expired_message_rewrites_the_cookie_on_a_peek() -> None:
    site = Site(max_age=60)
    old = site.at(NOW).cookie("old")
    both = site.at(NOW + 50).request(flashing("new"), cookie=old, status="302 Found")
    [pair] = site.set_cookies(both)
    cookie = pair.split(";", 1)[0]
    assert site.set_cookies(site.request(peek, cookie=cookie)) == []
    site.at(NOW + 61)
    [rewritten] = site.set_cookies(site.request(peek, cookie=cookie))
    assert site.messages(rewritten.split(";", 1)[0]) == ["new"]


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "flashmw"]


def test_an_expired_cookie_is_logged_at_info_naming_the_cookie(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = Site(max_age=60, cookie_name="my_flash")
    cookie = site.at(NOW).cookie("old")
    caplog.set_level(logging.DEBUG, logger="flashmw")
    site.at(NOW + 61)
    [deletion] = site.set_cookies(site.request(read, cookie=cookie))
    assert deletion.startswith("my_flash=;")
    [record] = _records(caplog)
    assert record.levelno == logging.INFO
    assert "'my_flash'" in record.getMessage()
    assert "expired" in record.getMessage()


def test_expired_messages_are_logged_at_info_with_their_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = Site(max_age=60)
    old = site.at(NOW).cookie("a", "b")
    both = site.at(NOW + 50).request(flashing("new"), cookie=old, status="302 Found")
    cookie = site.set_cookies(both)[0].split(";", 1)[0]
    caplog.set_level(logging.DEBUG, logger="flashmw")
    assert site.at(NOW + 61).messages(cookie) == ["new"]
    [record] = _records(caplog)
    assert record.levelno == logging.INFO
    assert re.search(r"(?<!\d)2(?!\d)", record.getMessage())


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "abc.def", "é", "x" * 5000])
def test_a_bad_cookie_is_logged_at_warning_naming_the_cookie(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="flashmw")
    site = Site(cookie_name="my_flash")
    [deletion] = site.set_cookies(site.request(read, cookie=f"my_flash={value}"))
    assert deletion.startswith("my_flash=;")
    [record] = _records(caplog)
    assert record.levelno == logging.WARNING
    assert "'my_flash'" in record.getMessage()
    assert value not in record.getMessage()


def test_a_cookie_from_the_future_is_logged_at_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = Site()
    cookie = site.at(NOW + 3600).cookie("later")
    caplog.set_level(logging.DEBUG, logger="flashmw")
    assert site.at(NOW).messages(cookie) == []
    [record] = _records(caplog)
    assert record.levelno == logging.WARNING


# -- overflow -------------------------------------------------------------------------


def test_under_raise_the_messages_read_still_count_against_the_budget() -> None:
    site = Site(overflow="raise", max_cookie_size=1000)
    # Two fit in the budget; three do not, even compressed.
    texts = [incompressible(300, seed) for seed in range(2)]
    cookie = site.cookie(*texts)
    outcome: list[object] = []

    def read_then_flash(environ: dict[str, Any]) -> None:
        outcome.append(flashmw.get_flashed_messages(environ))
        try:
            flashmw.flash(environ, incompressible(300, 2))
        except FlashOverflowError as exc:
            outcome.append(exc.dropped)

    [set_cookie] = site.set_cookies(site.request(read_then_flash, cookie=cookie))
    assert outcome == [texts, 1]
    assert set_cookie.startswith("flashmw=;")  # what was read is consumed


def test_under_raise_a_message_that_fits_with_those_read_is_accepted() -> None:
    site = Site(overflow="raise", max_cookie_size=700)
    cookie = site.cookie("one")

    def read_then_flash(environ: dict[str, Any]) -> None:
        flashmw.get_flashed_messages(environ)
        flashmw.flash(environ, "two")

    [set_cookie] = site.set_cookies(site.request(read_then_flash, cookie=cookie))
    assert site.messages(set_cookie.split(";", 1)[0]) == ["two"]


def test_dropping_the_oldest_warns_and_logs_with_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = Site(max_cookie_size=700)
    texts = [incompressible(200, seed) for seed in range(5)]
    caplog.set_level(logging.DEBUG, logger="flashmw")
    with pytest.warns(FlashWarning) as caught:
        cookie = site.cookie(*texts)
    [warning] = caught
    [record] = _records(caplog)
    assert record.levelno == logging.WARNING
    kept = site.messages(cookie)
    assert kept == texts[5 - len(kept) :] and 0 < len(kept) < 5
    dropped = str(5 - len(kept))
    assert re.search(rf"(?<!\d){dropped}(?!\d)", str(warning.message))
    assert re.search(rf"(?<!\d){dropped}(?!\d)", record.getMessage())


# -- the environ helpers ------------------------------------------------------


def test_the_flash_helper_defaults_to_the_message_category() -> None:
    shown: list[object] = []

    def action(environ: dict[str, Any]) -> None:
        flashmw.flash(environ, "a")
        shown.append(flashmw.get_flashed_messages(environ, with_categories=True))

    Site().request(action)
    assert shown == [[("message", "a")]]


def test_the_read_helper_passes_its_filter_and_consume_mode_on() -> None:
    site = Site()

    def two(environ: dict[str, Any]) -> None:
        flashmw.flash(environ, "a")
        flashmw.flash(environ, "b", "error")

    [pair] = site.set_cookies(site.request(two, status="302 Found"))
    shown: list[object] = []

    def action(environ: dict[str, Any]) -> None:
        shown.append(
            flashmw.get_flashed_messages(environ, True, ["error"], consume="returned")
        )

    [rest] = site.set_cookies(site.request(action, cookie=pair.split(";", 1)[0]))
    assert shown == [[("error", "b")]]
    assert site.messages(rest.split(";", 1)[0]) == ["a"]


def test_a_request_header_is_read_from_its_cgi_variable() -> None:
    """``EnvironRequest.header()`` (what the rules read a request through)
    finds a header under the name PEP 3333 gives it. The names are kept for
    the whole process once made, so the header asked is one never asked
    before: its name is made here, not found from an earlier test."""
    name = f"x-{uuid.uuid4().hex}-purpose"
    variable = "HTTP_" + name.upper().replace("-", "_")
    request = EnvironRequest({variable: "yes", "HTTP_X_OTHER": "no"})
    assert request.header(name) == "yes"
    assert request.header(name) == "yes"  # the second time, from what was kept
    assert request.header("x-other") == "no"
