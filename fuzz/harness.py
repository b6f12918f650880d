"""The fuzz targets: mutations of real flash cookies, checked against oracles.

One input (a byte string from atheris/libFuzzer or from the random engine)
is read as a small program by :class:`Provider`: which target to run, which
seed token to start from, which mutation to apply and with what parameters.
Every target checks a property, not just "did not crash":

- ``decode``: :meth:`~flashmw.codec.FlashCodec.decode` never raises, and it
  accepts a value only if its signed part is the signed part of a token the
  harness made (the signature text may differ: base64 decoding ignores
  characters outside the alphabet and the last character's spare bits, which
  changes nothing that was signed).
- ``resigned``: a payload signed with the test key (anything from random
  bytes to wrong shapes, deep nesting, huge lists, decompression bombs, odd
  timestamps) decodes exactly as an independent reference reading of the
  schema says it should.
- ``roundtrip``: any messages encode into a value within the budget, in the
  cookie alphabet, and decode to the newest of them unchanged.
- ``find_cookie``: never raises, returns part of the header, and finds our
  cookie behind any neighbours that do not contain the name.
- ``middleware``: a whole request through :class:`~flashmw.FlashMiddleware`
  with a mutated cookie: no exception, the app's status passes through, no
  header holds CR/LF, a bad cookie is deleted and a shown one consumed.
- ``asgi``: the same request through :class:`flashmw.asgi.FlashMiddleware`
  gives exactly the WSGI driver's status, headers and body, and so the same
  properties.

The module has no atheris import, so tests and the random engine use it too.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from itsdangerous import Signer, URLSafeTimedSerializer
from markupsafe import Markup

from flashmw import FlashMiddleware, get_flashed_messages
from flashmw._http import Headers, find_cookie, find_cookies
from flashmw.asgi import FlashMiddleware as ASGIFlashMiddleware
from flashmw.codec import (
    CLOCK_SKEW,
    DEFAULT_SALT,
    MAX_MESSAGES,
    MAX_PAYLOAD_BYTES,
    MAX_TOKEN_LENGTH,
    FlashCodec,
)
from flashmw.message import Message

#: A fixed test key (never use it anywhere else) and a rotated-out one.
KEY = "fuzz-key-4d1c9b7e2a5f8036e1b4c7d0a3f6e9b2c5d8f1a4"
OLD_KEY = "fuzz-old-8f3a6c9e1b4d7f0a2c5e8b1d4f7a0c3e6b9d2f5a"
STRANGER_KEY = "fuzz-other-1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
#: The fixed clock of every codec here, so tokens and expiry are repeatable.
NOW = 1_700_000_000
MAX_AGE = 3600
BUDGET = 4000
COOKIE = "flashmw"

_VALUE_ALPHABET = re.compile(r"[A-Za-z0-9_.-]*")
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_NOISE = _B64 + b'.=+/ \t\x00\x7f";,\r\n\xff'


class Provider:
    """Reads typed values from fuzzer bytes; returns zeros once they run out.

    A stand-in for atheris' ``FuzzedDataProvider`` that works without atheris,
    so the same targets run under libFuzzer, the random engine and pytest.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        """One byte, 0 when the input is used up."""
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def number(self, low: int, high: int) -> int:
        """An integer in ``low..high`` (inclusive)."""
        span = high - low
        if span <= 0:
            return low
        value = 0
        for _ in range((span.bit_length() + 7) // 8):
            value = (value << 8) | self.byte()
        return low + value % (span + 1)

    def flag(self) -> bool:
        """A boolean."""
        return bool(self.byte() & 1)

    def pick(self, items: Sequence[Any]) -> Any:
        """One of *items*."""
        return items[self.number(0, len(items) - 1)]

    def chunk(self, limit: int) -> bytes:
        """Up to *limit* bytes, length chosen by the input."""
        size = self.number(0, limit)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk

    def text(self, limit: int) -> str:
        """Up to *limit* characters of any Unicode (lone surrogates included)."""
        mode = self.byte() % 4
        raw = self.chunk(limit * (2 if mode == 3 else 1))
        if mode == 0:
            return raw.decode("ascii", "replace")
        if mode == 1:
            return raw.decode("latin-1")
        if mode == 2:
            return raw.decode("utf-8", "replace")
        # UTF-16 code units, lone surrogates and all.
        units = [raw[i] << 8 | raw[i + 1] for i in range(0, len(raw) - 1, 2)]
        return "".join(map(chr, units))

    def rest(self) -> bytes:
        """Everything not read yet."""
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk


def b64(data: bytes) -> bytes:
    """Unpadded URL-safe base64, as itsdangerous writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def make_codec(key: str = KEY, fallbacks: tuple[str, ...] = (OLD_KEY,)) -> FlashCodec:
    """A codec with the test keys and the fixed clock."""
    return FlashCodec(key, fallbacks, max_age=MAX_AGE, clock=lambda: NOW)


CODEC = make_codec()
OLD_CODEC = make_codec(OLD_KEY, ())
# The codec's own signer, to re-sign arbitrary payloads with the test key.
_RESIGNER: Signer = CODEC._signer


def _stamp(at: int) -> bytes:
    return b64(at.to_bytes(8, "big").lstrip(b"\x00"))


def resign(payload: bytes, stamp: bytes | None = None) -> str:
    """Sign *payload* (and a timestamp) exactly as the codec would."""
    if stamp is None:
        stamp = _stamp(NOW)
    return _RESIGNER.sign(payload + b"." + stamp).decode("latin-1")


def _seed_messages() -> list[list[Message]]:
    rich = [
        Message("success", "Saved.", NOW - 5),
        Message("error", Markup("<b>bold</b> & co"), NOW - 100),
        Message("info", "naïve ☃ \U0001f600 \ud800 \x00\r\n", NOW),
        Message("", "", NOW - 3599),
    ]
    noise = [Message("x", b64(bytes(range(256)) * 3).decode(), NOW)]
    many = [Message(f"c{i}", f"m{i}", NOW - i) for i in range(120)]
    return [[], rich[:1], rich, noise, many]


#: (signed part, messages) of every token the harness made on purpose.
SEEDS: list[tuple[str, list[Message]]] = []
for _messages in _seed_messages():
    for _codec in (CODEC, OLD_CODEC):
        _value = _codec.encode(_messages, BUDGET).value
        assert _value is not None
        SEEDS.append((_value, _messages))
_GENUINE = {value.rsplit(".", 1)[0]: messages for value, messages in SEEDS}


# -- the reference reading of the schema -------------------------------------


def reference(payload: bytes, stamp_text: bytes) -> list[Message] | None:
    """What a correct decoder returns for a correctly signed ``payload.stamp``,
    written independently of the codec: the messages, or ``None`` for "reject".
    """
    try:
        stamp_bytes = base64.urlsafe_b64decode(
            stamp_text + b"=" * (-len(stamp_text) % 4)
        )
    except ValueError:
        return None
    if len(stamp_bytes) > 8:
        return None
    signed_at = int.from_bytes(stamp_bytes, "big")
    if signed_at - NOW > CLOCK_SKEW or NOW - signed_at > MAX_AGE:
        return None
    compressed = payload[:1] == b"."
    body = payload[1:] if compressed else payload
    try:
        raw = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
    except ValueError:
        return None
    if compressed:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, MAX_PAYLOAD_BYTES)
        except zlib.error:
            return None
        if inflater.unconsumed_tail or not inflater.eof:
            return None
    if len(raw) > MAX_PAYLOAD_BYTES:
        return None
    try:
        data = json.loads(raw.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return None
    if not (
        isinstance(data, list)
        and len(data) == 2
        and type(data[0]) is int
        and data[0] in (1, 2)
        and isinstance(data[1], list)
        and len(data[1]) <= MAX_MESSAGES
    ):
        return None
    out = []
    for entry in data[1]:
        ttl, count = None, 1
        if isinstance(entry, list) and len(entry) == 5 and data[0] == 2:
            # Version 2: {"t": ttl >= 1, "n": count >= 2}, either or both.
            extras = entry[4]
            if not (
                isinstance(extras, dict)
                and extras
                and set(extras) <= {"t", "n"}
                and all(type(v) is int for v in extras.values())
                and extras.get("t", 1) >= 1
                and extras.get("n", 2) >= 2
            ):
                return None
            ttl, count = extras.get("t"), extras.get("n", 1)
            entry = entry[:4]
        if not (
            isinstance(entry, list)
            and len(entry) == 4
            and type(entry[0]) is str
            and type(entry[1]) is str
            and type(entry[2]) is int
            and type(entry[3]) is int
            and entry[2] >= 0
            and entry[3] in (0, 1)
        ):
            return None
        born = signed_at - entry[2]
        if NOW - born <= MAX_AGE and (ttl is None or NOW - born <= ttl):
            text = Markup(entry[1]) if entry[3] else entry[1]
            out.append(Message(entry[0], text, born, False, ttl, count))
    return out


def same(a: Iterable[Message], b: Iterable[Message]) -> bool:
    """Equal messages, Markup-ness included."""
    a, b = list(a), list(b)
    return len(a) == len(b) and all(
        x == y and type(x.text) is type(y.text) for x, y in zip(a, b, strict=True)
    )


# -- building inputs ---------------------------------------------------------


def mutate(p: Provider, value: str) -> str:
    """Apply a few byte-level mutations chosen by *p* to *value*."""
    data = bytearray(value.encode("latin-1", "replace"))
    for _ in range(p.number(1, 4)):
        op = p.number(0, 9)
        at = p.number(0, max(len(data) - 1, 0))
        if op == 0 and data:  # bit flip
            data[at] ^= 1 << p.number(0, 7)
        elif op == 1:  # truncate the end
            del data[at:]
        elif op == 2:  # truncate the start
            del data[:at]
        elif op == 3 and data:  # replace with base64-ish noise
            data[at] = p.pick(_NOISE)
        elif op == 4:  # insert noise
            data[at:at] = bytes(p.pick(_NOISE) for _ in range(p.number(1, 8)))
        elif op == 5:  # delete a run
            del data[at : at + p.number(1, 16)]
        elif op == 6:  # duplicate a run
            data[at:at] = data[at : at + p.number(1, 64)]
        elif op == 7:  # swap the dot-separated parts
            parts = bytes(data).split(b".")
            i, j = p.number(0, len(parts) - 1), p.number(0, len(parts) - 1)
            parts[i], parts[j] = parts[j], parts[i]
            data = bytearray(b".".join(parts))
        elif op == 8:  # splice with another seed
            other = p.pick(SEEDS)[0].encode()
            cut = p.number(0, len(other))
            data = data[:at] + other[cut:]
        else:  # raw fuzzer bytes
            data[at:at] = p.chunk(32)
    return data.decode("latin-1")


def json_value(p: Provider, depth: int = 0) -> Any:
    """A JSON-able value of any shape, biased toward near-valid entries."""
    kind = p.number(0, 11)
    if depth > 6:
        kind = kind % 6
    if kind == 0:
        return None
    if kind == 1:
        return p.flag()
    if kind == 2:
        return p.pick([0, 1, -1, 2, 2**31, 2**63, -(2**64), 10**30])
    if kind == 3:
        return p.pick([0.0, 1.5, -0.0, 1e308, 1.0])
    if kind == 4:
        return p.text(24)
    if kind == 5:
        return p.pick(["message", "success", "", "\x00", "\ud800"])
    if kind in (6, 7, 8):  # an entry, maybe a little wrong
        entry = [p.text(12), p.text(24), p.number(0, 5000), p.number(0, 1)]
        if kind != 6:
            position = p.number(0, 3)
            entry[position] = json_value(p, depth + 1)
        return entry
    if kind == 9:
        return {p.text(8): json_value(p, depth + 1) for _ in range(p.number(0, 3))}
    return [json_value(p, depth + 1) for _ in range(p.number(0, 5))]


def schema_payload(p: Provider) -> bytes:
    """Raw JSON bytes: valid payloads, wrong shapes, huge and deep ones."""
    kind = p.number(0, 9)
    if kind == 0:  # a valid payload, of either version
        entries: list[Any] = [
            [p.text(10), p.text(30), p.number(0, 4000), p.number(0, 1)]
            for _ in range(p.number(0, 8))
        ]
        version = p.pick([1, 2])
        if version == 2:
            for entry in entries:
                extras = p.pick([{}, {"t": p.number(1, 5000)}, {"n": p.number(2, 9)}])
                if extras:
                    entry.append(extras)
        return json.dumps([version, entries]).encode("utf-8", "surrogatepass")
    if kind == 1:  # almost valid: one thing changed
        entries = [json_value(p) for _ in range(p.number(0, 4))]
        version = p.pick([1, 1, 2, 0, 3, True, 1.0, "1", None])
        data: Any = [version, entries]
        if p.flag():
            data = data + [json_value(p)]
        return json.dumps(data, allow_nan=True).encode("utf-8", "surrogatepass")
    if kind == 2:  # deep nesting
        depth: int = p.pick([10, 100, 1000, 5000, 20000])
        return b"[1," + b"[" * depth + b"]" * depth + b"]"
    if kind == 3:  # many entries
        count = p.pick([MAX_MESSAGES, MAX_MESSAGES + 1, 2000, 10000])
        return json.dumps([1, [["c", "m", 0, 0]] * count]).encode()
    if kind == 4:  # huge numbers and floats
        number = p.pick(["1e999", "-1e999", "NaN", "Infinity", "9" * 5000, "1" * 4300])
        return f'[1,[["c","m",{number},0]]]'.encode()
    if kind == 5:  # a dict, null, numbers, strings
        shapes = [b"{}", b"null", b"1", b'"x"', b"[]", b"[1]", b'{"v":1}', b"true"]
        return bytes(p.pick(shapes))
    if kind == 6:  # invalid UTF-8 or invalid JSON
        return b'[1,[["' + p.chunk(16) + b'","m",0,0]]]'
    if kind == 7:  # a long string
        return json.dumps(
            [1, [["c", "x" * p.pick([100, 40000, 70000]), 0, 0]]]
        ).encode()
    return json.dumps(json_value(p), allow_nan=True).encode("utf-8", "surrogatepass")


@functools.cache
def _bomb(size: int) -> bytes:
    """A compressed payload that inflates to *size* bytes of valid JSON."""
    prefix = b'[1,[["c","'
    raw = prefix + b"a" * (size - len(prefix) - 9) + b'",0,0]]]'
    return b"." + b64(zlib.compress(raw, 9))


def resigned_value(p: Provider) -> tuple[str, bytes, bytes]:
    """A value signed with the test key: (value, payload, stamp text)."""
    kind = p.number(0, 6)
    if kind == 0:  # a decompression bomb
        payload = _bomb(
            p.pick([MAX_PAYLOAD_BYTES - 1, MAX_PAYLOAD_BYTES + 1, 1 << 20, 16 << 20])
        )
    elif kind == 1:  # compressed garbage or truncated zlib
        packed = zlib.compress(schema_payload(p), 9)
        cut = p.number(0, len(packed))
        payload = b"." + b64(packed[:cut] if p.flag() else packed + p.chunk(8))
    elif kind == 2:  # raw bytes
        payload = p.chunk(200)
    else:
        raw = schema_payload(p)
        payload = b"." + b64(zlib.compress(raw, 9)) if p.flag() else b64(raw)
    stamp_kind = p.number(0, 5)
    if stamp_kind == 0:
        stamp = _stamp(NOW - p.pick([0, 1, MAX_AGE, MAX_AGE + 1, 10**6, NOW]))
    elif stamp_kind == 1:
        stamp = _stamp(NOW + p.pick([1, CLOCK_SKEW, CLOCK_SKEW + 1, 10**9]))
    elif stamp_kind == 2:
        stamp = b64(p.chunk(12))
    elif stamp_kind == 3:
        stamp = p.chunk(12).replace(b".", b"")
    else:
        stamp = _stamp(NOW)
    return resign(payload, stamp), payload, stamp


def foreign_value(p: Provider) -> str:
    """Well-formed tokens the codec must refuse: wrong salt, key or signer."""
    payload = json.loads(json.dumps([1, [["c", "m", 0, 0]]]))
    kind = p.number(0, 3)
    if kind == 0:  # the app's session, same key, default salt
        serializer = URLSafeTimedSerializer(KEY)
        return serializer.dumps(payload)
    if kind == 1:  # our salt, SHA-1 instead of SHA-256
        return URLSafeTimedSerializer(KEY, salt=DEFAULT_SALT).dumps(payload)
    if kind == 2:  # another key altogether
        return (
            make_codec(STRANGER_KEY, ()).encode([Message("c", "m", NOW)], BUDGET).value
            or ""
        )
    signer = Signer(KEY, salt=DEFAULT_SALT, digest_method=hashlib.sha256)
    return signer.sign(b64(json.dumps(payload).encode()) + b"." + _stamp(NOW)).decode()


# -- the targets ---------------------------------------------------------------


def check_decoded(value: str) -> tuple[list[Message], str | None]:
    """Decode and check the result's shape; return (messages, problem)."""
    decoded = CODEC.decode(value)
    assert isinstance(decoded.messages, list)
    assert decoded.problem is None or isinstance(decoded.problem, str)
    if decoded.problem is not None:
        assert decoded.messages == [], decoded
    for m in decoded.messages:
        assert type(m) is Message and type(m.category) is str
        assert type(m.text) in (str, Markup) and type(m.born) is int
    return decoded.messages, decoded.problem


def target_decode(p: Provider) -> None:
    """Mutated real tokens, raw text, foreign tokens: accept only genuine ones."""
    kind = p.number(0, 5)
    if kind == 0:
        value = p.text(300)
    elif kind == 1:
        value = foreign_value(p)
    elif kind == 2:  # long values: 8 KB, 100 KB
        value = p.pick(SEEDS)[0] * p.pick([2, 3, 30]) + p.text(8)
    else:
        value = mutate(p, p.pick(SEEDS)[0])
    messages, problem = check_decoded(value)
    if problem is None:
        signed_part = value.rsplit(".", 1)[0]
        assert signed_part in _GENUINE, f"forged value accepted: {value!r}"
        assert same(messages, _GENUINE[signed_part]), value


def target_resigned(p: Provider) -> None:
    """Correctly signed payloads of every shape agree with the reference."""
    value, payload, stamp = resigned_value(p)
    messages, problem = check_decoded(value)
    expected = (
        None
        if len(value) > MAX_TOKEN_LENGTH or not value.isascii()
        else reference(payload, stamp)
    )
    if expected is None:
        assert problem is not None, f"accepted a payload the schema refuses: {value!r}"
    else:
        assert problem is None, f"refused a valid payload ({problem}): {value!r}"
        assert same(messages, expected), value


def target_roundtrip(p: Provider) -> None:
    """Any messages fit the budget and come back unchanged: those too large
    to fit alone are left out, then the oldest of the rest."""
    count = p.number(0, 12)
    messages = []
    for _ in range(count):
        text = p.text(p.pick([10, 60, 600]))
        if p.flag():
            text = Markup(text)
        messages.append(Message(p.text(12), text, NOW - p.number(0, MAX_AGE)))
    budget = p.number(128, BUDGET)
    encoded = CODEC.encode(messages, budget)
    assert 0 <= encoded.dropped <= len(messages)
    if encoded.value is None:
        assert encoded.dropped == len(messages) > 0
        return
    assert len(encoded.value) <= budget, (len(encoded.value), budget)
    assert _VALUE_ALPHABET.fullmatch(encoded.value), encoded.value
    back, problem = check_decoded(encoded.value)
    assert problem is None, problem
    fitting = [m for m in messages if CODEC.encode([m], budget).value is not None]
    assert encoded.dropped == len(messages) - len(back)
    assert same(back, fitting[len(fitting) - len(back) :]), (back, messages)


def target_find_cookie(p: Provider) -> None:
    """The Cookie-header parser: never raises, finds us behind junk."""
    header = p.text(400)
    if p.number(0, 2) == 0:  # long headers
        header = header * p.pick([20, 200])
    found = find_cookie(header, COOKIE)
    assert found is None or (isinstance(found, str) and found in header)
    junk = header.replace(COOKIE, "x")
    value = p.pick(SEEDS)[0][: p.number(0, 200)]
    sep = p.pick(["; ", ";", " ;  ", ";\t"])
    built = f"{junk}{sep}{COOKIE}={value}{p.pick(['', ';', '; a=b', ';flashmw=zzz'])}"
    assert find_cookie(built, COOKIE) == value, built
    assert find_cookie(f'{COOKIE}="{value}"{sep}{junk}', COOKIE) == value


def _wsgi_app(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    shown = get_flashed_messages(environ, with_categories=True)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [repr(shown).encode("utf-8", "backslashreplace")]


MIDDLEWARE = FlashMiddleware(_wsgi_app, KEY, fallback_keys=[OLD_KEY], max_age=MAX_AGE)
# The middleware's own codec, with the fixed clock so seeds stay fresh.
MIDDLEWARE.core.codec = CODEC


def _request(p: Provider) -> tuple[str, str, str]:
    """A request's (method, scheme, Cookie header) with a mutated cookie
    among neighbours."""
    seed = p.pick(SEEDS)[0]
    value = seed if p.number(0, 3) == 0 else mutate(p, seed)
    neighbours = p.text(60)
    header = p.pick(
        [
            f"{COOKIE}={value}",
            f"{neighbours}; {COOKIE}={value}",
            f'{COOKIE}="{value}"; {neighbours}',
            f"{COOKIE}={value}; {COOKIE}={seed}",
        ]
    )
    return p.pick(["GET", "POST", "HEAD"]), p.pick(["http", "https"]), header


def _wsgi(method: str, scheme: str, header: str) -> tuple[int, Headers, bytes]:
    """One request through the WSGI driver: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": scheme,
        "HTTP_COOKIE": header,
    }
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        seen.append((status, headers))
        return lambda data: None

    body = b"".join(MIDDLEWARE(environ, start_response))
    assert len(seen) == 1 and seen[0][0] == "200 OK"
    return 200, seen[0][1], body


def _check(method: str, header: str, headers: Headers, body: bytes) -> None:
    """What the response to a request with *header* must hold."""
    for _, field in headers:
        assert "\r" not in field and "\n" not in field and "\x00" not in field
    cookies = [f for n, f in headers if n == "Set-Cookie"]
    assert len(cookies) <= 1
    # The first value that verifies is ours, whatever stands before it; when
    # none does, a bad one gets our cookie deleted.
    messages: list[Message] = []
    problem: str | None = None
    for candidate in find_cookies(header, COOKIE):
        found, trouble = check_decoded(candidate) if candidate else ([], "empty")
        if trouble is None:
            messages, problem = found, None
            break
        if candidate:
            problem = trouble
    if problem is not None or messages:
        # A bad cookie is deleted; a good one was shown on a GET/POST and is
        # consumed, or kept unchanged on HEAD.
        if method == "HEAD" and problem is None:
            assert cookies == []
        else:
            assert cookies and cookies[0].startswith(f"{COOKIE}=;"), (header, cookies)
        assert ("Vary", "Cookie") in headers
    if messages and method != "HEAD":
        assert ("Cache-Control", "private") in headers
        assert body.startswith(b"[(")


def target_middleware(p: Provider) -> None:
    """A whole request with a mutated cookie among neighbours."""
    method, scheme, header = _request(p)
    _, headers, body = _wsgi(method, scheme, header)
    _check(method, header, headers, body)


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:
    shown = get_flashed_messages(scope, with_categories=True)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"Content-Type", b"text/plain")],
        }
    )
    body = repr(shown).encode("utf-8", "backslashreplace")
    await send({"type": "http.response.body", "body": body})


ASGI_MIDDLEWARE = ASGIFlashMiddleware(
    _asgi_app, KEY, fallback_keys=[OLD_KEY], max_age=MAX_AGE
)
ASGI_MIDDLEWARE.core.codec = CODEC


def _asgi(method: str, scheme: str, header: str) -> tuple[int, Headers, bytes]:
    """One request through the ASGI driver, headers decoded as WSGI has them."""
    # A Cookie header is bytes on the wire; WSGI servers decode it as
    # latin-1, so the same bytes go to both drivers.
    scope = {
        "type": "http",
        "method": method,
        "scheme": scheme,
        "path": "/",
        "headers": [(b"cookie", header.encode("latin-1", "replace"))],
    }
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    # Nothing here waits for I/O: the coroutine finishes in one step, with
    # no event loop (one per input would cost more than the request).
    coroutine = ASGI_MIDDLEWARE(scope, receive, send)
    try:
        coroutine.send(None)
    except StopIteration:
        pass
    else:  # pragma: no cover - the driver awaited something real
        coroutine.close()
        raise AssertionError("the ASGI driver suspended")
    start, *bodies = sent
    # Names in lower case on both sides: ASGI requires it of the fields a
    # middleware adds, and HTTP compares names without case.
    headers = [
        (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start["headers"]
    ]
    return start["status"], headers, b"".join(m["body"] for m in bodies)


def target_asgi(p: Provider) -> None:
    """The same request through both drivers: the ASGI one answers exactly
    as the WSGI one does (they differ only in protocol plumbing), and its
    answer holds the same properties."""
    method, scheme, header = _request(p)
    header = header.encode("latin-1", "replace").decode("latin-1")
    status, headers, body = _asgi(method, scheme, header)
    wsgi_status, wsgi_headers, wsgi_body = _wsgi(method, scheme, header)
    lowered = [(name.lower(), value) for name, value in wsgi_headers]
    assert (status, headers, body) == (wsgi_status, lowered, wsgi_body)
    # The properties, on the same answer as the WSGI driver gives.
    _check(method, header, wsgi_headers, body)


TARGETS: list[Callable[[Provider], None]] = [
    target_decode,
    target_decode,
    target_decode,
    target_resigned,
    target_resigned,
    target_resigned,
    target_roundtrip,
    target_find_cookie,
    target_find_cookie,
    target_middleware,
    # Last, so that the other targets keep their indices.
    target_asgi,
]


def one_input(data: bytes) -> None:
    """Run the target the first byte picks on the rest of *data*."""
    p = Provider(data)
    TARGETS[p.byte() % len(TARGETS)](p)


def quiet() -> None:
    """Silence flashmw's log lines: each rejected cookie logs one."""
    logging.getLogger("flashmw").disabled = True
