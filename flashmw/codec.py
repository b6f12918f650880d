"""Messages to a signed cookie value and back.

The value is an itsdangerous timestamp-signed token::

    <payload> "." <timestamp> "." <signature>

``payload`` is URL-safe base64 of compact JSON, or ``"."`` followed by URL-safe
base64 of zlib-compressed JSON when that is what makes the messages fit. The
timestamp is itsdangerous' (base64 of the big-endian Unix time) and the
signature is HMAC-SHA256 under a key derived from the secret key and a salt
used for nothing else, so tokens signed with the same key for other purposes
(the application's session, say) are never accepted. The salt also names the
cookie the token is written to (its name, ``Path`` and ``Domain``): a token
written for another path or domain never verifies here, so a stale or
foreign cookie of the same name is told apart from the one this
configuration writes. The JSON is, strictly::

    [1, [[category, text, age, html], ...]]

where ``1`` is the schema version, ``age`` the whole seconds between the
message being flashed and the token being signed, and ``html`` 1 for a
:class:`~markupsafe.Markup` text, else 0. When any message has a life of its
own (``ttl``) or a count of coalesced repeats, the payload is version 2,
whose entries may carry a fifth element::

    [2, [[category, text, age, html],
         [category, text, age, html, {"t": ttl, "n": count}], ...]]

with ``"t"`` (seconds, at least 1) and ``"n"`` (at least 2) each optional
and nothing else allowed. Messages without either are still written as
version 1, so their tokens are the same as before. Both versions are read.
The token is signed, not encrypted: its owner can read it.

:meth:`FlashCodec.decode` never raises on untrusted input: anything that is not
a token this codec produced with one of its keys, within ``max_age``, decodes
to no messages and a reason. Nothing here knows about WSGI or HTTP.
"""

from __future__ import annotations

import binascii
import json
import time
import zlib
from collections.abc import Callable, Sequence
from json.scanner import make_scanner
from typing import Any, NamedTuple

from itsdangerous import BadData
from itsdangerous.encoding import int_to_bytes
from markupsafe import Markup

from ._cookie import cookie_scope
from ._keys import check_keys
from ._signing import b64decode, b64encode, make_signer
from .message import Message

#: Salt of the key derivation; it binds keys to this one purpose. The
#: cookie's scope is appended to it (see :func:`salt_for`).
SALT = b"flashmw.flashes"
#: The scope of the default cookie: name ``flashmw``, ``Path=/``, host-only.
DEFAULT_SCOPE = cookie_scope("flashmw", "/", None)
#: Version of the JSON schema written when no message has a ``ttl`` or a
#: count, the first element of the payload.
VERSION = 1
#: Version of the JSON schema written when some message has a ``ttl`` or a
#: count: its entries may carry a fifth element, ``{"t": ttl, "n": count}``.
VERSION_EXTRAS = 2
_VERSIONS = (VERSION, VERSION_EXTRAS)
_EXTRA_KEYS = frozenset(("t", "n"))
_tuple_new = tuple.__new__
#: The most messages one cookie may carry; larger payloads are rejected.
MAX_MESSAGES = 500
#: The most bytes the JSON may take once decompressed; it caps what a
#: decompression bomb can cost, and the encoder never produces more.
MAX_PAYLOAD_BYTES = 64 * 1024
#: The longest token accepted: no browser stores a longer cookie, and the
#: encoder never produces one, so longer input is rejected before any work.
MAX_TOKEN_LENGTH = 4096
#: How far in the future a timestamp may be, for clocks of a fleet that
#: disagree by a little; a larger lead counts as tampering.
CLOCK_SKEW = 60

_SEP = b"."
# The signature is HMAC-SHA256: 32 bytes, 43 characters of unpadded base64,
# the last of which encodes 4 bits followed by two zero bits.
_LAST_SIGNATURE_CHAR = frozenset("AEIMQUYcgkosw048")
_COMPRESSED = b"."
# ensure_ascii=False keeps non-ASCII text at its UTF-8 size instead of six bytes
# per character; "surrogatepass" lets a lone surrogate round-trip as it does in
# Python strings rather than failing at encode time.
_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Strict JSON: Python's decoder accepts NaN and Infinity unless told not to.
_decoder = json.JSONDecoder(parse_constant=_refuse_constant)
_loads = _decoder.decode
# decode() is a Python wrapper that skips whitespace around one scan_once();
# the encoder writes none, so _load_payload() calls scan_once() first and
# falls back to decode() for anything else (0.6 µs of 1.7, see benchmarks/).
# (typeshed types the argument as a scanner; json.decoder passes itself.)
_scan = make_scanner(_decoder)  # type: ignore[arg-type]


