"""Validation of signing keys, done once in the middleware's constructor.

A flash cookie is only as trustworthy as its key. Keys copied from tutorials
and framework templates are public, and a short key can be brute-forced
offline from any cookie the site hands out, so both are refused outright
instead of being accepted with a warning nobody reads.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

#: Fewer bytes than this is refused: 16 random bytes is the least a key needs.
MIN_KEY_BYTES = 16

# Keys that appear in tutorials, framework docs and project templates. They
# are compared case-insensitively after stripping spaces, so "Changeme " counts.
# Keys shorter than MIN_KEY_BYTES are already refused and need not be listed.
_WELL_KNOWN = frozenset(
    {
        "ahfkkalahp9qnofnovna",
        "change-me-please",
        "changemechangeme",
        "changethissecretkey",
        "development key",
        "flask-insecure-key",
        "hard to guess string",
        "insecure-secret-key",
        "my-super-secret-key",
        "mysupersecretkey",
        "please-change-me",
        "replace-me-with-a-secret",
        "secret-key-goes-here",
        "super secret key",
        "super-secret-key",
        "supersecretkey123",
        "this-is-a-secret-key",
        "this is a secret key",
        "you-will-never-guess",
        "your-secret-key-here",
        "your_secret_key_here",
        "yoursecretkeyhere",
    }
)
# Django's startproject writes keys with this prefix to mark them as unsafe.
_WELL_KNOWN_PREFIXES = ("django-insecure-",)


def _key_bytes(key: object, what: str) -> bytes:
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, bytes):
        return key
    raise TypeError(f"{what} must be str or bytes, not {type(key).__name__}")


def check_key(key: object, what: str = "secret_key") -> bytes:
    """Return *key* as bytes, or raise if it is unusable.

    :raises TypeError: the key is neither ``str`` nor ``bytes``.
    :raises ValueError: the key is empty, shorter than :data:`MIN_KEY_BYTES`,
        made of very few distinct bytes, or a well-known example key.
    """
    raw = _key_bytes(key, what)
    if not raw:
        raise ValueError(f"{what} is empty; generate one with secrets.token_hex(32)")
    if len(raw) < MIN_KEY_BYTES:
        raise ValueError(
            f"{what} is {len(raw)} bytes long; use at least {MIN_KEY_BYTES} "
            "random bytes, for example secrets.token_hex(32)"
        )
    normal = raw.strip().lower()
    if len(set(normal)) < 5:
        raise ValueError(f"{what} repeats too few distinct characters to be secret")
    text = normal.decode("utf-8", "replace")
    if text in _WELL_KNOWN or text.startswith(_WELL_KNOWN_PREFIXES):
        raise ValueError(
            f"{what} is a well-known example key that anyone can use to forge "
            "cookies; generate one with secrets.token_hex(32)"
        )
    return raw


def check_keys(secret_key: object, fallback_keys: object) -> list[bytes]:
    """Validate the current key and the fallbacks; return them oldest first.

    The list is in the order itsdangerous expects (the last key signs, every
    key verifies). A duplicate of the current key among the fallbacks is
    dropped rather than refused: it is harmless during a rotation.

    :raises TypeError: *fallback_keys* is a bare ``str``/``bytes`` (which would
        otherwise be split into one-character keys) or not a sequence.
    """
    current = check_key(secret_key)
    if isinstance(fallback_keys, (str, bytes, bytearray)) or not isinstance(
        fallback_keys, Sequence
    ):
        raise TypeError(
            "fallback_keys must be a list or tuple of keys, not "
            f"{type(fallback_keys).__name__}; wrap a single key as [key]"
        )
    older: list[bytes] = []
    for index, key in enumerate(fallback_keys):
        raw = check_key(key, f"fallback_keys[{index}]")
        if raw != current and raw not in older:
            older.append(raw)
    # itsdangerous signs with the last key; fallbacks were given newest first.
    return [*reversed(older), current]


#: What a framework's own key is combined with to make flashmw's key from it
#: (:func:`derive_key`). Changing it invalidates every cookie signed with a
#: derived key.
DERIVE_LABEL = b"flashmw.derived-key.v1"


def derive_key(key: object, what: str = "secret_key") -> str:
    """Return flashmw's own key made from an application's *key*.

    A framework integration that defaults to the framework's key (Flask's
    ``SECRET_KEY``) never signs with that key itself: HMAC-SHA256 of
    :data:`DERIVE_LABEL` under it gives a separate key, so that a token
    flashmw signs can never be mistaken for one the framework signs with the
    same key, whatever salts either side uses. *key* is checked first, with
    *what* naming it in the error: a weak key stays weak once derived.

    :raises TypeError, ValueError: as :func:`check_key`.
    """
    return hmac.new(check_key(key, what), DERIVE_LABEL, hashlib.sha256).hexdigest()
