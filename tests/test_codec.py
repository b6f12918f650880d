"""The cookie value: signing, the schema, expiry, the byte budget and bad input."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import Signer, TimestampSigner
from markupsafe import Markup
from strategies import NOW, message_lists

from flashmw.codec import (
    CLOCK_SKEW,
    DEFAULT_SALT,
    MAX_MESSAGES,
    MAX_PAYLOAD_BYTES,
    MAX_TOKEN_LENGTH,
    FlashCodec,
)
from flashmw.message import Message

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"
OLD_KEY = "old-key-9e8d7c6b5a493827161504f3e2d1c0b9"
BUDGET = 4000
VALUE_ALPHABET = re.compile(r"[A-Za-z0-9_.-]+")


class Clock:
    """A settable clock for expiry tests."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_codec(
    key: str = KEY, fallback_keys: tuple[str, ...] = (), **kw: object
) -> FlashCodec:
    kw.setdefault("clock", Clock())
    return FlashCodec(key, fallback_keys, **kw)  # type: ignore[arg-type]


def stock_signer(key: str = KEY, salt: bytes = DEFAULT_SALT) -> TimestampSigner:
    """An itsdangerous TimestampSigner configured as the codec's wire format."""
    return TimestampSigner(
        key, salt=salt, key_derivation="hmac", digest_method=hashlib.sha256
    )


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def packed(data: bytes) -> bytes:
    """A compressed payload, as the codec writes one."""
    return b"." + b64(zlib.compress(data, 9))


def signed(
    data: object, *, raw: bytes | None = None, at: int = NOW, key: str = KEY
) -> str:
    """Sign any JSON (or raw payload bytes) the way the codec does, at time *at*."""
    signer = stock_signer(key)
    signer.get_timestamp = lambda: at  # type: ignore[method-assign]
    payload = raw if raw is not None else packed(json.dumps(data).encode())
    return signer.sign(payload).decode()


def msg(text: str, category: str = "message", born: int = NOW) -> Message:
    return Message(category, text, born)


def encode(codec: FlashCodec, messages: list[Message], budget: int = BUDGET) -> str:
    value = codec.encode(messages, budget).value
    assert value is not None
    return value


# -- round trips ---------------------------------------------------------------


def test_round_trip_keeps_order_categories_and_markup() -> None:
    codec = make_codec()
    sent = [
        msg("Saved.", "success"),
        msg("<b>bold</b>", "info"),
        msg("é ✓ 🎉", "error"),
    ]
    sent[1] = sent[1]._replace(text=Markup("<b>bold</b>"))
    decoded = codec.decode(encode(codec, sent))
    assert decoded.problem is None
    assert [(m.category, m.text) for m in decoded.messages] == [
        ("success", "Saved."),
        ("info", "<b>bold</b>"),
        ("error", "é ✓ 🎉"),
    ]
    assert type(decoded.messages[0].text) is str
    assert type(decoded.messages[1].text) is Markup


def test_lone_surrogates_and_control_characters_round_trip() -> None:
    codec = make_codec()
    text = "a\ud800b\x00\r\n\x7f"
    [back] = codec.decode(encode(codec, [msg(text, "\udfff")])).messages
    assert (back.category, back.text) == ("\udfff", text)


def test_message_ages_survive_a_rewrite() -> None:
    clock = Clock()
    codec = make_codec(clock=clock)
    value = encode(codec, [msg("old", born=NOW - 100), msg("new")])
    [old, new] = codec.decode(value).messages
    assert (old.born, new.born) == (NOW - 100, NOW)


def test_the_wire_format_is_a_stock_itsdangerous_timestamp_token() -> None:
    """Any itsdangerous TimestampSigner with the documented settings reads it."""
    value = encode(make_codec(), [msg("Saved.", "success")])
    payload, when = stock_signer().unsign(value, return_timestamp=True)
    assert int(when.timestamp()) == NOW
    assert json.loads(
        base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4))
    ) == [
        1,
        [["success", "Saved.", 0, 0]],
    ]


def test_golden_token() -> None:
    """A pinned value: any change to the wire format must be deliberate.

    The signature is over the default cookie's scope (``flashmw;/;``)."""
    value = encode(
        make_codec(), [msg("Saved.", "success", NOW - 5), msg("<i>x</i>", "info")]
    )
    assert value == (
        "WzEsW1sic3VjY2VzcyIsIlNhdmVkLiIsNSwwXSxbImluZm8iLCI8aT54PC9pPiIsMCwwXV1d"
        ".ZVPxAA.rb3x27TQciAdVXhDFPFyFvk22-Ps8MoN0_hYZfK9bWE"
    )


