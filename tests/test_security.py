"""Security: every bad input of SPEC §6, header safety, cache safety, keys.

Each SPEC §6 input goes through the whole middleware: the page is served
normally, shows no messages, deletes the cookie with the same attributes it
is set with, and logs one line that holds neither the value nor the key.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import json
import logging
import pickle
import re
import secrets
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from werkzeug.test import Client as WerkzeugClient
from werkzeug.test import TestResponse

import flashmw
from flashmw import FlashMiddleware, _keys, flash, get_flashed_messages
from flashmw.codec import DEFAULT_SALT, MAX_MESSAGES, FlashCodec
from flashmw.message import Message

KEY = "sec-key-7c1e4a9d2b6f8035e7a1c4d9b2f6e8a0c3d5f7b9"
OLD_KEY = "sec-old-2f9d6b3a8e1c5f7094b2d6a8c1e3f5a7b9d0c2e4"
PACKAGE = Path(flashmw.__file__).resolve().parent
PRINTABLE = re.compile(r"[\x20-\x7e]*")

WSGIApp = Callable[..., Iterable[bytes]]


def page(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """``/flash?m=`` flashes, anything else shows the messages (or 'none')."""
    if environ["PATH_INFO"] == "/flash":
        flash(environ, environ["QUERY_STRING"].removeprefix("m="), "info")
        start_response(
            "303 See Other",
            [
                ("Location", "/"),
                ("Content-Type", "text/plain"),
                ("Content-Length", "0"),
            ],
        )
        return []
    shown = get_flashed_messages(environ)
    body = ("|".join(shown) or "none").encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
    )
    return [body]


def make_app(app: WSGIApp = page, **options: Any) -> WSGIApp:
    options.setdefault("secret_key", KEY)
    return validator(FlashMiddleware(validator(app), **options))  # type: ignore[no-any-return]


class Client(WerkzeugClient):
    """werkzeug's client, reading each body whole so that the iterable is
    closed at once (wsgiref's validator fails on one left unclosed)."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def flash_cookies(response: TestResponse) -> list[str]:
    return [
        v for v in response.headers.getlist("Set-Cookie") if v.startswith("flashmw=")
    ]


# -- tokens ----------------------------------------------------------------------

NOW = 1_700_000_000


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def signer(
    key: str = KEY, salt: bytes = DEFAULT_SALT, at: int | None = None
) -> TimestampSigner:
    """A stock itsdangerous signer configured as flashmw's wire format."""
    s = TimestampSigner(
        key, salt=salt, key_derivation="hmac", digest_method=hashlib.sha256
    )
    if at is not None:
        s.get_timestamp = lambda: at  # type: ignore[method-assign]
    return s


def signed_json(data: object, *, compress: bool = False, at: int | None = None) -> str:
    raw = json.dumps(data).encode()
    payload = b"." + b64(zlib.compress(raw, 9)) if compress else b64(raw)
    return signer(at=at).sign(payload).decode()


def genuine(text: str = "hello", *, key: str = KEY, at: float | None = None) -> str:
    codec = FlashCodec(
        key, clock=(lambda: at) if at is not None else __import__("time").time
    )
    born = int(at) if at is not None else int(__import__("time").time())
    value = codec.encode([Message("info", text, born)], 4000).value
    assert value is not None
    return value


def flip(value: str, index: int) -> str:
    return value[:index] + ("A" if value[index] != "A" else "B") + value[index + 1 :]


def bomb() -> str:
    raw = b'[1,[["c","' + b"a" * (2 << 20) + b'",0,0]]]'
    token = signer().sign(b"." + b64(zlib.compress(raw, 9))).decode()
    assert len(token) < 4096  # small on the wire, 2 MB once inflated
    return token


def deep(depth: int) -> str:
    payload = b64(b"[1," + b"[" * depth + b"]" * depth + b"]")
    return signer().sign(payload).decode()


BAD_INPUTS: list[tuple[str, Callable[[], str]]] = [
    ("tampered payload", lambda: flip(genuine(), 2)),
    ("tampered timestamp", lambda: flip(genuine(), genuine().index(".") + 2)),
    ("tampered signature", lambda: flip(genuine(), -4)),
    (
        "signature of another token",
        lambda: genuine().rsplit(".", 1)[0] + "." + genuine("x").rsplit(".", 1)[1],
    ),
    (
        "wrong salt: the app's session",
        lambda: URLSafeTimedSerializer(KEY).dumps([1, [["info", "x", 0, 0]]]),
    ),
    (
        "wrong salt: another purpose",
        lambda: signer(salt=b"other").sign(b64(b'[1,[["i","x",0,0]]]')).decode(),
    ),
    ("wrong key", lambda: genuine(key="another-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0")),
    ("key rotated out", lambda: genuine(key=OLD_KEY)),
    ("expired", lambda: genuine(at=__import__("time").time() - 7200)),
    ("future-dated", lambda: genuine(at=__import__("time").time() + 3600)),
    ("non-base64 text", lambda: "not a token at all!"),
    ("NUL", lambda: genuine()[:6] + "\x00" + genuine()[6:]),
    ("control characters", lambda: "\x01\x1b[31m" + genuine()),
    ("non-ASCII", lambda: genuine()[:6] + "é☃" + genuine()[6:]),
    ("8 KB value", lambda: "A" * 8192),
    ("100 KB value", lambda: genuine() * 1000),
    ("decompression bomb", bomb),
    ("valid signature over a dict", lambda: signed_json({"v": 1, "m": []})),
    ("valid signature over null", lambda: signed_json(None)),
    ("valid signature over a number", lambda: signed_json(12345)),
    ("valid signature over a string", lambda: signed_json("hello")),
    ("valid signature over deep nesting", lambda: deep(2000)),
    (
        "valid signature over 10 000 entries",
        lambda: signed_json([1, [["i", "x", 0, 0]] * 10_000], compress=True),
    ),
    (
        "valid signature over an old payload version",
        lambda: signed_json([0, [["i", "x", 0, 0]]]),
    ),
    (
        "valid signature over a newer payload version",
        lambda: signed_json([3, [["i", "x", 0, 0]]]),
    ),
    ("valid signature over a bad entry", lambda: signed_json([1, [["i", "x", -5, 0]]])),
    (
        "valid signature over a pickle",
        lambda: signer().sign(b64(pickle.dumps([1, []]))).decode(),
    ),
]


@pytest.mark.parametrize("make", [pytest.param(m, id=name) for name, m in BAD_INPUTS])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_bad_input_gives_no_messages_deletes_the_cookie_and_logs_one_line(
    make: Callable[[], str], scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    value = make()
    client = Client(make_app(), use_cookies=False)
    header = f"theme=dark; flashmw={value}; other=1"
    with caplog.at_level(logging.INFO, logger="flashmw"):
        response = client.get(
            "/", headers={"Cookie": header}, base_url=f"{scheme}://localhost/"
        )
    assert response.status_code == 200
    assert response.text == "none"
    [deleted] = flash_cookies(response)
    assert deleted.startswith("flashmw=;") and "Max-Age=0" in deleted
    assert "Path=/" in deleted and "SameSite=Lax" in deleted and "HttpOnly" in deleted
    assert ("Secure" in deleted) == (scheme == "https")
    assert "Cookie" in response.headers["Vary"]
    [record] = caplog.records
    line = record.getMessage()
    assert "ignored" in line
    assert KEY not in line and value not in line and value[:20] not in line


def test_the_same_inputs_are_refused_by_the_codec_itself() -> None:
    codec = FlashCodec(KEY)
    for name, make in BAD_INPUTS:
        decoded = codec.decode(make())
        assert decoded.messages == [] and decoded.problem, name


def test_exactly_max_messages_entries_are_still_accepted() -> None:
    value = signed_json([1, [["i", "x", 0, 0]] * MAX_MESSAGES], compress=True)
    assert len(FlashCodec(KEY).decode(value).messages) == MAX_MESSAGES


def test_our_own_bugs_are_not_hidden_as_bad_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only untrusted input is tolerated: an error in flashmw's own code after
    the signature checked out propagates instead of becoming "no messages"."""

    def broken(self: FlashCodec, signed: bytes) -> Any:
        raise ZeroDivisionError("a bug in flashmw")

    monkeypatch.setattr(FlashCodec, "_read", broken)
    client = Client(FlashMiddleware(page, KEY), use_cookies=False)
    with pytest.raises(ZeroDivisionError):
        client.get("/", headers={"Cookie": f"flashmw={genuine()}"})


def test_a_bad_cookie_does_not_hide_new_messages() -> None:
    client = Client(make_app())
    client.set_cookie("flashmw", flip(genuine(), 2))
    client.get("/flash?m=fresh")
    assert client.get("/").text == "fresh"


# -- header safety ---------------------------------------------------------------

HOSTILE = ["\r\n", "\n", "\r", "\x00", "\x0b", "\x7f", ";", "é", "\u2028"]


# Code points, not repr(): an id pytest must escape changes when one process
# collects the tests twice, as mutmut does, which then cannot find the test.
@pytest.mark.parametrize(
    "evil", HOSTILE, ids=lambda text: " ".join(f"U+{ord(c):04X}" for c in text)
)
@pytest.mark.parametrize(
    ("option", "template"),
    [
        ("cookie_name", "flash{}Set-Cookie: a=b"),
        ("cookie_path", "/a{}b"),
        ("cookie_domain", "example.org{}x"),
        ("cookie_samesite", "Lax{}"),
        ("cache_control", "private{}"),
        ("cache_control", "private,{}no-store"),
        ("cache_control", "{}private"),
    ],
)
def test_no_option_can_carry_a_line_break_or_break_a_header(
    option: str, template: str, evil: str
) -> None:
    with pytest.raises(ValueError, match=option):
        FlashMiddleware(page, KEY, **{option: template.format(evil)})


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("cookie_secure", "yes"),
        ("cookie_secure", 1),
        ("cookie_httponly", "no"),
        ("cookie_httponly", None),
        ("max_age", -1),
        ("max_age", "60"),
        ("max_cookie_size", 4094),
        ("max_cookie_size", 4093.0),
        ("overflow", "ignore"),
        ("consume", None),
        ("cache_control", 1),
        ("cache_control", "private, "),
        ("cookie_name", ""),
        ("cookie_name", b"flashmw"),
        ("cookie_path", ""),
        ("cookie_domain", ""),
    ],
)
def test_odd_option_values_fail_at_construction(option: str, value: object) -> None:
    with pytest.raises(ValueError):
        FlashMiddleware(page, KEY, **{option: value})


def test_valid_cache_control_lists_are_accepted() -> None:
    for value in ["private", "private, no-cache", "no-store", "private,max-age=0"]:
        FlashMiddleware(page, KEY, cache_control=value)


@pytest.mark.parametrize(
    "text",
    ["a\r\nSet-Cookie: admin=1", "\x00\x01", "é☃\U0001f600", '"; Path=/evil', "\ud800"],
    ids=["crlf", "nul", "unicode", "quote-semicolon", "surrogate"],
)
def test_messages_and_categories_never_reach_a_header_raw(text: str) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, text, text)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    client = Client(make_app(app))
    response = client.get("/")
    for name, value in response.headers.items():
        assert PRINTABLE.fullmatch(value), (name, value)
    [cookie] = flash_cookies(response)
    assert re.fullmatch(r"flashmw=[A-Za-z0-9_.-]+", cookie.split(";")[0])

    shown: list[Any] = []

    def reader(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        shown.extend(get_flashed_messages(environ, with_categories=True))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    value = cookie.split(";")[0].split("=", 1)[1]
    Client(make_app(reader), use_cookies=False).get(
        "/", headers={"Cookie": f"flashmw={value}"}
    )
    assert shown == [(text, text)]


def test_a_hostile_cookie_is_never_echoed_into_a_header() -> None:
    evil = "x\r\nSet-Cookie: admin=1"
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "wsgi.url_scheme": "http",
        "HTTP_COOKIE": f"flashmw={evil}",
    }
    captured: list[list[tuple[str, str]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc: Any = None
    ) -> Any:
        captured.append(headers)
        return lambda data: None

    b"".join(FlashMiddleware(page, KEY)(environ, start_response))
    for name, value in captured[0]:
        assert PRINTABLE.fullmatch(value) and "admin" not in value, (name, value)


# -- cache safety: a shared cache in front ---------------------------------------


class SharedCache:
    """A small shared HTTP cache as WSGI middleware (RFC 9111, simplified).

    It stores 200 responses to GET that carry explicit freshness (``public``
    or ``max-age``). *honor_vary* and *honor_private* switch off the two rules
    that keep users apart, to show that either one alone suffices: a real
    cache that gets one of them wrong still never mixes users' messages.
    """

    def __init__(
        self, app: WSGIApp, *, honor_vary: bool = True, honor_private: bool = True
    ) -> None:
        self.app = app
        self.honor_vary = honor_vary
        self.honor_private = honor_private
        self.store: dict[
            str, list[tuple[dict[str, str], str, list[tuple[str, str]], bytes]]
        ] = {}
        self.hits = 0

    def _request_header(self, environ: dict[str, Any], name: str) -> str:
        return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        key = environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "GET":
            for selecting, status, headers, body in self.store.get(key, []):
                if all(
                    self._request_header(environ, n) == v for n, v in selecting.items()
                ):
                    self.hits += 1
                    start_response(status, headers)
                    return [body]
        captured: list[Any] = []

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured
        cache_control = ", ".join(
            v for n, v in headers if n.lower() == "cache-control"
        ).lower()
        directives = {d.strip().split("=")[0] for d in cache_control.split(",")}
        vary = [
            v.strip()
            for n, value in headers
            if n.lower() == "vary"
            for v in value.split(",")
        ]
        storable = (
            environ["REQUEST_METHOD"] == "GET"
            and status.startswith("200")
            and "no-store" not in directives
            and not (self.honor_private and "private" in directives)
            and ("public" in directives or "max-age" in directives)
            and not (self.honor_vary and "*" in vary)
        )
        if storable:
            selecting = (
                {n: self._request_header(environ, n) for n in vary}
                if self.honor_vary
                else {}
            )
            self.store.setdefault(key, []).append((selecting, status, headers, body))
        return [body]


def public_page(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """A page the app marks as publicly cacheable, with the flashes on it."""
    if environ["PATH_INFO"] == "/flash":
        flash(environ, environ["QUERY_STRING"].removeprefix("m="), "info")
        start_response(
            "303 See Other", [("Location", "/page"), ("Content-Length", "0")]
        )
        return []
    body = ("|".join(get_flashed_messages(environ)) or "none").encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Cache-Control", "public, max-age=600")],
    )
    return [body]


CACHES = [
    pytest.param({}, id="rfc-cache"),
    pytest.param({"honor_vary": False}, id="cache-ignoring-vary"),
    pytest.param({"honor_private": False}, id="cache-ignoring-private"),
]


@pytest.mark.parametrize("rules", CACHES)
def test_a_shared_cache_never_serves_one_users_messages_to_another(
    rules: dict[str, bool],
) -> None:
    cache = SharedCache(FlashMiddleware(public_page, KEY), **rules)
    users = {name: Client(cache) for name in ("alice", "bob", "carol", "dave")}
    seen: dict[str, list[str]] = {name: [] for name in users}

    def visit(name: str) -> None:
        text = users[name].get("/page").text
        seen[name].extend(m for m in text.split("|") if m != "none")

    visit("carol")  # an empty page, publicly cacheable
    for name in ("alice", "bob", "dave"):
        users[name].get(f"/flash?m={name}-secret")
    for _ in range(3):
        for name in users:
            visit(name)
    for name, messages in seen.items():
        # Never anyone else's message, whatever the cache gets wrong.
        assert all(m == f"{name}-secret" for m in messages), (name, seen)
    if rules.get("honor_vary", True):
        # A cache that keys on the Cookie header also shows each user their
        # own message exactly once. (One that ignores Vary may serve the
        # cached empty page instead: the message waits, unconsumed.)
        assert seen == {
            "alice": ["alice-secret"],
            "bob": ["bob-secret"],
            "carol": [],
            "dave": ["dave-secret"],
        }


def test_pages_without_messages_stay_publicly_cacheable() -> None:
    cache = SharedCache(FlashMiddleware(public_page, KEY))
    first = Client(cache).get("/page")
    assert first.headers["Cache-Control"] == "public, max-age=600"
    assert first.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in first.headers
    assert Client(cache).get("/page").text == "none"
    assert cache.hits == 1


@pytest.mark.parametrize("rules", CACHES)
def test_a_cached_cookie_deletion_is_never_replayed_to_another_user(
    rules: dict[str, bool],
) -> None:
    """A bad cookie is deleted with Set-Cookie. Were that response stored, a
    cache could replay the deletion to other users and wipe their messages:
    every response that sets or deletes the cookie is private."""
    cache = SharedCache(FlashMiddleware(public_page, KEY), **rules)
    mallory, bob = Client(cache), Client(cache)
    mallory.set_cookie("flashmw", "garbage")
    response = mallory.get("/page")
    assert flash_cookies(response) and "private" in response.headers["Cache-Control"]
    bob.get("/flash?m=bob-message")
    assert bob.get("/page").text == "bob-message"


def test_showing_and_storing_responses_are_private_and_vary() -> None:
    client = Client(FlashMiddleware(public_page, KEY))
    stored = client.get("/flash?m=x")
    assert (
        "private" in stored.headers["Cache-Control"]
        and stored.headers["Vary"] == "Cookie"
    )
    shown = client.get("/page")
    assert shown.headers["Cache-Control"] == "max-age=600, private"
    assert shown.headers["Vary"] == "Cookie"


# -- keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "",
        b"",
        "dev",
        "secret",
        "changeme",
        "0123456789abcde",
        " Change-Me-Please ",
        "YOU-WILL-NEVER-GUESS",
        b"super secret key",
        "django-insecure-2k3j4h5g6f7d8s9a0",
        "ab" * 16,
        " " * 40,
    ],
)
def test_weak_or_empty_keys_are_refused(key: str | bytes) -> None:
    with pytest.raises(ValueError):
        FlashMiddleware(page, key)
    with pytest.raises(ValueError):
        FlashMiddleware(page, KEY, fallback_keys=[key])


@pytest.mark.parametrize("key", sorted(_keys._WELL_KNOWN))
def test_every_listed_example_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError):
        FlashMiddleware(page, key)
    with pytest.raises(ValueError):
        FlashMiddleware(page, key.upper().encode())


@pytest.mark.parametrize("fallback_keys", [OLD_KEY, OLD_KEY.encode(), 123, {OLD_KEY}])
def test_fallback_keys_must_be_a_sequence_of_keys(fallback_keys: object) -> None:
    with pytest.raises(TypeError):
        FlashMiddleware(page, KEY, fallback_keys=fallback_keys)  # type: ignore[arg-type]


def test_random_keys_are_accepted() -> None:
    FlashMiddleware(
        page, secrets.token_hex(32), fallback_keys=[secrets.token_bytes(32)]
    )
    FlashMiddleware(page, secrets.token_urlsafe(16))


def test_fallback_keys_verify_but_never_sign() -> None:
    old = Client(FlashMiddleware(page, OLD_KEY))
    old.get("/flash?m=old")
    cookie = old.get_cookie("flashmw")
    assert cookie is not None

    rotated = Client(FlashMiddleware(page, KEY, fallback_keys=[OLD_KEY]))
    rotated.set_cookie("flashmw", cookie.value)
    rotated.get("/flash?m=new")
    written = rotated.get_cookie("flashmw")
    assert written is not None
    # Signed with the current key only: the old key alone cannot read it.
    assert FlashCodec(KEY).decode(written.value).problem is None
    assert FlashCodec(OLD_KEY).decode(written.value).problem == "bad signature"
    # Once the old key is dropped, cookies it signed are refused.
    assert FlashCodec(KEY).decode(cookie.value).problem == "bad signature"


def test_a_flash_token_is_not_accepted_as_the_apps_session() -> None:
    """The purpose salt works both ways: the app's own itsdangerous
    serializer with the same key refuses our cookie."""
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(KEY).loads(genuine())
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(KEY, salt="cookie-session").loads(genuine())


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_pickle_or_eval_anywhere(path: Path) -> None:
    assert not _imports(path) & {"pickle", "marshal", "shelve", "dill", "cloudpickle"}
    tree = ast.parse(path.read_text())
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & {"eval", "exec", "compile", "__import__"}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_flashmw_never_compares_signatures_itself(path: Path) -> None:
    """Verification stays itsdangerous' (``hmac.compare_digest``): flashmw may
    compute a MAC faster, but never compares one or overrides the check."""
    source = path.read_text()
    assert "compare_digest" not in source
    defined = {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
    }
    assert not defined & {"verify_signature", "unsign", "validate"}


def test_verification_uses_a_constant_time_comparison(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import itsdangerous.signer

    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(itsdangerous.signer.hmac, "compare_digest", spy)
    codec = FlashCodec(KEY, [OLD_KEY])
    assert codec.decode(genuine()).problem is None
    assert calls, "itsdangerous did not use hmac.compare_digest"
    calls.clear()
    assert codec.decode(flip(genuine(), -4)).problem == "bad signature"
    assert len(calls) == 2  # one constant-time comparison per key, no shortcut