class Decoded(NamedTuple):
    """What :meth:`FlashCodec.decode` found in a cookie value."""

    #: The messages, oldest first; empty when the value was rejected.
    messages: list[Message]
    #: Why the value was rejected, or ``None`` when it was accepted.
    problem: str | None = None
    #: How many messages were older than ``max_age`` and left out.
    expired: int = 0


#: How many counts above the binary search's answer :meth:`FlashCodec._trim`
#: also tries, since compressed payloads do not always grow with the count.
_TRIM_REACH = 8


class Encoded(NamedTuple):
    """What :meth:`FlashCodec.encode` produced."""

    #: The cookie value, or ``None`` when not even one message fits.
    value: str | None
    #: How many messages were left out to fit the budget, in all.
    dropped: int
    #: How many of :attr:`dropped` were too large to fit even alone; the
    #: rest were the oldest.
    too_large: int = 0


class _Malformed(Exception):
    """A signed payload that does not follow the schema (internal)."""


def salt_for(scope: str) -> bytes:
    """The key-derivation salt of tokens written to the cookie *scope*."""
    return SALT + b";" + scope.encode("utf-8")


#: The salt of tokens for the default cookie.
DEFAULT_SALT = salt_for(DEFAULT_SCOPE)


def _b64_length(size: int) -> int:
    """Length of unpadded base64 for *size* bytes."""
    return (size * 4 + 2) // 3


def _extras(ttl: int | None, count: int, made: list[None]) -> dict[str, int]:
    """The fifth element of a version 2 entry; appends to *made*."""
    made.append(None)
    extras = {}
    if ttl is not None:
        extras["t"] = ttl
    if count != 1:
        extras["n"] = count
    return extras


def _read_extras(extras: object) -> tuple[int | None, int]:
    """The ``ttl`` and count of a version 2 entry's fifth element."""
    if type(extras) is not dict or not extras or not _EXTRA_KEYS.issuperset(extras):
        raise _Malformed("bad entry")
    ttl = extras.get("t", 1)
    count = extras.get("n", 2)
    # Absent keys take valid stand-ins, so that a present one is checked
    # strictly ("t": null is malformed, not "no ttl").
    if type(ttl) is not int or ttl < 1 or type(count) is not int or count < 2:
        raise _Malformed("bad entry")
    return (ttl if "t" in extras else None), (count if "n" in extras else 1)