def test_small_payloads_are_not_compressed() -> None:
    value = encode(make_codec(), [msg("x" * 500)])
    assert not value.startswith(".")


def test_compression_is_used_when_it_makes_the_messages_fit() -> None:
    codec = make_codec()
    many = [msg(f"Saved item number {i}.", "success") for i in range(200)]
    encoded = codec.encode(many, 2000)
    assert encoded.dropped == 0
    assert encoded.value is not None and encoded.value.startswith(".")
    assert len(encoded.value) <= 2000
    assert [m.text for m in codec.decode(encoded.value).messages] == [
        m.text for m in many
    ]


# -- the budget -------------------------------------------------------------------


def incompressible(size: int, seed: int) -> str:
    return base64.b64encode(
        hashlib.shake_256(str(seed).encode()).digest(size)
    ).decode()[:size]


def test_overflow_drops_the_oldest_and_says_how_many() -> None:
    codec = make_codec()
    sent = [msg(incompressible(300, i)) for i in range(30)]
    encoded = codec.encode(sent, 4000)
    assert encoded.value is not None and len(encoded.value) <= 4000
    kept = codec.decode(encoded.value).messages
    assert encoded.dropped == 30 - len(kept) > 0
    assert [m.text for m in kept] == [m.text for m in sent[encoded.dropped :]]


def test_a_message_too_big_for_the_budget_alone_gives_no_value() -> None:
    encoded = make_codec().encode([msg(incompressible(5000, 1))], 4000)
    assert encoded == (None, 1, 1)


def test_more_than_max_messages_are_trimmed_to_the_limit() -> None:
    codec = make_codec()
    encoded = codec.encode([msg("") for _ in range(MAX_MESSAGES + 20)], 4000)
    assert encoded.dropped >= 20
    assert encoded.value is not None
    assert (
        len(codec.decode(encoded.value).messages) == MAX_MESSAGES + 20 - encoded.dropped
    )


def test_payload_that_would_inflate_past_the_cap_is_trimmed() -> None:
    codec = make_codec()
    # Highly compressible, so it would fit the budget, but the JSON is larger
    # than the decoder accepts: the encoder must never produce that.
    sent = [msg("a" * 30000), msg("b" * 30000), msg("c" * 30000)]
    encoded = codec.encode(sent, 4000)
    assert encoded.value is not None
    assert codec.decode(encoded.value).problem is None
    assert encoded.dropped >= 1


@given(message_lists, st.integers(min_value=150, max_value=4093))
def test_encoding_always_fits_and_keeps_the_newest(
    messages: list[Message], budget: int
) -> None:
    codec = make_codec()
    encoded = codec.encode(messages, budget)
    fitting = [m for m in messages if codec.encode([m], budget).value is not None]
    if encoded.value is None:
        assert encoded.dropped == len(messages) and not fitting
        return
    assert len(encoded.value) <= budget
    assert VALUE_ALPHABET.fullmatch(encoded.value)
    decoded = codec.decode(encoded.value)
    assert decoded.problem is None
    assert encoded.dropped == len(messages) - len(decoded.messages)
    # Those too large to fit alone go first, then the oldest of the rest.
    expected = fitting[len(fitting) - len(decoded.messages) :]
    assert [(m.category, m.text, type(m.text) is Markup) for m in decoded.messages] == [
        (m.category, str(m.text), isinstance(m.text, Markup)) for m in expected
    ]


@given(st.text(max_size=5000))
def test_decoding_any_text_never_raises(value: str) -> None:
    decoded = make_codec().decode(value)
    assert decoded.messages == [] and decoded.problem is not None


# -- keys ---------------------------------------------------------------------


def test_fallback_keys_verify_but_never_sign() -> None:
    old = make_codec(OLD_KEY)
    rotated = make_codec(KEY, (OLD_KEY,))
    from_old = encode(old, [msg("hello")])
    assert [m.text for m in rotated.decode(from_old).messages] == ["hello"]
    from_rotated = encode(rotated, [msg("hello")])
    assert old.decode(from_rotated).problem == "bad signature"
    assert make_codec(KEY).decode(from_rotated).problem is None


def test_a_key_rotated_out_no_longer_verifies() -> None:
    value = encode(make_codec(OLD_KEY), [msg("hello")])
    assert make_codec(KEY).decode(value).problem == "bad signature"


