"""The tuned signer gives exactly what stock itsdangerous gives."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from itsdangerous import BadSignature, Signer
from itsdangerous.encoding import base64_decode, base64_encode

from flashmw._signing import b64decode, b64encode, make_signer

KEYS = [b"old-key-9e8d7c6b5a493827161504f3e2d1c0b9", b"new-key-1a2b3c4d5e6f7a8b9c0d"]
SALT = b"flashmw.flashes"


@given(st.binary(max_size=300))
# Encodings ending in each kind of character: only the padding "=" goes.
@example(b"\x00\x00\x17")  # AAAX
@example(b"\x00\x00\x3f")  # AAA_
@example(b"\x00")  # AA, from AA==
def test_base64_matches_itsdangerous(data: bytes) -> None:
    assert b64encode(data) == base64_encode(data)
    assert b64decode(b64encode(data)) == base64_decode(base64_encode(data)) == data


@given(st.binary(max_size=200))
def test_signatures_match_a_stock_signer(value: bytes) -> None:
    stock = Signer(KEYS, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256)
    tuned = make_signer(KEYS, SALT)
    assert tuned.sign(value) == stock.sign(value)
    assert tuned.unsign(stock.sign(value)) == value
    old = Signer(
        KEYS[0], salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256
    )
    assert tuned.unsign(old.sign(value)) == value


def test_a_foreign_signature_is_refused() -> None:
    other = Signer(
        b"x" * 32, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256
    )
    with pytest.raises(BadSignature):
        make_signer(KEYS, SALT).unsign(other.sign(b"value"))


def test_an_unknown_key_still_signs_correctly() -> None:
    """itsdangerous may pass any key to the algorithm; unknown ones work too."""
    signer = make_signer(KEYS, SALT)
    key = signer.derive_key(b"some other key")
    assert key == b"some other key"
    assert signer.algorithm.get_signature(key, b"v") == hmac.digest(key, b"v", "sha256")
