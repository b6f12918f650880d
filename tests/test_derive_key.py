"""``flashmw._keys``: the checks on keys, and ``derive_key``, flashmw's own
key from a framework's key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest

from flashmw._keys import DERIVE_LABEL, check_key, check_keys, derive_key


def test_a_derived_key_is_hmac_sha256_of_the_label_and_passes_the_checks() -> None:
    key = secrets.token_hex(32)
    derived = derive_key(key)
    assert derived == hmac.new(key.encode(), DERIVE_LABEL, hashlib.sha256).hexdigest()
    assert derived == derive_key(key.encode())  # str and bytes alike
    assert derived != derive_key(secrets.token_hex(32))
    assert len(derived) == 64 and check_key(derived) == derived.encode()
    assert key not in derived


@pytest.mark.parametrize(
    ("key", "error", "match"),
    [
        ("dev", ValueError, "SECRET_KEY is 3 bytes"),
        ("", ValueError, "SECRET_KEY is empty"),
        ("django-insecure-" + "x" * 40, ValueError, "well-known"),
        (None, TypeError, "SECRET_KEY must be str or bytes"),
    ],
)
def test_a_weak_key_stays_refused_once_derived(
    key: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        derive_key(key, "SECRET_KEY")


def test_a_weak_key_is_named_secret_key_by_default() -> None:
    with pytest.raises(ValueError, match=r"^secret_key is 3 bytes long"):
        derive_key("dev")


def test_five_distinct_characters_are_enough_and_four_are_not() -> None:
    """Counted once the ends are stripped of spaces and letters lower-cased."""
    assert check_key(" ABCDEabcdeABCDE ") == b" ABCDEabcdeABCDE "
    with pytest.raises(ValueError, match="distinct"):
        check_key(" ABCDabcdABCDabcd ")


def test_repeated_fallbacks_and_the_current_key_among_them_are_dropped() -> None:
    """Fallbacks are given newest first and returned oldest first, with the
    current key last; each key once."""
    current, newer, older = (secrets.token_hex(16) for _ in range(3))
    assert check_keys(current, [newer, current, older, newer.encode(), older]) == [
        older.encode(),
        newer.encode(),
        current.encode(),
    ]
