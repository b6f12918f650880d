"""What the rule-pinning tests (tests/test_pins_*.py) share: a key, a clock,
a way to sign any payload as the codec does, and the golden tokens.

The golden tokens depend on the key, the clock and the signing salt. After a
deliberate change to the wire format, print the new ones with::

    .venv/bin/python tests/pins_support.py

and paste them below. ``sign()`` signs as the codec does: when the codec
changes how it derives its key, change it there too.
"""

from __future__ import annotations

import base64
import hashlib
import zlib

from itsdangerous import Signer

from flashmw.codec import DEFAULT_SALT, FlashCodec
from flashmw.message import Message

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"
NOW = 1_700_000_000


class Clock:
    """A settable clock."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_codec(max_age: int | None = 3600, now: float = NOW) -> FlashCodec:
    return FlashCodec(KEY, max_age=max_age, clock=Clock(now))


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def stamp(at: int = NOW, size: int = 4) -> bytes:
    """A timestamp as itsdangerous writes one, in *size* big-endian bytes."""
    return b64(at.to_bytes(size, "big"))


def sign(payload: bytes, when: bytes | None = None, salt: bytes = DEFAULT_SALT) -> str:
    """Sign any payload (already base64) with the codec's key and *salt*, as
    the codec would, with the encoded timestamp *when* (``stamp()`` by
    default)."""
    signer = Signer(KEY, salt=salt, key_derivation="hmac", digest_method=hashlib.sha256)
    signed = payload + b"." + (stamp() if when is None else when)
    return signer.sign(signed).decode("ascii")


def sign_json(raw: bytes, *, compress: bool = False, when: bytes | None = None) -> str:
    """Sign the JSON bytes *raw*, compressed (level 9) or not."""
    payload = b"." + b64(zlib.compress(raw, 9)) if compress else b64(raw)
    return sign(payload, when)


def incompressible(size: int, seed: int) -> str:
    """*size* characters of base64 of a hash: zlib shrinks them by a quarter at
    most, so only short ones cost more compressed."""
    return base64.b64encode(
        hashlib.shake_256(str(seed).encode()).digest(size)
    ).decode()[:size]


# -- golden tokens ---------------------------------------------------------------


def _ab(seed: bytes, size: int) -> str:
    """*size* characters of "a" and "b", one per bit of a hash of *seed*."""
    bits = hashlib.shake_256(seed).digest(size // 8)
    return "".join("ab"[byte >> shift & 1] for byte in bits for shift in range(8))


#: One message that only fits compressed, and whose compressed form differs
#: at each zlib level (level 9 is neither the shortest nor the longest), so
#: the token pins the level as well as the format.
GOLDEN_MESSAGES = [Message("info", _ab(b"golden", 10_000), NOW)]
GOLDEN_BUDGET = 4000
#: ``make_codec().encode(GOLDEN_MESSAGES, GOLDEN_BUDGET).value``, which is long:
#: its length and SHA-256.
GOLDEN_COMPRESSED_LENGTH = 2370
GOLDEN_COMPRESSED_SHA256 = (
    "fb2f0b15637015ac007804b3c9e58e476ce183e10bb7583cebd7e80404cdde97"
)


def _golden() -> dict[str, object]:
    value = make_codec().encode(GOLDEN_MESSAGES, GOLDEN_BUDGET).value
    assert value is not None
    return {
        "GOLDEN_COMPRESSED_LENGTH": len(value),
        "GOLDEN_COMPRESSED_SHA256": hashlib.sha256(value.encode()).hexdigest(),
    }


if __name__ == "__main__":  # pragma: no cover
    for name, value in _golden().items():
        print(f"{name} = {value!r}")
