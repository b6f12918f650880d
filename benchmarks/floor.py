"""The primitive floor: the same cookie format written by hand with the stdlib.

The floor of a scenario is the least work any implementation of flashmw's
wire format must do for it, with the same digest (HMAC-SHA256), the same JSON
shape (``[1, [[category, text, age, html], ...]]``, compact) and the same
token layout (``payload.timestamp.signature``, URL-safe base64 without
padding). Nothing is validated and nothing is shaped for the application:

S1 / S4 (write)
    JSON dump of the entries, UTF-8 encode, base64 of the payload, base64 of
    the 4-byte timestamp, one ``hmac.digest`` (OpenSSL's one-shot HMAC),
    base64 of the signature, and the ``Set-Cookie`` value formatted with an
    f-string around pre-formatted attributes.
S2 (read and delete)
    find the cookie in the ``Cookie`` header (two ``str.find`` and a slice),
    split off and base64-decode the signature, one ``hmac.digest`` and
    ``hmac.compare_digest``, split off and decode the timestamp, base64-decode
    the payload and JSON-load it, then copy the application's header list
    and append a pre-formatted deletion ``Set-Cookie``.

The key is derived once, outside the timed code, as itsdangerous derives it
(HMAC-SHA256 of the salt under the secret key); :func:`make_floors` checks
that the hand-written reader accepts the very token flashmw produced, so the
floor is measured on the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from .apps import MESSAGES, S1_MESSAGE, S4_MESSAGES, SECRET_KEY

_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode
_loads = json.JSONDecoder().decode
_b64e = base64.urlsafe_b64encode
_b64d = base64.urlsafe_b64decode

# The salt names the default cookie's scope: name, path, no domain.
KEY = hmac.digest(SECRET_KEY.encode(), b"flashmw.flashes;flashmw;/;", "sha256")
PREFIX = "flashmw="
TAIL = "; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax"
DELETION = 'flashmw=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
APP_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "1")]


def _write(entries: list[list[Any]]) -> str:
    payload = _b64e(_dumps([1, entries]).encode()).rstrip(b"=")
    stamp = _b64e(int(time.time()).to_bytes(4, "big")).rstrip(b"=")
    data = payload + b"." + stamp
    signature = _b64e(hmac.digest(KEY, data, "sha256")).rstrip(b"=")
    return f"{PREFIX}{data.decode()}.{signature.decode()}{TAIL}"


def _unpad(data: bytes) -> bytes:
    return _b64d(data + b"=" * (-len(data) % 4))


def _read(header: str) -> tuple[Any, list[tuple[str, str]]]:
    begin = header.find(PREFIX) + len(PREFIX)
    end = header.find(";", begin)
    value = (header[begin:] if end < 0 else header[begin:end]).encode()
    data, _, signature = value.rpartition(b".")
    if not hmac.compare_digest(_unpad(signature), hmac.digest(KEY, data, "sha256")):
        raise ValueError("bad signature")
    payload, _, stamp = data.rpartition(b".")
    int.from_bytes(_unpad(stamp), "big")
    messages = _loads(_unpad(payload).decode())
    headers = list(APP_HEADERS)
    headers.append(("Set-Cookie", DELETION))
    return messages, headers


class MinimalMiddleware:
    """The least a flash middleware does on a request that never flashes.

    It marks the environ, wraps ``start_response`` in a closure and sets a
    context variable around the call, as flashmw must (``current_flashes()``
    needs the variable), but creates no per-request object. Its overhead over
    the bare application is the floor of S0, S0c and S3.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if "bench.marker" in environ:
            return self.app(environ, start_response)
        environ["bench.marker"] = True

        def wrapped(status: str, headers: Any, exc_info: Any = None) -> Any:
            return start_response(status, headers, exc_info)

        token = _marker.set(environ)
        try:
            return self.app(environ, wrapped)
        finally:
            _marker.reset(token)


_marker: ContextVar[Any] = ContextVar("bench.marker")


def make_floors(flashmw_cookie: str) -> dict[str, Callable[[], object]]:
    """The floor function of each scenario that does cryptography.

    :param flashmw_cookie: the ``flashmw=...`` pair flashmw set for S2/S3.
    """
    s1 = [[S1_MESSAGE[0], S1_MESSAGE[1], 0, 0]]
    s4 = [[c, t, 0, 0] for c, t in S4_MESSAGES]
    read, _ = _read(flashmw_cookie)
    assert [tuple(e[:2]) for e in read[1]] == MESSAGES, read
    return {
        "S1": lambda: _write(s1),
        "S2": lambda: _read(flashmw_cookie),
        "S4": lambda: _write(s4),
    }


def make_primitives(flashmw_cookie: str, other_cookies: str) -> dict[str, Any]:
    """Single primitives on the S2 token, for the breakdown table."""
    value = flashmw_cookie.split("=", 1)[1].encode()
    data, _, signature = value.rpartition(b".")
    payload = data.rpartition(b".")[0]
    raw = _unpad(payload)
    entries = [[c, t, 0, 0] for c, t in MESSAGES]
    header = f"{other_cookies}; {flashmw_cookie}"

    def extract() -> str:
        begin = header.find(PREFIX) + len(PREFIX)
        end = header.find(";", begin)
        return header[begin:] if end < 0 else header[begin:end]

    from itsdangerous import Signer, URLSafeTimedSerializer
    from itsdangerous.encoding import base64_encode
    from itsdangerous.url_safe import URLSafeSerializerMixin

    class _Uncompressed(URLSafeTimedSerializer):
        # The URL-safe serializer always tries zlib; this one never does.
        def dump_payload(self, obj: Any) -> bytes:
            return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))

    default = URLSafeTimedSerializer(SECRET_KEY, salt="bench")
    lean = _Uncompressed(
        KEY,
        signer_kwargs={"key_derivation": "none", "digest_method": hashlib.sha256},
    )
    signer = Signer(KEY, key_derivation="none", digest_method=hashlib.sha256)
    t_default = default.dumps([1, entries])
    t_lean = lean.dumps([1, entries])
    return {
        "HMAC-SHA256, hmac.digest (S2 token)": lambda: hmac.digest(KEY, data, "sha256"),
        "HMAC-SHA256, hmac.new().digest() (S2 token)": lambda: hmac.new(
            KEY, data, hashlib.sha256
        ).digest(),
        "itsdangerous Signer.unsign, pre-derived key (S2 token)": lambda: signer.unsign(
            value
        ),
        "JSON dump, 3 messages": lambda: _dumps([1, entries]).encode(),
        "JSON load, 3 messages": lambda: _loads(raw.decode()),
        "base64url encode, 3-message payload": lambda: _b64e(raw).rstrip(b"="),
        "base64url decode, 3-message payload": lambda: _unpad(payload),
        "extract one cookie from a 560-byte Cookie header": extract,
        "itsdangerous URLSafeTimedSerializer defaults: dumps, 3 messages": (
            lambda: default.dumps([1, entries])
        ),
        "itsdangerous URLSafeTimedSerializer defaults: loads, 3 messages": (
            lambda: default.loads(t_default)
        ),
        "itsdangerous pre-derived key, sha256, no zlib: dumps, 3 messages": (
            lambda: lean.dumps([1, entries])
        ),
        "itsdangerous pre-derived key, sha256, no zlib: loads, 3 messages": (
            lambda: lean.loads(t_lean)
        ),
    }
