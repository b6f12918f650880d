"""itsdangerous' signer, set up once per key for signing flash cookies.

The token format, the HMAC-SHA256 signature and its constant-time
verification are itsdangerous' own. What this module changes is only what
happens on every call: keys are derived (with itsdangerous' HMAC derivation)
and keyed once, and base64 goes through :mod:`binascii`. Each cookie is signed
or verified once per request, so these steps are most of the codec's cost.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Sequence

from itsdangerous import Signer
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm

# itsdangerous.encoding's base64 helpers go through want_bytes() and the
# base64 module's wrappers; binascii with the same URL-safe translation gives
# byte-identical results (decoding is non-strict, as urlsafe_b64decode is) in
# about a third of the time, and a cookie needs three of them.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def b64encode(data: bytes) -> bytes:
    """URL-safe base64 without padding, as ``itsdangerous.base64_encode``."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def b64decode(data: bytes) -> bytes:
    """The inverse of :func:`b64encode`; raises :class:`binascii.Error`."""
    padded = data + b"=" * (-len(data) % 4)
    return binascii.a2b_base64(padded.translate(_FROM_URLSAFE))


class _KeyedHMAC(HMACAlgorithm):
    """HMAC-SHA256 for itsdangerous' :class:`~itsdangerous.Signer`, with each
    key set up once.

    Setting up an HMAC key hashes it into the inner and outer pads, which
    costs about as much as the HMAC of a short cookie. The state after that
    is kept for every known key and copied for each signature (about 0.5 µs
    less per signature, see ``benchmarks/``). Copying never changes the kept
    state, so concurrent requests may share it.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        super().__init__(hashlib.sha256)
        self._keyed = {key: hmac.new(key, digestmod="sha256") for key in keys}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            return hmac.digest(key, value, "sha256")
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()


class _Signer(Signer):
    """itsdangerous' :class:`~itsdangerous.Signer` over keys derived once.

    ``key_derivation="none"`` leaves keys as they are, but only after
    comparing its name with each derivation it knows, on every call; and a
    new signature goes through the slower base64 helper above. Only these
    two steps are replaced (about 0.5 µs per cookie, see ``benchmarks/``):
    the token format, the HMAC and the verification, with its constant-time
    comparison, are itsdangerous' own.
    """

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        if secret_key is None:
            return self.secret_keys[-1]
        return want_bytes(secret_key)

    def get_signature(self, value: str | bytes) -> bytes:
        key = self.secret_keys[-1]
        return b64encode(self.algorithm.get_signature(key, want_bytes(value)))


def make_signer(keys: Sequence[bytes], salt: bytes) -> Signer:
    """A signer that signs with the last of *keys* and verifies with any.

    Each key is derived with *salt* by itsdangerous' ``"hmac"`` derivation, so
    tokens are exactly those of ``TimestampSigner(key, salt=salt,
    key_derivation="hmac", digest_method=hashlib.sha256)``.
    """
    derived = [
        Signer(
            key, salt=salt, key_derivation="hmac", digest_method=hashlib.sha256
        ).derive_key()
        for key in keys
    ]
    # The keys are already derived and salted, so "none" leaves them as they
    # are instead of deriving them again on every call.
    return _Signer(
        derived,
        key_derivation="none",
        digest_method=hashlib.sha256,
        algorithm=_KeyedHMAC(derived),
    )