class FlashCodec:
    """Encode and decode flash messages as a signed cookie value.

    :param secret_key: signs new tokens and verifies incoming ones.
    :param fallback_keys: older keys that still verify but never sign.
    :param max_age: seconds a message may wait unread, checked against the
        signed timestamp; ``None`` for no limit.
    :param clock: returns the current Unix time; tests replace it.
    :param scope: the cookie the tokens are written to, as
        :func:`~flashmw._cookie.cookie_scope` spells it; tokens verify only
        under the scope they were signed for.

    Keys are derived once here, with itsdangerous' own HMAC derivation, so
    signing a token costs one HMAC and nothing else.
    """

    def __init__(
        self,
        secret_key: str | bytes,
        fallback_keys: Sequence[str | bytes] = (),
        *,
        max_age: int | None = 3600,
        clock: Callable[[], float] = time.time,
        scope: str = DEFAULT_SCOPE,
    ) -> None:
        self._signer = make_signer(
            check_keys(secret_key, fallback_keys), salt_for(scope)
        )
        self.max_age = max_age
        self.clock = clock
        self._signature_length = len(self._signer.get_signature(b""))
        # The encoded timestamp changes once a second: keep the last one
        # (one tuple, replaced whole, so concurrent requests never see half).
        # It starts as time 0's, which itsdangerous writes as no bytes at all.
        self._stamp: tuple[int, bytes] = (0, b"")

    # -- encoding -------------------------------------------------------------

    def encode(
        self, messages: Sequence[Message], max_length: int, *, now: int | None = None
    ) -> Encoded:
        """Sign *messages* into a value of at most *max_length* characters.

        When they do not all fit, a message too large to fit even alone is
        left out first, then the oldest until the rest fit; the caller decides
        what to say about it. Transient messages must not be
        passed in.

        :param now: the time to sign at, instead of the clock. Ages are
            written relative to it, so signing the same messages at the same
            *now* always gives a token of the same size.
        """
        if now is None:
            now = int(self.clock())
        stamped_at, stamp = self._stamp
        if stamped_at != now:
            stamp = b64encode(int_to_bytes(now))
            self._stamp = (now, stamp)
        room = max_length - len(stamp) - self._signature_length - 2
        # A clock that stepped back makes born > now: clamp the age at zero.
        # (Unpacking and conditional expressions instead of attribute access,
        # max() and int(): this runs once per message, 20 times in S4.)
        # _extras() notes in *extended* each entry it makes, so that the
        # plain case needs no second pass to choose the version.
        extended: list[None] = []
        entries = [
            [
                category,
                text,
                now - born if now > born else 0,
                1 if isinstance(text, Markup) else 0,
            ]
            if ttl is None and count == 1
            else [
                category,
                text,
                now - born if now > born else 0,
                1 if isinstance(text, Markup) else 0,
                _extras(ttl, count, extended),
            ]
            for category, text, born, _, ttl, count in messages
        ]
        # Version 1 unless an entry carries extras, so that the tokens of
        # messages that use neither ttl nor counts stay exactly as they were.
        version = VERSION_EXTRAS if extended else VERSION
        payload = self._fit(entries, room, version)
        if payload is None:
            return self._trim(entries, room, stamp, version)
        signed = self._signer.sign(payload + _SEP + stamp)
        return Encoded(signed.decode("ascii"), 0)

    def _fit(
        self, entries: list[list[Any]], room: int, version: int = VERSION
    ) -> bytes | None:
        """The payload for *entries* if it fits in *room* characters."""
        if len(entries) > MAX_MESSAGES:
            return None
        raw = _dumps([version, entries]).encode("utf-8", "surrogatepass")
        if len(raw) > MAX_PAYLOAD_BYTES:
            return None
        if _b64_length(len(raw)) <= room:
            return b64encode(raw)
        # Compression costs more than the HMAC itself, so it is only tried when
        # it is the difference between keeping a message and dropping it.
        packed = zlib.compress(raw, 9)
        if _b64_length(len(packed)) + len(_COMPRESSED) <= room:
            return _COMPRESSED + b64encode(packed)
        return None

    def _trim(
        self, entries: list[list[Any]], room: int, stamp: bytes, version: int
    ) -> Encoded:
        """Keep as many of the newest entries as fit and sign them.

        An entry that cannot fit even alone goes first: otherwise it would
        take every older message down with it. The rest is a binary search on
        how many of the newest fit, then a look at the few counts above it.
        """
        fitting = [
            entry for entry in entries if self._fit([entry], room, version) is not None
        ]
        too_large = len(entries) - len(fitting)
        if not fitting:
            return Encoded(None, len(entries), too_large)
        best = self._fit(fitting, room, version) if too_large else None
        low = len(fitting)
        if best is None:
            top = len(fitting) - 1  # these do not all fit either
            low, high = 0, top
            while low < high:
                keep = (low + high + 1) // 2
                payload = self._fit(fitting[len(fitting) - keep :], room, version)
                if payload is None:
                    high = keep - 1
                else:
                    low, best = keep, payload
            # Compressed, more messages sometimes make a shorter payload
            # (what deflate finds depends on what stands next to it), so the
            # search can stop a few short of the most that fit: the next
            # counts up are tried too, and the largest that fits wins (from
            # low + 2: the search ends on low when low + 1 does not fit).
            for keep in range(low + 2, min(top, low + _TRIM_REACH) + 1):
                payload = self._fit(fitting[len(fitting) - keep :], room, version)
                if payload is not None:
                    low, best = keep, payload
        # One entry always fits alone, so the search found a payload.
        assert best is not None
        signed = self._signer.sign(best + _SEP + stamp)
        return Encoded(signed.decode("ascii"), len(entries) - low, too_large)

    # -- decoding -------------------------------------------------------------

    def decode(self, value: str) -> Decoded:
        """Verify and read a cookie value; never raises on untrusted input."""
        if len(value) > MAX_TOKEN_LENGTH:
            return Decoded([], "value too long")
        if not value.isascii():
            return Decoded([], "value is not ASCII")
        # Base64 decoding ignores the two spare bits of the signature's last
        # character and a trailing "=", so four spellings (and padded ones)
        # of each signature would verify. Only the one the signer writes is
        # accepted: a token has exactly one valid spelling.
        signature = value[value.rfind(".") + 1 :]
        if (
            len(signature) != self._signature_length
            or signature[-1] not in _LAST_SIGNATURE_CHAR
        ):
            return Decoded([], "bad signature")
        try:
            signed = self._signer.unsign(value)
        except BadData:
            return Decoded([], "bad signature")
        # From here on the data carries a valid signature: it was made with one
        # of our keys. A shape we do not produce means an older schema version
        # or a key used by something else, and still counts as no messages.
        try:
            return self._read(signed)
        except _Malformed as exc:
            return Decoded([], f"malformed payload: {exc}")

    def _read(self, signed: bytes) -> Decoded:
        payload, _, stamp = signed.rpartition(_SEP)
        try:
            raw_stamp = b64decode(stamp)
        except binascii.Error as exc:
            raise _Malformed("timestamp") from exc
        # As itsdangerous' bytes_to_int (at most 8 bytes, big-endian), without
        # its struct round trip.
        if len(raw_stamp) > 8:
            raise _Malformed("timestamp")
        signed_at = int.from_bytes(raw_stamp, "big")
        now = int(self.clock())
        if signed_at - now > CLOCK_SKEW:
            return Decoded([], "timestamp in the future")
        max_age = self.max_age
        if max_age is not None and now - signed_at > max_age:
            return Decoded([], "expired")
        data = self._load_payload(payload)
        if (
            type(data) is not list
            or len(data) != 2
            or type(data[0]) is not int
            or data[0] not in _VERSIONS
            or type(data[1]) is not list
            or len(data[1]) > MAX_MESSAGES
        ):
            raise _Malformed("not a version 1 or 2 payload")
        extended = data[0] == VERSION_EXTRAS
        messages: list[Message] = []
        expired = 0
        for entry in data[1]:
            if type(entry) is not list:
                raise _Malformed("bad entry")
            ttl: int | None = None
            count = 1
            if len(entry) == 4:
                # Unpacked first: checking locals is twice as fast as subscripts.
                category, text, age, html = entry
            elif len(entry) == 5 and extended:
                category, text, age, html, extras = entry
                ttl, count = _read_extras(extras)
            else:
                raise _Malformed("bad entry")
            if (
                type(category) is not str
                or type(text) is not str
                or type(age) is not int
                or age < 0
                or type(html) is not int
                or html not in (0, 1)
            ):
                raise _Malformed("bad entry")
            born = signed_at - age
            if (max_age is not None and now - born > max_age) or (
                ttl is not None and now - born > ttl
            ):
                expired += 1
                continue
            text = Markup(text) if html else text
            if ttl is None and count == 1:
                # The record's fields in full, without its Python-level
                # __new__ (see flashes.py): once per message read.
                messages.append(
                    _tuple_new(Message, (category, text, born, False, None, 1))
                )
            else:
                messages.append(Message(category, text, born, False, ttl, count))
        return Decoded(messages, None, expired)

    @staticmethod
    def _load_payload(payload: bytes) -> Any:
        compressed = payload.startswith(_COMPRESSED)
        try:
            raw = b64decode(payload[1:] if compressed else payload)
        except binascii.Error as exc:
            raise _Malformed("base64") from exc
        if compressed:
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(raw, MAX_PAYLOAD_BYTES)
            except zlib.error as exc:
                raise _Malformed("zlib") from exc
            if inflater.unconsumed_tail or not inflater.eof:
                raise _Malformed("compressed data too large or truncated")
        try:
            text = raw.decode("utf-8", "surrogatepass")
            try:
                data, end = _scan(text, 0)
                if end == len(text):
                    return data
            except (StopIteration, ValueError, RecursionError):
                pass  # decode() below raises the error, or accepts whitespace
            return _loads(text)
        except (ValueError, RecursionError) as exc:
            # ValueError covers bad UTF-8 and bad JSON; RecursionError is how
            # the json module refuses deeply nested arrays.
            raise _Malformed("json") from exc
