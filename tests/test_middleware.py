"""The middleware end to end: cookies, headers, status policy and WSGI rules.

Every client-driven test runs through ``wsgiref.validate`` and werkzeug's
``LintMiddleware`` on both sides of flashmw, with warnings as errors.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.util import FileWrapper
from wsgiref.validate import validator

import pytest
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.test import Client, EnvironBuilder, TestResponse
from werkzeug.wrappers import Request, Response

from flashmw import (
    ENVIRON_KEY,
    FlashMiddleware,
    FlashOverflowError,
    FlashWarning,
    HeadersSentError,
    NotInstalledError,
    current_flashes,
    flash,
    get_flashed_messages,
    get_flashes,
)

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"
OLD_KEY = "old-key-9e8d7c6b5a493827161504f3e2d1c0b9"

WSGIApp = Callable[..., Iterable[bytes]]


STACKS = {
    # wsgiref's validator rejects werkzeug's lint input stream (no readlines),
    # so each checker gets its own run, on both sides of flashmw.
    "wsgiref-validate": validator,
    "werkzeug-lint": LintMiddleware,
}
_stack = ["wsgiref-validate"]


@pytest.fixture(autouse=True, params=sorted(STACKS))
def compliance_stack(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run every test once with each checker on each side of flashmw."""
    _stack[0] = request.param
    yield


def compliant(app: WSGIApp, **options: Any) -> WSGIApp:
    """flashmw around *app*, with a WSGI checker on both sides."""
    check = STACKS[_stack[0]]
    options.setdefault("secret_key", KEY)
    return check(FlashMiddleware(check(app), **options))  # type: ignore[no-any-return]


class BufferedClient(Client):
    """werkzeug's client, reading each body whole so the iterable is closed
    at once (wsgiref's validator fails on an iterable collected unclosed)."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def client(app: WSGIApp, **options: Any) -> Client:
    return BufferedClient(compliant(app, **options))


@Request.application
def site(request: Request) -> Response:
    """A small site: /flash?m=..&c=.. flashes, /show reads; ?status= sets the code."""
    environ = request.environ
    for message in request.args.getlist("m"):
        flash(environ, message, request.args.get("c", "message"))
    status = int(request.args.get("status", "200"))
    if request.path == "/show":
        shown = get_flashed_messages(environ, with_categories=True)
        if request.method == "HEAD":
            return Response("", status=status)
        if status in (204, 304):
            # No body and no Content-Type (wsgiref's validator), and for 204
            # an explicit zero length (werkzeug's lint).
            length = [("Content-Length", "0")] if status == 204 else []

            def empty(environ: Any, start_response: Callable[..., Any]) -> list[bytes]:
                start_response(f"{status} No Body", length)
                return []

            return empty  # type: ignore[return-value]
        body = "|".join(f"{c}:{m}" for c, m in shown)
        return Response(body, status=status)
    if request.path == "/peek":
        return Response(repr(get_flashes(environ).peek()), status=status)
    if status in (301, 302, 303, 307):
        return Response(status=status, headers={"Location": "http://localhost/show"})
    return Response("ok", status=status)


def flash_cookies(response: TestResponse, name: str = "flashmw") -> list[str]:
    return [
        v for v in response.headers.getlist("Set-Cookie") if v.startswith(f"{name}=")
    ]


def field_values(response: TestResponse, name: str) -> list[str]:
    return response.headers.getlist(name)


# -- the basic flow --------------------------------------------------------------------


def test_post_redirect_get_shows_the_message_once() -> None:
    c = client(site)
    posted = c.post("/flash?m=Saved.&c=success&status=303")
    assert posted.status_code == 303
    [cookie] = flash_cookies(posted)
    assert "HttpOnly" in cookie and "Path=/" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    shown = c.get("/show")
    assert shown.text == "success:Saved."
    [deleted] = flash_cookies(shown)
    assert deleted.startswith("flashmw=;") and "Max-Age=0" in deleted
    again = c.get("/show")
    assert again.text == ""
    assert flash_cookies(again) == []


def test_several_messages_of_several_categories_keep_their_order() -> None:
    c = client(site)
    c.get("/flash?m=one&c=success")
    c.get("/flash?m=two&c=error")
    c.get("/flash?m=three&c=success")
    assert c.get("/show").text == "success:one|error:two|success:three"


def test_an_html_message_is_text_until_rendered() -> None:
    c = client(site)
    c.get("/flash?m=<script>alert(1)</script>")
    assert c.get("/show").text == "message:<script>alert(1)</script>"


# -- untouched requests ------------------------------------------------------------


class Recorder:
    """A start_response that records its arguments, for direct WSGI calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], Any]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        self.calls.append((status, headers, exc_info))
        return self.written.append