def test_tokens_of_the_same_key_for_another_purpose_are_refused() -> None:
    """The salt separates flashes from, say, a session signed with the same key."""
    other = stock_signer(salt=b"itsdangerous.Signer")
    other.get_timestamp = lambda: NOW  # type: ignore[method-assign]
    value = other.sign(base64.urlsafe_b64encode(b'[1,[["m","x",0,0]]]').rstrip(b"="))
    assert make_codec().decode(value.decode()).problem == "bad signature"


# -- time -----------------------------------------------------------------------


def test_expired_cookie_is_refused() -> None:
    clock = Clock()
    codec = make_codec(clock=clock, max_age=60)
    value = encode(codec, [msg("hello")])
    clock.now = NOW + 60
    assert codec.decode(value).problem is None
    clock.now = NOW + 61
    assert codec.decode(value) == ([], "expired", 0)


def test_each_message_expires_on_its_own() -> None:
    clock = Clock()
    codec = make_codec(clock=clock, max_age=60)
    value = encode(codec, [msg("old", born=NOW - 50), msg("new", born=NOW)])
    clock.now = NOW + 20
    decoded = codec.decode(value)
    assert [m.text for m in decoded.messages] == ["new"]
    assert decoded.expired == 1


def test_no_max_age_means_no_expiry() -> None:
    clock = Clock()
    codec = make_codec(clock=clock, max_age=None)
    value = encode(codec, [msg("hello", born=NOW - 10**6)])
    clock.now = NOW + 10**8
    assert [m.text for m in codec.decode(value).messages] == ["hello"]


def test_small_clock_skew_is_tolerated_but_the_future_is_not() -> None:
    codec = make_codec()
    ahead = signed([1, [["m", "x", 0, 0]]], at=NOW + CLOCK_SKEW)
    assert codec.decode(ahead).problem is None
    future = signed([1, [["m", "x", 0, 0]]], at=NOW + CLOCK_SKEW + 1)
    assert codec.decode(future).problem == "timestamp in the future"


def test_a_clock_that_stepped_back_clamps_ages_at_zero() -> None:
    codec = make_codec()
    [back] = codec.decode(encode(codec, [msg("x", born=NOW + 30)])).messages
    assert back.born == NOW


# -- bad input -----------------------------------------------------------------

Tamper = Callable[[str], str]


def flip(value: str, index: int) -> str:
    char = value[index]
    return value[:index] + ("A" if char != "A" else "B") + value[index + 1 :]


def swap_signature(value: str) -> str:
    other = encode(make_codec(), [msg("other")])
    return value.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]


