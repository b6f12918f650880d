"""The ASGI driver, driven by hand-made scopes, ``receive`` and ``send``.

No framework here: these tests see every message the application and the
driver exchange with the server, so they check the protocol itself (what
changes in ``http.response.start``, what passes by identity, which scopes
are left alone) and the guarantees the WSGI driver gives, under ASGI.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from asgi_client import (
    Browser,
    Message,
    Scope,
    acall,
    body_of,
    call,
    header_list,
    http_scope,
    set_cookies,
    start_of,
)
from test_security import BAD_INPUTS, KEY, OLD_KEY

from flashmw import (
    ENVIRON_KEY,
    FlashWarning,
    HeadersSentError,
    current_flashes,
    flash,
    get_flashed_messages,
    get_flashes,
)
from flashmw.api import _current
from flashmw.asgi import FlashMiddleware
from flashmw.middleware import FlashMiddleware as WSGIFlashMiddleware

Receive = Callable[[], Any]
Send = Callable[[Message], Any]


def start(status: int, *headers: tuple[bytes, bytes], **extra: Any) -> Message:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": list(headers),
        **extra,
    }


def body(data: bytes = b"", more: bool = False) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


async def page(scope: Scope, receive: Receive, send: Send) -> None:
    """``/flash?m`` flashes and redirects (``?s=`` another status); ``/show``
    reads (``?s=`` sets the code); anything else does not touch flashes."""
    query = dict(
        pair.split("=", 1) for pair in scope["query_string"].decode().split("&") if pair
    )
    status = int(query.get("s", "0"))
    if scope["path"] == "/flash":
        flash(scope, query.get("m", "hello"), query.get("c", "info"))
        await send(start(status or 303, (b"location", b"/show")))
        await send(body())
    elif scope["path"] == "/show":
        shown = get_flashed_messages(scope)
        await send(start(status or 200, (b"content-type", b"text/plain")))
        await send(body(("|".join(shown) or "none").encode()))
    else:
        await send(start(200, (b"content-type", b"text/plain")))
        await send(body(b"plain"))


def wrap(app: Any = page, **options: Any) -> FlashMiddleware:
    options.setdefault("secret_key", KEY)
    return FlashMiddleware(app, **options)


def show(browser: Browser, *headers: tuple[bytes, bytes], method: str = "GET") -> str:
    return body_of(browser.request("/show", headers=headers, method=method)).decode()


# -- the flow --------------------------------------------------------------------------


def test_post_redirect_get_shows_the_message_once() -> None:
    browser = Browser(wrap())
    posted = browser.request("/flash", method="POST", query=b"m=Saved.")
    assert start_of(posted)["status"] == 303
    [cookie] = set_cookies(posted)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    assert show(browser) == "Saved."
    assert "flashmw" not in browser.cookies
    assert show(browser) == "none"


@pytest.mark.parametrize("status", [204, 301, 302, 303, 304, 500, 503])
def test_unseen_responses_consume_nothing(status: int) -> None:
    browser = Browser(wrap())
    browser.request("/flash")
    unseen = browser.request("/show", query=f"s={status}".encode())
    assert set_cookies(unseen) == []
    assert show(browser) == "hello"


def test_head_prefetch_and_subresources_consume_nothing() -> None:
    browser = Browser(wrap())
    browser.request("/flash")
    assert show(browser, method="HEAD") == "hello"  # the body is the app's own
    show(browser, (b"sec-purpose", b"prefetch"))
    show(browser, (b"sec-fetch-dest", b"image"))
    assert "flashmw" in browser.cookies
    assert show(browser, (b"sec-fetch-dest", b"document")) == "hello"
    assert "flashmw" not in browser.cookies


def test_an_unseen_response_still_stores_new_messages() -> None:
    browser = Browser(wrap())
    browser.request("/flash", query=b"m=one&s=500")
    assert show(browser) == "one"


# -- the protocol ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_other_scopes_pass_through_untouched(kind: str) -> None:
    seen: list[tuple[Any, Any, Any]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, receive, send))

    scope = {"type": kind, "asgi": {"version": "3.0"}}
    before = dict(scope)

    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    asyncio.run(wrap(app)(scope, receive, send))
    [(inner_scope, inner_receive, inner_send)] = seen
    assert inner_scope is scope and scope == before
    assert inner_receive is receive and inner_send is send


def test_a_websocket_gets_no_flashes_and_no_context() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert ENVIRON_KEY not in scope
        assert _current.get() is None
        await send({"type": "websocket.accept", "headers": [(b"x", b"1")]})

    sent = call(wrap(app), {"type": "websocket", "path": "/", "headers": []})
    assert sent == [{"type": "websocket.accept", "headers": [(b"x", b"1")]}]


def test_the_servers_scope_is_copied_not_changed() -> None:
    inner: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        inner.append(scope)
        assert get_flashes(scope) is current_flashes()
        await page(scope, receive, send)

    scope = http_scope("/show")
    before = dict(scope)
    call(wrap(app), scope)
    assert scope == before and ENVIRON_KEY not in scope
    assert inner[0] is not scope and inner[0]["headers"] is scope["headers"]
    assert _current.get() is None


def test_an_untouched_response_passes_every_message_by_identity() -> None:
    messages = [
        start(200, (b"content-type", b"text/plain"), trailers=True),
        body(b"a", more=True),
        {"type": "http.response.zerocopysend", "file": 3, "more_body": True},
        {"type": "http.response.pathsend", "path": "/etc/hostname"},
        {"type": "http.response.trailers", "headers": [(b"x-t", b"1")]},
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    sent = call(wrap(app), http_scope())
    assert len(sent) == len(messages)
    assert all(a is b for a, b in zip(sent, messages, strict=True))


def test_a_changed_start_keeps_the_apps_fields_byte_for_byte_and_in_order() -> None:
    # Odd but legal bytes (obs-text) and case, repeated fields, and an
    # existing Vary that the rules extend in place.
    app_headers = [
        (b"Content-Type", b"text/html; charset=utf-8"),
        (b"set-cookie", b"theme=dark; Path=/"),
        (b"x-odd", b"caf\xe9 \xff"),
        (b"vary", b"Accept-Encoding"),
        (b"set-cookie", b"lang=en; Path=/"),
    ]
    later = [body(b"<p>", more=True), body(b"</p>")]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        flash(scope, "hi")
        await send(start(200, *app_headers, trailers=True))
        for message in later:
            await send(message)
        await send({"type": "http.response.trailers", "headers": []})

    sent = call(wrap(app), http_scope())
    first = sent[0]
    assert first["trailers"] is True and first["status"] == 200
    got = first["headers"]
    for index in (0, 1, 2, 4):
        assert got[index] is app_headers[index]
    assert got[3] == (b"vary", b"Accept-Encoding, Cookie")
    # Added fields are named in lower case, as ASGI requires.
    assert [k for k, _ in got[5:]] == [b"set-cookie", b"cache-control"]
    assert got[5][1].startswith(b"flashmw=")
    assert all(isinstance(k, bytes) and isinstance(v, bytes) for k, v in got)
    # The application's own message and list are never changed.
    assert len(app_headers) == 5 and app_headers[3] == (b"vary", b"Accept-Encoding")
    assert sent[1] is later[0] and sent[2] is later[1]
    assert sent[3]["type"] == "http.response.trailers"


def test_a_response_without_headers_gets_the_cookie() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        flash(scope, "hi")
        await send({"type": "http.response.start", "status": 303})
        await send({"type": "http.response.body"})

    sent = call(wrap(app), http_scope())
    assert len(set_cookies(sent)) == 1
    assert ("Vary", "Cookie") in header_list(sent)


def test_https_and_wss_schemes_give_secure_cookies() -> None:
    browser = Browser(wrap(), scheme="https")
    [cookie] = set_cookies(browser.request("/flash"))
    assert "; Secure" in cookie
    browser.request("/show")
    [deleted] = set_cookies(browser.request("/show", query=b"s=200")) or [""]
    assert deleted == ""  # already deleted by the read before
    browser.request("/flash")
    [deleted] = set_cookies(browser.request("/show"))
    assert "Max-Age=0" in deleted and "; Secure" in deleted


@pytest.mark.parametrize("secure", [True, False])
def test_cookie_secure_overrides_the_scheme(secure: bool) -> None:
    browser = Browser(wrap(cookie_secure=secure), scheme="http")
    [cookie] = set_cookies(browser.request("/flash"))
    assert ("; Secure" in cookie) is secure


def test_several_cookie_fields_are_joined_as_http2_allows() -> None:
    # An HTTP/2 client may send each cookie in its own field (RFC 9113 8.2.3).
    browser = Browser(wrap())
    browser.request("/flash", query=b"m=split")
    value = browser.cookies.pop("flashmw")
    sent = call(
        wrap(),
        http_scope(
            "/show",
            headers=[
                (b"cookie", b"theme=dark"),
                (b"cookie", f"flashmw={value}".encode()),
            ],
        ),
    )
    assert body_of(sent) == b"split"


def test_double_wrapping_writes_one_cookie() -> None:
    inner = wrap()
    sent = call(wrap(inner), http_scope("/flash"))
    assert len(set_cookies(sent)) == 1


def test_the_context_variable_is_per_task_and_reset() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        mine = current_flashes()
        await asyncio.sleep(0)  # let the other requests run in between
        assert current_flashes() is mine is get_flashes(scope)
        flash(scope, scope["path"])
        await asyncio.sleep(0)
        shown = get_flashed_messages(scope)
        await send(start(200))
        await send(body("|".join(shown).encode()))

    middleware = wrap(app)

    async def many() -> list[bytes]:
        results = await asyncio.gather(
            *(acall(middleware, http_scope(f"/{n}")) for n in range(50))
        )
        assert _current.get() is None
        return [body_of(sent) for sent in results]

    assert asyncio.run(many()) == [f"/{n}".encode() for n in range(50)]


# -- errors and the response already started ------------------------------------------


def test_an_app_that_raises_before_starting_stores_nothing() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        flash(scope, "lost")
        get_flashed_messages(scope)
        raise RuntimeError("boom")

    browser = Browser(wrap())
    browser.request("/flash", query=b"m=kept")
    scope = http_scope(
        "/show", headers=[(b"cookie", f"flashmw={browser.cookies['flashmw']}".encode())]
    )
    with pytest.raises(RuntimeError, match="boom"):
        call(wrap(app), scope)
    assert _current.get() is None
    # The server answers 500 itself; the cookie is what it was.
    assert show(browser) == "kept"


def test_an_app_that_raises_after_starting_keeps_what_it_sent() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        get_flashed_messages(scope)
        await send(start(200))
        await send(body(b"half", more=True))
        raise RuntimeError("boom")

    browser = Browser(wrap())
    browser.request("/flash")
    sent: list[Message] = []
    scope = http_scope(
        "/", headers=[(b"cookie", f"flashmw={browser.cookies['flashmw']}".encode())]
    )

    async def run() -> None:
        async def receive() -> Message:
            return {"type": "http.request"}

        async def send(message: Message) -> None:
            sent.append(message)

        await wrap(app)(scope, receive, send)

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(run())
    # The deletion had already left with the headers: the page was shown.
    [deleted] = set_cookies(sent)
    assert "Max-Age=0" in deleted


def test_flash_after_the_response_started_raises() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start(200))
        await send(body(b"start", more=True))
        flash(scope, "too late")

    with pytest.raises(HeadersSentError, match="after http.response.start was sent"):
        call(wrap(app), http_scope())


def test_a_read_inside_a_streamed_body_warns_and_shows_again() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start(200))
        await send(body("|".join(get_flashed_messages(scope)).encode()))

    browser = Browser(wrap())
    browser.request("/flash", query=b"m=again")
    streamed = Browser(wrap(app), cookies=browser.cookies)
    for _ in range(2):
        with pytest.warns(FlashWarning, match="show again"):
            assert body_of(streamed.request("/")) == b"again"


def test_a_client_that_disconnects_mid_body() -> None:
    """The server's send raises once the client is gone (ASGI 2.4); the
    error reaches the application unchanged and the cookie went out with
    the headers, which the client had by then."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        shown = get_flashed_messages(scope)
        await send(start(200))
        await send(body(shown[0].encode(), more=True))
        await send(body(b"rest"))

    browser = Browser(wrap())
    browser.request("/flash")
    cookie = (b"cookie", f"flashmw={browser.cookies['flashmw']}".encode())

    def gone(message: Message) -> BaseException | None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            return OSError("client disconnected")
        return None

    with pytest.raises(OSError, match="client disconnected"):
        call(wrap(app), http_scope(headers=[cookie]), send_error=gone)
    assert _current.get() is None


