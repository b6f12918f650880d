"""The WSGI and the ASGI driver follow the same rules: one contract, two hosts.

Hypothesis draws a request (method, scheme, the headers the rules look at, a
flash cookie or not, valid or not), what the application does with the
flashes (flash, now, read with a filter, peek, keep, discard) and the
response it makes (status, and header fields the rules merge into). The same
script runs as a WSGI application behind :class:`flashmw.FlashMiddleware`
and as an ASGI one behind :class:`flashmw.asgi.FlashMiddleware`; both must
answer with the same status, the same header fields in the same order, and
the same body (what the reads returned). Both drivers sign with one fixed
clock, so their cookies are equal byte for byte.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashmw import FlashMiddleware, get_flashes
from flashmw.asgi import FlashMiddleware as ASGIFlashMiddleware
from flashmw.codec import FlashCodec
from flashmw.message import Message
from fuzz import harness

KEY = harness.KEY
NOW = harness.NOW

Step = tuple[str, Any]
Script = list[Step]


def codec() -> FlashCodec:
    """The drivers' codec on the fixed clock (the default cookie's scope)."""
    return harness.make_codec()


def token(*texts: str) -> str:
    value = codec().encode([Message("info", t, NOW - 10) for t in texts], 4000).value
    assert value is not None
    return value


cookies = st.one_of(
    st.none(),
    st.just("theme=dark; lang=en"),
    st.lists(st.text("abcxyz ", min_size=1, max_size=8), min_size=1, max_size=4).map(
        lambda texts: f"theme=dark; flashmw={token(*texts)}"
    ),
    st.sampled_from(["flashmw=", "flashmw=garbage", "flashmw=a.b.c; x=1"]),
    st.just(f"flashmw={token('old')}; flashmw={token('other')}"),
)
request_headers = st.lists(
    st.sampled_from(
        [
            ("sec-purpose", "prefetch"),
            ("sec-purpose", "prefetch;prerender"),
            ("purpose", "prefetch"),
            ("sec-fetch-dest", "image"),
            ("sec-fetch-dest", "document"),
            ("sec-fetch-dest", "empty"),
            ("accept", "text/html"),
        ]
    ),
    max_size=2,
    unique_by=lambda pair: pair[0],
)
categories = st.sampled_from(["info", "error", "success"])
steps = st.lists(
    st.one_of(
        st.tuples(st.just("flash"), st.tuples(st.text("abc", max_size=6), categories)),
        st.tuples(st.just("now"), st.tuples(st.text("abc", max_size=6), categories)),
        st.tuples(
            st.just("read"),
            st.tuples(
                st.booleans(),
                st.sampled_from([(), "info", ("error", "success")]),
                st.sampled_from([None, "all", "returned"]),
            ),
        ),
        st.tuples(st.just("peek"), st.booleans()),
        st.tuples(st.just("keep"), st.none()),
        st.tuples(st.just("discard"), st.sampled_from([(), ("info",)])),
    ),
    max_size=5,
)
response_headers = st.lists(
    st.sampled_from(
        [
            ("Content-Type", "text/plain"),
            ("Vary", "Accept-Encoding"),
            ("vary", "*"),
            ("Cache-Control", "public, max-age=60"),
            ("Set-Cookie", "other=1; Path=/"),
            ("X-Odd", "caf\xe9"),
        ]
    ),
    max_size=4,
    unique=True,
)


def run_steps(flashes: Any, script: Script) -> list[object]:
    """Apply *script* to a request's flashes; return what the reads gave."""
    out: list[object] = []
    for action, argument in script:
        if action == "flash":
            flashes.flash(argument[0], argument[1])
        elif action == "now":
            flashes.now(argument[0], argument[1])
        elif action == "read":
            shape, category_filter, consume = argument
            out.append(
                flashes.get_flashed_messages(shape, category_filter, consume=consume)
            )
        elif action == "peek":
            out.append(flashes.peek(argument))
        elif action == "keep":
            flashes.keep()
        else:
            flashes.discard(*argument)
    return out


def wsgi(
    method: str,
    scheme: str,
    cookie: str | None,
    extra: list[tuple[str, str]],
    script: Script,
    status: int,
    headers: list[tuple[str, str]],
) -> tuple[int, list[tuple[str, str]], bytes]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = repr(run_steps(get_flashes(environ), script)).encode()
        start_response(f"{status} Status", list(headers))
        return [body]

    middleware = FlashMiddleware(app, KEY)
    middleware.core.codec = codec()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/",
        "wsgi.url_scheme": scheme,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    for name, value in extra:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen: list[Any] = []

    def start_response(status_line: str, fields: Any, exc_info: Any = None) -> Any:
        seen.append(fields)

    body = b"".join(middleware(environ, start_response))
    # Names compared without case, as HTTP does (ASGI sends lower case).
    return status, [(k.lower(), v) for k, v in seen[0]], body


def asgi(
    method: str,
    scheme: str,
    cookie: str | None,
    extra: list[tuple[str, str]],
    script: Script,
    status: int,
    headers: list[tuple[str, str]],
) -> tuple[int, list[tuple[str, str]], bytes]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = repr(run_steps(get_flashes(scope), script)).encode()
        fields = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": fields})
        await send({"type": "http.response.body", "body": body})

    middleware = ASGIFlashMiddleware(app, KEY)
    middleware.core.codec = codec()
    raw = [(k.encode(), v.encode("latin-1")) for k, v in extra]
    if cookie is not None:
        raw.append((b"cookie", cookie.encode("latin-1")))
    scope = {"type": "http", "method": method, "scheme": scheme, "headers": raw}
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    start, *bodies = sent
    fields = [
        (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start["headers"]
    ]
    return start["status"], fields, b"".join(m["body"] for m in bodies)


@pytest.fixture(autouse=True)
def _quiet_flashmw_log() -> Iterator[None]:
    """Bad cookies log a line each; hundreds are drawn here."""
    logger = logging.getLogger("flashmw")
    disabled, logger.disabled = logger.disabled, True
    yield
    logger.disabled = disabled


@given(
    method=st.sampled_from(["GET", "POST", "HEAD"]),
    scheme=st.sampled_from(["http", "https"]),
    cookie=cookies,
    extra=request_headers,
    script=steps,
    status=st.sampled_from([200, 204, 302, 303, 304, 404, 500]),
    headers=response_headers,
)
def test_the_two_drivers_answer_alike(
    method: str,
    scheme: str,
    cookie: str | None,
    extra: list[tuple[str, str]],
    script: Script,
    status: int,
    headers: list[tuple[str, str]],
) -> None:
    args = (method, scheme, cookie, extra, script, status, headers)
    assert asgi(*args) == wsgi(*args)


def test_the_contract_is_not_vacuous() -> None:
    """A request that shows messages gets a deletion, Vary and private from
    both drivers: the comparison above compares changed headers too."""
    args = ("GET", "https", f"flashmw={token('hi')}", [], [("read", (True, (), None))])
    got = asgi(*args, 200, [("Vary", "Accept-Encoding")])
    assert got == wsgi(*args, 200, [("Vary", "Accept-Encoding")])
    status, fields, body = got
    names = [name for name, _ in fields]
    assert names == ["vary", "set-cookie", "cache-control"]
    assert fields[0] == ("vary", "Accept-Encoding, Cookie")
    assert "Max-Age=0" in fields[1][1] and "Secure" in fields[1][1]
    assert body == b"[[('info', 'hi')]]"