TAMPERS: list[tuple[str, Tamper, str]] = [
    ("truncated", lambda v: v[:-1], "bad signature"),
    ("truncated to half", lambda v: v[: len(v) // 2], "bad signature"),
    ("payload flipped", partial(flip, index=3), "bad signature"),
    ("timestamp flipped", lambda v: flip(v, v.index(".") + 2), "bad signature"),
    ("signature flipped", partial(flip, index=-5), "bad signature"),
    ("signature swapped", swap_signature, "bad signature"),
    ("signature removed", lambda v: v.rsplit(".", 1)[0], "bad signature"),
    ("extra dot", lambda v: "." + v, "bad signature"),
    ("empty", lambda v: "", "bad signature"),
    ("not base64", lambda v: "%%%%.$$$$.!!!!", "bad signature"),
    ("NUL", lambda v: v[:5] + "\x00" + v[5:], "bad signature"),
    ("control characters", lambda v: "\x01\x02\x1b" + v, "bad signature"),
    ("non-ASCII", lambda v: v[:5] + "é" + v[5:], "value is not ASCII"),
    ("8 KB", lambda v: v + "A" * 8192, "value too long"),
    ("100 KB", lambda v: "A" * 100_000, "value too long"),
    ("wrong key", lambda v: encode(make_codec(OLD_KEY), [msg("x")]), "bad signature"),
    ("json in clear", lambda v: '[1,[["m","x",0,0]]]', "bad signature"),
]


@pytest.mark.parametrize(
    ("tamper", "problem"), [pytest.param(t, p, id=name) for name, t, p in TAMPERS]
)
def test_tampered_values_decode_to_nothing(tamper: Tamper, problem: str) -> None:
    codec = make_codec()
    value = encode(codec, [msg("hello", "success")])
    assert codec.decode(tamper(value)) == ([], problem, 0)


SHAPES: list[tuple[str, object]] = [
    ("dict", {"v": 1, "m": []}),
    ("null", None),
    ("number", 1),
    ("string", "hello"),
    ("empty list", []),
    ("version only", [1]),
    ("version 0", [0, [["m", "x", 0, 0]]]),
    ("version 3", [3, [["m", "x", 0, 0]]]),
    ("version as bool", [True, [["m", "x", 0, 0]]]),
    ("version as float", [1.0, [["m", "x", 0, 0]]]),
    ("entries not a list", [1, {"m": "x"}]),
    ("extra element", [1, [], 3]),
    ("entry too short", [1, [["m", "x", 0]]]),
    ("entry too long", [1, [["m", "x", 0, 0, 0]]]),
    ("entry not a list", [1, ["x"]]),
    ("category not str", [1, [[1, "x", 0, 0]]]),
    ("text not str", [1, [["m", ["x"], 0, 0]]]),
    ("negative age", [1, [["m", "x", -1, 0]]]),
    ("age as float", [1, [["m", "x", 0.5, 0]]]),
    ("age as bool", [1, [["m", "x", True, 0]]]),
    ("html flag 2", [1, [["m", "x", 0, 2]]]),
    ("html flag as bool", [1, [["m", "x", 0, True]]]),
    ("too many entries", [1, [["m", "", 0, 0]] * (MAX_MESSAGES + 1)]),
]


@pytest.mark.parametrize("data", [pytest.param(d, id=name) for name, d in SHAPES])
def test_signed_wrong_shapes_decode_to_nothing(data: object) -> None:
    decoded = make_codec().decode(signed(data))
    assert decoded.messages == []
    assert decoded.problem is not None and decoded.problem.startswith(
        "malformed payload"
    )


@pytest.mark.parametrize(
    "raw",
    [
        # 2 MB of JSON whitespace: it fits a cookie once compressed.
        pytest.param(
            packed(b"[1,[" + b" " * 2_000_000 + b"]]"), id="decompression bomb"
        ),
        pytest.param(packed(b"[" * 50_000 + b"]" * 50_000), id="deep nesting"),
        pytest.param(b".AAAA", id="bad zlib"),
        pytest.param(b"." + b64(zlib.compress(b"[1,[]]")[:-3]), id="truncated zlib"),
        pytest.param(b"!!!", id="no base64 at all"),
        pytest.param(b"AAAAA", id="bad base64 length"),
        pytest.param(b".AAAAA", id="bad compressed base64 length"),
        pytest.param(b64(b"\xff\xfe[1,[]]"), id="bad utf-8"),
        pytest.param(b64(b"[1, [NaN]]"), id="not json"),
    ],
)
def test_signed_garbage_payloads_decode_to_nothing(raw: bytes) -> None:
    decoded = make_codec().decode(signed(None, raw=raw))
    assert decoded.messages == []
    assert decoded.problem is not None and decoded.problem.startswith(
        "malformed payload"
    )


def test_oversized_values_are_refused_before_verifying() -> None:
    value = signed(None, raw=b64(json.dumps([1, [["m", "x", 0, 0]] * 10_000]).encode()))
    assert len(value) > MAX_TOKEN_LENGTH
    assert make_codec().decode(value).problem == "value too long"


def test_malformed_timestamp_with_a_valid_signature() -> None:
    signer = Signer(
        Signer(
            KEY, salt=DEFAULT_SALT, key_derivation="hmac", digest_method=hashlib.sha256
        ).derive_key(),
        key_derivation="none",
        digest_method=hashlib.sha256,
    )

    def decode(stamp: bytes) -> str | None:
        value = signer.sign(b64(b"[1,[]]") + b"." + stamp).decode()
        return make_codec().decode(value).problem

    assert decode(b64(b"\x01" * 9)) == "malformed payload: timestamp"
    # No digits reads as time 0, which is long expired.
    assert decode(b"") == "expired"
    assert decode(b"!!") == "expired"


def test_payload_cap_matches_the_decoder() -> None:
    assert MAX_PAYLOAD_BYTES >= 4 * MAX_TOKEN_LENGTH


def test_a_message_too_large_alone_does_not_take_older_ones_with_it() -> None:
    codec = make_codec()
    sent = [msg("Saved.", "success"), msg(incompressible(5000, 2)), msg("Next.")]
    encoded = codec.encode(sent, 4000)
    assert encoded.dropped == 1 and encoded.value is not None
    assert [m.text for m in codec.decode(encoded.value).messages] == ["Saved.", "Next."]