def test_a_client_that_leaves_before_the_response_stores_nothing() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        flash(scope, "never sent")
        message = await receive()
        assert message["type"] == "http.disconnect"

    async def run() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await wrap(app)(http_scope(), receive, send)
        return sent

    assert asyncio.run(run()) == []


def test_a_replacing_start_after_an_error_sets_no_cookie() -> None:
    """A framework's error handler may send a 500 after the view started
    a response it never sent: only the first decides."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        get_flashed_messages(scope)
        await send(start(500))
        await send(body(b"error"))

    browser = Browser(wrap())
    browser.request("/flash")
    streamed = Browser(wrap(app), cookies=browser.cookies)
    sent = streamed.request("/")
    assert set_cookies(sent) == []
    assert ("Vary", "Cookie") in header_list(sent)
    assert show(browser) == "hello"


# -- options and bad input -------------------------------------------------------------


def test_cookie_attributes_follow_the_options() -> None:
    browser = Browser(
        wrap(
            cookie_name="__Host-msgs",
            cookie_secure=True,
            cookie_samesite="Strict",
            max_age=None,
        )
    )
    [cookie] = set_cookies(browser.request("/flash"), "__Host-msgs")
    assert "SameSite=Strict" in cookie and "; Secure" in cookie
    assert "Max-Age" not in cookie
    assert show(browser) == "hello"


def test_custom_path_and_domain() -> None:
    browser = Browser(wrap(cookie_path="/app", cookie_domain="example.com"))
    [cookie] = set_cookies(browser.request("/flash"))
    assert "Path=/app" in cookie and "Domain=example.com" in cookie


def test_overflow_drops_the_oldest_with_a_warning() -> None:
    browser = Browser(wrap(max_cookie_size=600))
    with pytest.warns(FlashWarning, match="did not fit"):
        for n in range(20):
            text = f"{secrets.token_urlsafe(45)}-{n}"
            browser.request("/flash", query=f"m={text}".encode())
    shown = show(browser).split("|")
    assert 1 <= len(shown) < 20 and shown[-1].endswith("-19")


def test_the_raise_policy_raises_in_flash() -> None:
    from flashmw import FlashOverflowError

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        with pytest.raises(FlashOverflowError):
            for n in range(100):
                flash(scope, f"{secrets.token_hex(25)}{n}")
        await send(start(303))
        await send(body())

    sent = call(wrap(app, overflow="raise", max_cookie_size=600), http_scope())
    [cookie] = set_cookies(sent)
    assert len(cookie.encode("latin-1")) <= 600


def test_key_rotation_reads_old_cookies_and_writes_new_ones() -> None:
    old = Browser(wrap(secret_key=OLD_KEY))
    old.request("/flash", query=b"m=rotated")
    new = Browser(wrap(fallback_keys=[OLD_KEY]), cookies=old.cookies)
    new.request("/flash", query=b"m=second")
    # The rewritten cookie is signed with the new key only.
    assert show(Browser(wrap(), cookies=dict(new.cookies))) == "rotated|second"
    assert show(Browser(wrap(secret_key=OLD_KEY), cookies=new.cookies)) == "none"


@pytest.mark.parametrize("make", [pytest.param(m, id=name) for name, m in BAD_INPUTS])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_bad_input_gives_no_messages_deletes_the_cookie_and_logs_one_line(
    make: Callable[[], str], scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    """SPEC §6, the cases of tests/test_security.py, through this driver."""
    value = make()
    header = f"theme=dark; flashmw={value}; other=1".encode()
    with caplog.at_level(logging.INFO, logger="flashmw"):
        sent = call(
            wrap(), http_scope("/show", scheme=scheme, headers=[(b"cookie", header)])
        )
    assert start_of(sent)["status"] == 200
    assert body_of(sent) == b"none"
    [deleted] = set_cookies(sent)
    assert deleted.startswith("flashmw=;") and "Max-Age=0" in deleted
    assert "Path=/" in deleted and "SameSite=Lax" in deleted and "HttpOnly" in deleted
    assert ("Secure" in deleted) == (scheme == "https")
    assert "Cookie" in dict(header_list(sent))["Vary"]
    [record] = caplog.records
    line = record.getMessage()
    assert "ignored" in line
    assert KEY not in line and value not in line and value[:20] not in line


# -- the same cookie as the WSGI driver ------------------------------------------------


def test_a_wsgi_and_an_asgi_app_read_each_others_messages() -> None:
    from werkzeug.test import Client
    from werkzeug.wrappers import Request, Response

    @Request.application
    def wsgi_page(request: Request) -> Response:
        if request.path == "/flash":
            flash(request.environ, request.args["m"], "info")
            return Response(status=303, headers={"Location": "/show"})
        return Response("|".join(get_flashed_messages(request.environ)) or "none")

    wsgi = Client(WSGIFlashMiddleware(wsgi_page, KEY))
    asgi = Browser(wrap())

    def wsgi_cookie() -> str | None:
        cookie = wsgi.get_cookie("flashmw")
        return None if cookie is None else cookie.value

    # WSGI flashes, ASGI shows and deletes.
    wsgi.get("/flash?m=from-wsgi")
    asgi.cookies["flashmw"] = wsgi_cookie() or ""
    assert show(asgi) == "from-wsgi"
    assert "flashmw" not in asgi.cookies
    # ASGI flashes, WSGI shows and deletes.
    asgi.request("/flash", query=b"m=from-asgi")
    wsgi.set_cookie("flashmw", asgi.cookies["flashmw"])
    assert wsgi.get("/show").text == "from-asgi"
    assert wsgi_cookie() is None


# -- the fuzz target -------------------------------------------------------------------


def test_the_asgi_fuzz_target_agrees_with_the_wsgi_driver() -> None:
    """2 000 seeded inputs of fuzz/harness.py's ``asgi`` target: mutated
    cookies give the same status, headers and body under both drivers."""
    import random

    from fuzz import harness

    rng = random.Random(11)
    logger = logging.getLogger("flashmw")
    disabled, logger.disabled = logger.disabled, True
    try:
        for _ in range(2000):
            size = min(int(rng.expovariate(1 / 96)), 2048)
            harness.target_asgi(harness.Provider(rng.randbytes(size)))
    finally:
        logger.disabled = disabled


# -- the request as the rules see it ---------------------------------------------------


def test_the_scope_request_reads_what_the_rules_ask() -> None:
    from flashmw.asgi import ScopeRequest

    request = ScopeRequest(
        http_scope(
            method="HEAD",
            scheme="https",
            headers=[
                (b"sec-fetch-dest", b"document"),
                (b"sec-fetch-dest", b"image"),
                (b"purpose", b"caf\xe9"),
            ],
        )
    )
    assert (request.method, request.https) == ("HEAD", True)
    assert request.header("sec-fetch-dest") == "document, image"
    assert request.header("purpose") == "caf\xe9"
    assert request.header("sec-purpose") is None
    bare = ScopeRequest({"type": "http", "scheme": "wss", "method": None})
    assert (bare.method, bare.https, bare.header("x")) == ("GET", True, None)
    assert not ScopeRequest({"type": "http"}).https