def environ_for(path: str = "/", **kw: Any) -> dict[str, Any]:
    env: dict[str, Any] = EnvironBuilder(path=path, **kw).get_environ()
    return env


def drain(result: Iterable[bytes]) -> bytes:
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def test_an_untouched_request_passes_the_same_header_list_through() -> None:
    headers = [("Content-Type", "text/plain"), ("Set-Cookie", "a=1")]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", headers)
        return [b"x"]

    recorder = Recorder()
    env = environ_for(headers={"Cookie": "xflashmw=1; other=1, flashmwx=2"})
    drain(FlashMiddleware(app, KEY)(env, recorder))
    [(status, passed, exc_info)] = recorder.calls
    assert passed is headers
    assert passed == [("Content-Type", "text/plain"), ("Set-Cookie", "a=1")]
    assert exc_info is None


def test_an_untouched_request_with_a_flash_cookie_is_private_but_unchanged() -> None:
    """A streamed body may still read the cookie's messages after the headers
    are made: the page varies on the cookie and is private already, and the
    cookie itself is left alone."""
    headers = [("Content-Type", "text/plain"), ("Cache-Control", "public")]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", headers)
        return [b"x"]

    recorder = Recorder()
    env = environ_for(headers={"Cookie": "other=1; flashmw=garbage"})
    drain(FlashMiddleware(app, KEY)(env, recorder))
    [(status, passed, exc_info)] = recorder.calls
    assert passed == [
        ("Content-Type", "text/plain"),
        ("Cache-Control", "private"),
        ("Vary", "Cookie"),
    ]
    assert headers == [("Content-Type", "text/plain"), ("Cache-Control", "public")]


def test_an_untouched_request_never_parses_the_cookie(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flashmw.codec import FlashCodec

    def boom(*args: Any) -> None:
        raise AssertionError("decoded")

    monkeypatch.setattr(FlashCodec, "decode", boom)
    response = client(site).get("/", headers={"Cookie": "flashmw=x"})
    assert response.text == "ok"
    assert "Set-Cookie" not in response.headers


def test_a_touched_request_never_mutates_the_apps_header_list() -> None:
    shared = [("Content-Type", "text/plain"), ("Vary", "Accept")]
    snapshot = list(shared)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, "x")
        start_response("200 OK", shared)
        return [b"x"]

    recorder = Recorder()
    for _ in range(3):
        drain(FlashMiddleware(app, KEY)(environ_for(), recorder))
    assert shared == snapshot
    sent = recorder.calls[-1][1]
    assert sent is not shared
    assert [h for h in sent if h[0] == "Vary"] == [("Vary", "Accept, Cookie")]


def test_the_apps_other_cookies_and_headers_stay_in_order() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, "x")
        start_response(
            "200 OK",
            [
                ("Set-Cookie", "a=1"),
                ("X-One", "1"),
                ("Set-Cookie", "b=2"),
                ("Content-Type", "text/plain"),
            ],
        )
        return [b"x"]

    response = client(app).get("/")
    names = [
        (k, v.split("=")[0])
        for k, v in response.headers
        if k in ("Set-Cookie", "X-One")
    ]
    assert names == [
        ("Set-Cookie", "a"),
        ("X-One", "1"),
        ("Set-Cookie", "b"),
        ("Set-Cookie", "flashmw"),
    ]


# -- Vary and Cache-Control ---------------------------------------------------------


def test_a_read_with_no_cookie_varies_but_sets_nothing() -> None:
    response = client(site).get("/show")
    assert field_values(response, "Vary") == ["Cookie"]
    assert "Set-Cookie" not in response.headers
    assert "Cache-Control" not in response.headers


def test_a_response_that_shows_messages_is_private() -> None:
    c = client(site)
    c.get("/flash?m=x")
    shown = c.get("/show")
    assert field_values(shown, "Cache-Control") == ["private"]
    assert field_values(shown, "Vary") == ["Cookie"]


def test_a_response_that_stores_messages_is_private() -> None:
    response = client(site).get("/flash?m=x")
    assert field_values(response, "Cache-Control") == ["private"]


def test_public_cache_control_of_a_page_with_messages_becomes_private() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        get_flashed_messages(environ)
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/plain"),
                ("Cache-Control", "public, max-age=600"),
                ("Vary", "Accept-Encoding"),
            ],
        )
        return [b"x"]

    c = client(app)
    c.set_cookie("flashmw", _token([("m", "x")]))
    response = c.get("/")
    assert field_values(response, "Cache-Control") == ["max-age=600, private"]
    assert field_values(response, "Vary") == ["Accept-Encoding, Cookie"]


def test_cache_control_is_configurable() -> None:
    c = client(site, cache_control="private, no-store")
    assert field_values(c.get("/flash?m=x"), "Cache-Control") == ["private, no-store"]
    c = client(site, cache_control=None)
    assert "Cache-Control" not in c.get("/flash?m=x").headers


def _token(pairs: list[tuple[str, str]], key: str = KEY) -> str:
    """A valid cookie value made by a middleware with *key*."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        for category, message in pairs:
            flash(environ, message, category)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    recorder = Recorder()
    drain(FlashMiddleware(app, key)(environ_for(), recorder))
    [cookie] = [v for k, v in recorder.calls[0][1] if k == "Set-Cookie"]
    return cookie.split(";")[0].split("=", 1)[1]


# -- which responses consume ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "query", "headers"),
    [
        pytest.param("HEAD", "", {}, id="HEAD"),
        pytest.param("GET", "?status=204", {}, id="204"),
        pytest.param("GET", "?status=304", {}, id="304"),
        pytest.param("GET", "?status=302", {}, id="302"),
        pytest.param("POST", "?status=303", {}, id="303"),
        pytest.param("GET", "?status=500", {}, id="500"),
        pytest.param("GET", "?status=503", {}, id="503"),
        pytest.param("GET", "", {"Sec-Purpose": "prefetch;prerender"}, id="prefetch"),
        pytest.param("GET", "", {"Purpose": "prefetch"}, id="purpose prefetch"),
    ],
)
def test_unseen_responses_consume_nothing(
    method: str, query: str, headers: dict[str, str]
) -> None:
    c = client(site)
    c.get("/flash?m=kept")
    response = c.open("/show" + query, method=method, headers=headers)
    assert flash_cookies(response) == []
    assert c.get("/show").text == "message:kept"


@pytest.mark.parametrize("status", [302, 303, 500])
def test_unseen_responses_still_store_new_messages(status: int) -> None:
    c = client(site)
    c.get("/flash?m=old")
    response = c.get(f"/show?m=new&status={status}")
    assert len(flash_cookies(response)) == 1
    assert c.get("/show").text == "message:old|message:new"


def test_a_redirect_chain_keeps_the_message_until_a_page_shows_it() -> None:
    c = client(site)
    c.post("/flash?m=hello&status=303")
    c.get("/show?status=302")
    c.get("/show?status=307")
    assert c.get("/show").text == "message:hello"


@pytest.mark.parametrize("status", [200, 201, 404, 422])
def test_seen_responses_consume(status: int) -> None:
    c = client(site)
    c.get("/flash?m=x")
    assert len(flash_cookies(c.get(f"/show?status={status}"))) == 1
    assert c.get("/show").text == ""


def test_an_app_that_raises_writes_nothing() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        get_flashed_messages(environ)
        flash(environ, "new")
        raise RuntimeError("boom")

    middleware = FlashMiddleware(app, KEY)
    recorder = Recorder()
    env = environ_for(headers={"Cookie": f"flashmw={_token([('m', 'kept')])}"})
    with pytest.raises(RuntimeError, match="boom"):
        middleware(env, recorder)
    assert recorder.calls == []


def test_exc_info_passes_through_and_stores_nothing() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, "lost on purpose")
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("late failure")
        except ValueError:
            import sys

            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain")],
                sys.exc_info(),
            )
        return [b"error"]

    recorder = Recorder()
    drain(FlashMiddleware(app, KEY)(environ_for(), recorder))
    first, second = recorder.calls
    assert any(k == "Set-Cookie" for k, _ in first[1])
    assert (
        second[0].startswith("500")
        and second[2] is not None
        and second[2][0] is ValueError
    )
    # The error page replaces the response, and its headers are the ones
    # sent: no Set-Cookie (nothing is stored), but the page read the cookie
    # and may show messages, so it varies on it and is private.
    assert second[1] == [
        ("Content-Type", "text/plain"),
        ("Vary", "Cookie"),
        ("Cache-Control", "private"),
    ]


def test_an_error_handler_response_writes_nothing() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, "x")
        try:
            raise ValueError("handled")
        except ValueError:
            import sys

            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain")],
                sys.exc_info(),
            )
        with pytest.raises(HeadersSentError):
            flash(environ, "too late")
        return [b"error"]

    recorder = Recorder()
    drain(FlashMiddleware(app, KEY)(environ_for(), recorder))
    [(status, headers, _)] = recorder.calls
    # No cookie is written; the page still varies on the cookie it loaded.
    assert headers == [("Content-Type", "text/plain"), ("Vary", "Cookie")]


# -- WSGI pass-through ---------------------------------------------------------------


def test_write_reaches_the_client() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, "x")
        write = start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", "11")]
        )
        write(b"hello ")
        return [b"world"]

    # Unbuffered: werkzeug's client drops write() output when buffering.
    response = client(app).get("/", buffered=False)
    assert response.data == b"hello world"
    assert len(flash_cookies(response)) == 1
    response.close()


class Body:
    """An iterable that counts close() calls."""

    def __init__(self) -> None:
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b"body"

    def close(self) -> None:
        self.closed += 1


def test_the_apps_iterable_is_returned_and_closed_once() -> None:
    body = Body()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
        get_flashed_messages(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    result = FlashMiddleware(app, KEY)(environ_for(), Recorder())
    assert result is body
    assert drain(result) == b"body"
    assert body.closed == 1
    response = client(app).get("/")
    assert response.data == b"body"
    response.close()
    assert body.closed == 2


def test_the_file_wrapper_is_returned_by_identity(tmp_path: Any) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(b"file body")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        flash(environ, "x")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](path.open("rb"))

    env = environ_for()
    env["wsgi.file_wrapper"] = FileWrapper
    result = FlashMiddleware(app, KEY)(env, Recorder())
    assert type(result) is FileWrapper
    assert drain(result) == b"file body"


def test_double_wrapping_writes_one_cookie() -> None:
    twice = FlashMiddleware(FlashMiddleware(site, KEY), KEY)
    c = Client(twice)
    response = c.get("/flash?m=once")
    assert len(flash_cookies(response)) == 1
    assert c.get("/show").text == "message:once"


def test_the_environ_holds_the_flash_object_and_the_context_variable_is_reset() -> None:
    seen: list[Any] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ[ENVIRON_KEY] is current_flashes())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    drain(FlashMiddleware(app, KEY)(environ_for(), Recorder()))
    assert seen == [True]
    with pytest.raises(NotInstalledError):
        current_flashes()


def test_helpers_without_the_middleware_raise_a_lookup_error() -> None:
    with pytest.raises(NotInstalledError, match="FlashMiddleware") as info:
        flash({}, "x")
    assert isinstance(info.value, LookupError)
    with pytest.raises(LookupError):
        get_flashed_messages({})
    with pytest.raises(NotInstalledError, match="not Flashes"):
        get_flashes({ENVIRON_KEY: "something else"})


def test_one_instance_under_many_threads_keeps_users_apart() -> None:
    middleware = FlashMiddleware(site, KEY)
    barrier = threading.Barrier(8)

    def user(n: int) -> list[str]:
        c = Client(middleware)
        barrier.wait(timeout=10)
        seen = []
        for round_ in range(15):
            c.post(f"/flash?m=user{n}-{round_}&status=303")
            seen.append(c.get("/show").text)
        return seen

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(user, range(8)))
    for n, seen in enumerate(results):
        assert seen == [f"message:user{n}-{r}" for r in range(15)]


# -- streamed bodies ---------------------------------------------------------------


def test_flash_inside_a_streamed_body_raises() -> None:
    def app(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"start"
        flash(environ, "too late")

    with pytest.raises(HeadersSentError, match="after start_response was called"):
        client(app).get("/")


def test_a_read_inside_a_streamed_body_warns_and_shows_again() -> None:
    def app(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield "|".join(get_flashed_messages(environ)).encode()  # type: ignore[arg-type]

    c = client(app)
    c.set_cookie("flashmw", _token([("m", "again")]))
    for _ in range(2):
        with pytest.warns(FlashWarning, match="show again"):
            assert c.get("/").text == "again"


# -- cookie attributes ----------------------------------------------------------------


def test_https_requests_get_secure_cookies_and_matching_deletions() -> None:
    c = client(
        site, cookie_domain="example.org", cookie_path="/app", cookie_samesite="Strict"
    )
    base = "https://example.org/app"
    [cookie] = flash_cookies(c.get("/flash?m=x", base_url=base))
    assert "Secure" in cookie.split("; ")
    [deleted] = flash_cookies(c.get("/show", base_url=base))
    attributes = {a.strip() for a in cookie.split(";")[1:]} - {"Max-Age=3600"}
    assert attributes == {
        "Domain=example.org",
        "Secure",
        "HttpOnly",
        "Path=/app",
        "SameSite=Strict",
    }
    assert attributes <= {a.strip() for a in deleted.split(";")[1:]}


@pytest.mark.parametrize(("secure", "expected"), [(True, True), (False, False)])
def test_cookie_secure_overrides_the_scheme(secure: bool, expected: bool) -> None:
    [cookie] = flash_cookies(
        client(site, cookie_secure=secure).get("http://localhost/flash?m=x")
    )
    assert ("Secure" in cookie.split("; ")) is expected


def test_no_max_age_gives_a_session_cookie() -> None:
    [cookie] = flash_cookies(client(site, max_age=None).get("/flash?m=x"))
    assert "Max-Age" not in cookie and "Expires" not in cookie


def test_samesite_none_and_no_httponly() -> None:
    c = client(site, cookie_samesite="none", cookie_secure=True, cookie_httponly=False)
    [cookie] = flash_cookies(c.get("/flash?m=x"))
    assert "SameSite=None" in cookie and "HttpOnly" not in cookie


def test_a_custom_cookie_name() -> None:
    c = client(site, cookie_name="__Host-flash", cookie_secure=True)
    response = c.get("/flash?m=x", base_url="https://localhost/")
    assert len(flash_cookies(response, "__Host-flash")) == 1
    assert c.get("/show", base_url="https://localhost/").text == "message:x"


# -- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param(_token([("m", "x")], OLD_KEY), id="wrong key"),
        pytest.param("A" * 8000, id="8 KB"),
        pytest.param("\xe9\xff", id="non-ASCII"),
        pytest.param('"quoted.bad"', id="quoted"),
    ],
)
def test_a_bad_cookie_is_deleted_logged_and_the_page_is_served(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    c = BufferedClient(compliant(site), use_cookies=False)
    with caplog.at_level(logging.INFO, logger="flashmw"):
        response = c.get("/show", headers={"Cookie": f"flashmw={value}"})
    assert response.status_code == 200 and response.text == ""
    [deleted] = flash_cookies(response)
    assert deleted.startswith("flashmw=;") and "Max-Age=0" in deleted
    [record] = caplog.records
    assert "ignored" in record.getMessage()
    assert value not in record.getMessage() and KEY not in record.getMessage()


def test_an_empty_cookie_is_deleted_quietly(caplog: pytest.LogCaptureFixture) -> None:
    c = BufferedClient(compliant(site), use_cookies=False)
    response = c.get("/show", headers={"Cookie": "flashmw="})
    assert len(flash_cookies(response)) == 1
    assert caplog.records == []


def test_a_bad_cookie_replaced_by_new_messages() -> None:
    c = client(site)
    c.set_cookie("flashmw", "garbage")
    response = c.get("/flash?m=fresh")
    [cookie] = flash_cookies(response)
    assert not cookie.startswith("flashmw=;")
    assert c.get("/show").text == "message:fresh"


def test_key_rotation_reads_old_cookies_and_writes_new_ones() -> None:
    old = Client(FlashMiddleware(site, OLD_KEY))
    old.get("/flash?m=from-old")
    value = old.get_cookie("flashmw")
    assert value is not None
    rotated = Client(FlashMiddleware(site, KEY, fallback_keys=[OLD_KEY]))
    rotated.set_cookie("flashmw", value.value)
    rotated.get("/flash?m=from-new")
    new_value = rotated.get_cookie("flashmw")
    assert new_value is not None
    only_new = Client(FlashMiddleware(site, KEY))
    only_new.set_cookie("flashmw", new_value.value)
    assert only_new.get("/show").text == "message:from-old|message:from-new"


def test_expired_messages_are_dropped_and_the_cookie_rewritten(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = [1_700_000_000.0]
    middleware = FlashMiddleware(site, KEY, max_age=60)
    middleware.core.codec.clock = lambda: clock[0]
    c = Client(middleware)
    c.get("/flash?m=old")
    clock[0] += 50
    c.get("/flash?m=new")
    clock[0] += 20
    with caplog.at_level(logging.INFO, logger="flashmw"):
        assert c.get("/show").text == "message:new"
    assert "older than max_age" in caplog.text
    clock[0] += 3600
    c.get("/flash?m=x")
    clock[0] += 3600
    with caplog.at_level(logging.INFO, logger="flashmw"):
        assert c.get("/show").text == ""
    assert "(expired)" in caplog.text


# -- size ------------------------------------------------------------------------------


def random_text(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()[:size]


def test_overflow_drops_the_oldest_with_a_warning_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "GET":
            body = "\n".join(get_flashed_messages(environ))  # type: ignore[arg-type]
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [body.encode()]
        for index in range(40):
            flash(environ, f"{index}:{random_text(200)}")
        start_response(
            "303 See Other",
            [("Location", "http://localhost/"), ("Content-Type", "text/plain")],
        )
        return [b""]

    c = client(app, max_cookie_size=3000)
    with (
        caplog.at_level(logging.WARNING, logger="flashmw"),
        pytest.warns(FlashWarning, match="did not fit") as warned,
    ):
        response = c.post("/")
    [cookie] = flash_cookies(response)
    assert len(cookie.encode()) <= 3000
    text = str(warned[0].message)
    dropped = int(text.split("dropped ", 1)[1].split(" of ")[0])
    assert dropped > 0
    assert f"{dropped} of 40" in caplog.text
    # Every message fits alone: they were all the oldest.
    assert f"{dropped} oldest" in text and "too large" not in text
    assert "flashmw: " not in caplog.text
    kept = c.get("/").text.split("\n")
    assert len(kept) == 40 - dropped
    assert [int(m.split(":")[0]) for m in kept] == list(range(dropped, 40))


def test_raise_policy_refuses_the_message_in_flash() -> None:
    errors: list[FlashOverflowError] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            for index in range(100):
                flash(environ, f"{index}:{random_text(200)}")
        except FlashOverflowError as exc:
            errors.append(exc)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    response = client(app, overflow="raise").get("/")
    [error] = errors
    assert error.dropped >= 1
    [cookie] = flash_cookies(response)
    assert len(cookie.encode()) <= 4093


def test_a_message_larger_than_the_budget_is_dropped_with_a_warning() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, random_text(6000))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    with pytest.warns(FlashWarning, match="1 of 1"):
        response = client(app).get("/")
    # Nothing fits: the cookie is deleted rather than emitted over budget.
    [cookie] = flash_cookies(response)
    assert cookie.startswith("flashmw=;")


@pytest.mark.parametrize("budget", [400, 1000, 2048, 4093])
def test_the_set_cookie_never_exceeds_the_budget(budget: int) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        for size in (50, 100, 300, 700, 1500, 3000):
            flash(environ, random_text(size), random_text(20))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    with pytest.warns(FlashWarning):
        response = client(
            app,
            max_cookie_size=budget,
            cookie_domain="sub.example.org",
            cookie_secure=True,
        ).get("/")
    for value in flash_cookies(response):
        assert len(value.encode("latin-1")) <= budget


# -- configuration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        pytest.param({"secret_key": ""}, ValueError, "empty", id="empty key"),
        pytest.param({"secret_key": "dev"}, ValueError, "at least 16", id="short key"),
        pytest.param(
            {"secret_key": "you-will-never-guess"},
            ValueError,
            "well-known",
            id="tutorial key",
        ),
        pytest.param(
            {"secret_key": "django-insecure-abc123xyz987qwe"},
            ValueError,
            "well-known",
            id="django template key",
        ),
        pytest.param(
            {"secret_key": "a" * 32}, ValueError, "distinct", id="repeated key"
        ),
        pytest.param(
            {"secret_key": 12345678901234567890},
            TypeError,
            "str or bytes",
            id="int key",
        ),
        pytest.param(
            {"fallback_keys": OLD_KEY},
            TypeError,
            "bare|list or tuple",
            id="bare string fallback",
        ),
        pytest.param(
            {"fallback_keys": OLD_KEY.encode()},
            TypeError,
            "list or tuple",
            id="bare bytes fallback",
        ),
        pytest.param(
            {"fallback_keys": ["changeme"]},
            ValueError,
            "fallback_keys\\[0\\]",
            id="weak fallback",
        ),
        pytest.param({"max_age": 0}, ValueError, "max_age", id="max_age 0"),
        pytest.param({"max_age": 1.5}, ValueError, "max_age", id="max_age float"),
        pytest.param({"max_age": True}, ValueError, "max_age", id="max_age bool"),
        pytest.param(
            {"cookie_name": "bad name"}, ValueError, "token", id="name with space"
        ),
        pytest.param(
            {"cookie_name": "a\r\nSet-Cookie: x=1"},
            ValueError,
            "token",
            id="name with CRLF",
        ),
        pytest.param(
            {"cookie_path": "app"}, ValueError, "cookie_path", id="relative path"
        ),
        pytest.param(
            {"cookie_path": "/a;b"}, ValueError, "cookie_path", id="path with semicolon"
        ),
        pytest.param(
            {"cookie_path": "/a\r\nX: y"},
            ValueError,
            "cookie_path",
            id="path with CRLF",
        ),
        pytest.param(
            {"cookie_domain": "a.org; Secure"},
            ValueError,
            "cookie_domain",
            id="domain injection",
        ),
        pytest.param(
            {"cookie_secure": "yes"}, ValueError, "cookie_secure", id="secure not bool"
        ),
        pytest.param(
            {"cookie_samesite": "loose"},
            ValueError,
            "cookie_samesite",
            id="bad samesite",
        ),
        pytest.param(
            {"cookie_httponly": 1},
            ValueError,
            "cookie_httponly",
            id="httponly not bool",
        ),
        pytest.param(
            {"cookie_secure": 1}, ValueError, "cookie_secure", id="secure as int"
        ),
        pytest.param(
            {"cookie_samesite": "None"},
            ValueError,
            "needs cookie_secure=True",
            id="samesite none insecure",
        ),
        pytest.param(
            {"cookie_name": "__Host-f"},
            ValueError,
            "__Host-",
            id="host prefix insecure",
        ),
        pytest.param(
            {"cookie_name": "__Host-f", "cookie_secure": True, "cookie_path": "/a"},
            ValueError,
            "__Host-",
            id="host prefix path",
        ),
        pytest.param(
            {
                "cookie_name": "__Host-f",
                "cookie_secure": True,
                "cookie_domain": "a.org",
            },
            ValueError,
            "__Host-",
            id="host prefix domain",
        ),
        pytest.param(
            {
                "cookie_name": "__host-f",
                "cookie_domain": "a.org",
                "cookie_secure": True,
            },
            ValueError,
            "__Host-",
            id="host prefix in lower case",
        ),
        pytest.param(
            {"cookie_name": "__Secure-f"},
            ValueError,
            "__Secure-",
            id="secure prefix insecure",
        ),
        pytest.param(
            {"max_cookie_size": 5000},
            ValueError,
            "max_cookie_size",
            id="over the ceiling",
        ),
        pytest.param({"max_cookie_size": 100}, ValueError, "leaves", id="too small"),
        pytest.param(
            {"overflow": "truncate"}, ValueError, "overflow", id="bad overflow"
        ),
        pytest.param({"consume": "some"}, ValueError, "consume", id="bad consume"),
        pytest.param(
            {"cache_control": "private\r\nX-Evil: 1"},
            ValueError,
            "cache_control",
            id="cache control CRLF",
        ),
        pytest.param(
            {"cache_control": ""}, ValueError, "cache_control", id="empty cache control"
        ),
    ],
)
def test_bad_configuration_fails_in_the_constructor(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    options.setdefault("secret_key", KEY)
    with pytest.raises(error, match=match):
        FlashMiddleware(site, **options)


def test_bytes_keys_and_tuple_fallbacks_are_accepted() -> None:
    rotated = FlashMiddleware(
        site, secrets.token_bytes(32), fallback_keys=(OLD_KEY, OLD_KEY.encode())
    )
    assert Client(rotated).get("/flash?m=x").status_code == 200
