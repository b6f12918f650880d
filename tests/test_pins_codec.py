"""The codec's rules at their exact boundaries: the budget, the trim search
and the limits on what a cookie may hold."""

from __future__ import annotations

import hashlib
import json
import zlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from itsdangerous import TimestampSigner
from pins_support import (
    GOLDEN_BUDGET,
    GOLDEN_COMPRESSED_LENGTH,
    GOLDEN_COMPRESSED_SHA256,
    GOLDEN_MESSAGES,
    KEY,
    NOW,
    Clock,
    b64,
    incompressible,
    make_codec,
    sign,
    sign_json,
    stamp,
)
from strategies import message_lists

from flashmw._cookie import cookie_scope
from flashmw.codec import (
    DEFAULT_SALT,
    MAX_MESSAGES,
    MAX_PAYLOAD_BYTES,
    MAX_TOKEN_LENGTH,
    FlashCodec,
)
from flashmw.message import Message


def msg(text: str, born: int = NOW, category: str = "message") -> Message:
    return Message(category, text, born)


def payload_json(entries: list[list[object]]) -> bytes:
    return json.dumps([1, entries], separators=(",", ":")).encode()


# -- the budget, exactly -------------------------------------------------------


@pytest.mark.parametrize("size", [40, 41, 42])
def test_a_plain_token_of_exactly_the_budget_fits_and_one_byte_less_does_not(
    size: int,
) -> None:
    """Three sizes: one for each length of the last base64 group."""
    codec = make_codec()
    # Too short for zlib to win: its header and checksum cost more.
    messages = [msg(incompressible(size, 1))]
    token = codec.encode(messages, 10_000).value
    assert token is not None and not token.startswith(".")
    assert codec.encode(messages, len(token)) == (token, 0, 0)
    assert codec.encode(messages, len(token) - 1) == (None, 1, 1)


@pytest.mark.parametrize("size", [10, 11, 12])
def test_a_compressed_token_of_exactly_the_budget_fits_and_one_less_does_not(
    size: int,
) -> None:
    """Three sizes: one for each length of the last base64 group."""
    codec = make_codec()
    messages = [msg(incompressible(size, 7) + "Saved. " * 100)]
    plain = codec.encode(messages, 10_000).value
    assert plain is not None and not plain.startswith(".")
    packed = codec.encode(messages, len(plain) - 1).value
    assert packed is not None and packed.startswith(".")
    assert codec.encode(messages, len(packed)) == (packed, 0, 0)
    assert codec.encode(messages, len(packed) - 1) == (None, 1, 1)


@given(message_lists, st.integers(min_value=150, max_value=4093))
def test_a_token_fits_a_budget_of_exactly_its_length(
    messages: list[Message], budget: int
) -> None:
    codec = make_codec()
    encoded = codec.encode(messages, budget)
    if encoded.value is not None and encoded.dropped == 0:
        assert codec.encode(messages, len(encoded.value)) == encoded


def test_the_compressed_token_is_golden() -> None:
    """Pins the compression level too: each zlib level gives another token.
    To regenerate after a deliberate change, see tests/pins_support.py."""
    value = make_codec().encode(GOLDEN_MESSAGES, GOLDEN_BUDGET).value
    assert value is not None and value.startswith(".")
    assert len(value) == GOLDEN_COMPRESSED_LENGTH
    assert hashlib.sha256(value.encode()).hexdigest() == GOLDEN_COMPRESSED_SHA256


# -- the trim search -------------------------------------------------------------


def test_when_only_the_newest_fits_with_the_others_exactly_it_is_kept() -> None:
    codec = make_codec()
    # Each fits alone (about 1,600 of 2,000 bytes), no two fit together.
    messages = [msg(incompressible(1200, seed)) for seed in range(5)]
    for message in messages:
        assert codec.encode([message], 2000).dropped == 0
    encoded = codec.encode(messages, 2000)
    assert encoded.dropped == 4
    assert encoded.value is not None
    assert codec.decode(encoded.value).messages == [messages[-1]]


@given(
    st.lists(st.integers(min_value=0, max_value=1500), min_size=1, max_size=12),
    st.integers(min_value=200, max_value=4093),
    st.integers(min_value=0, max_value=2**16),
)
def test_the_kept_newest_fit_and_one_more_does_not(
    sizes: list[int], budget: int, seed: int
) -> None:
    codec = make_codec()
    messages = [msg(incompressible(size, seed + i)) for i, size in enumerate(sizes)]
    encoded = codec.encode(messages, budget)
    fitting = [m for m in messages if codec.encode([m], budget).dropped == 0]
    if encoded.value is None:
        assert not fitting and encoded.dropped == len(messages)
        return
    kept = codec.decode(encoded.value).messages
    assert len(encoded.value) <= budget
    assert encoded.dropped == len(messages) - len(kept)
    assert kept == fitting[len(fitting) - len(kept) :]
    if len(kept) < len(fitting):
        one_more = fitting[len(fitting) - len(kept) - 1 :]
        assert codec.encode(one_more, budget).dropped > 0


# Eleven similar messages (the same text with a few characters changed, as a
# form's repeated errors are): compressed, the newest 6 need a longer token
# than the newest 7, so a binary search on the count that probes 6 settles on
# 5, where 7 fit.
SIMILAR = [
    ("success", "x x pxnk ycur", 984),
    ("error", "2b3 x ok your", 986),
    ("info", "xrx x oi 5our", 966),
    ("success", "x i x5ok your", 957),
    ("error", "x x x ok your", 999),
    ("success", "x g x ok your", 969),
    ("error", "x x x ok your", 981),
    ("info", "x y x ok your", 982),
    ("success", "x x nvok your", 981),
    ("info", "x 5 x ok yokr", 995),
    ("info", "x x x ok oour", 971),
]


@pytest.mark.parametrize(
    ("ttl", "budget"), [(None, 181), (600, 197)], ids=["plain", "with a ttl"]
)
def test_the_most_newest_messages_that_fit_are_kept_even_compressed(
    ttl: int | None, budget: int
) -> None:
    # The clock at 1,000: the timestamp's length is part of the budget. With
    # a ttl the payload is version 2, which every count tried must write.
    codec = make_codec(now=1000)
    messages = [Message(c, text, born, False, ttl) for c, text, born in SIMILAR]

    def fit(count: int) -> bool:
        return codec.encode(messages[-count:], budget).dropped == 0

    assert [fit(count) for count in range(5, 9)] == [True, False, True, False]
    encoded = codec.encode(messages, budget)
    assert (encoded.dropped, encoded.too_large) == (4, 0)
    assert encoded.value is not None
    assert codec.decode(encoded.value).messages == messages[-7:]
    assert not any(fit(count) for count in range(8, len(messages) + 1))
    # The newest 8: the most that fit is then all but the oldest, the last
    # count the search can try.
    encoded = codec.encode(messages[-8:], budget)
    assert encoded.dropped == 1
    assert encoded.value is not None
    assert codec.decode(encoded.value).messages == messages[-7:]


def _a2(seed: bytes, size: int) -> str:
    """*size* characters of "a" and "2", one per bit of a hash of *seed*:
    text that only fits compressed."""
    bits = hashlib.shake_256(seed).digest(size // 8)
    return "".join("a2"[byte >> shift & 1] for byte in bits for shift in range(8))


def _b64_length(data: bytes) -> int:
    return len(b64(data))


def test_a_message_kept_beside_one_too_large_keeps_its_ttl() -> None:
    """What is left once a message too large is dropped is signed in the
    payload version its messages need: version 2, for the ttl."""
    codec = make_codec()
    short = Message("info", "short", NOW, False, 30)
    encoded = codec.encode([short, msg(incompressible(5000, 3))], 4000)
    assert encoded.dropped == encoded.too_large == 1
    assert encoded.value is not None
    assert codec.decode(encoded.value) == ([short], None, 0)


@pytest.mark.parametrize(
    "newest",
    [
        pytest.param(msg(incompressible(100, 5)), id="plain"),
        pytest.param(
            Message("info", _a2(b"5", 200), NOW, False, 2), id="compressed, ttl"
        ),
    ],
)
def test_a_message_that_fits_alone_exactly_is_not_too_large(newest: Message) -> None:
    """At a budget of exactly its token's length, the newest message fits
    alone: with an older one it is kept, and nothing counts as too large.
    Whether it fits alone is judged in the payload it is written in."""
    codec = make_codec()
    alone = codec.encode([newest], 10_000).value
    assert alone is not None
    if newest.ttl is not None:
        # Compressed, the same entry in a version 1 payload would be longer:
        # only the version 2 payload fits the budget below.
        entry = [newest.category, newest.text, 0, 0, {"t": newest.ttl}]
        v1, v2 = (
            json.dumps([v, [entry]], separators=(",", ":")).encode() for v in (1, 2)
        )
        assert _b64_length(zlib.compress(v1, 9)) > _b64_length(zlib.compress(v2, 9))
        alone = codec.encode([newest], len(alone) - 1).value
        assert alone is not None and alone.startswith(".")
    older = Message("info", "older", NOW)
    assert codec.encode([older, newest], len(alone)) == (alone, 1, 0)


# -- limits at their boundaries ------------------------------------------------------


def test_more_than_max_messages_drop_exactly_the_excess() -> None:
    codec = make_codec()
    encoded = codec.encode([msg("") for _ in range(MAX_MESSAGES + 20)], 4000)
    assert encoded.dropped == 20
    assert encoded.value is not None
    assert len(codec.decode(encoded.value).messages) == MAX_MESSAGES


def test_max_messages_are_accepted_and_one_more_is_not() -> None:
    codec = make_codec()
    entry: list[object] = ["", "", 0, 0]
    most = sign_json(payload_json([entry] * MAX_MESSAGES), compress=True)
    assert len(codec.decode(most).messages) == MAX_MESSAGES
    over = sign_json(payload_json([entry] * (MAX_MESSAGES + 1)), compress=True)
    assert codec.decode(over).problem == (
        "malformed payload: not a version 1 or 2 payload"
    )


def _padded_json(size: int) -> bytes:
    raw = payload_json([["message", "", 0, 0]])
    raw = payload_json([["message", "a" * (size - len(raw)), 0, 0]])
    assert len(raw) == size
    return raw


def test_a_payload_of_exactly_max_payload_bytes_is_accepted() -> None:
    codec = make_codec()
    token = sign_json(_padded_json(MAX_PAYLOAD_BYTES), compress=True)
    [message] = codec.decode(token).messages
    assert len(message.text) > MAX_PAYLOAD_BYTES - 50
    too_big = sign_json(_padded_json(MAX_PAYLOAD_BYTES + 1), compress=True)
    assert codec.decode(too_big).problem == (
        "malformed payload: compressed data too large or truncated"
    )


def test_the_encoder_writes_a_payload_of_exactly_max_payload_bytes() -> None:
    codec = make_codec()
    overhead = len(payload_json([["message", "", 0, 0]]))
    largest = msg("a" * (MAX_PAYLOAD_BYTES - overhead))
    encoded = codec.encode([largest], 4000)
    assert encoded.dropped == 0 and encoded.value is not None
    assert codec.decode(encoded.value).messages == [largest]
    one_more = msg("a" * (MAX_PAYLOAD_BYTES - overhead + 1))
    assert codec.encode([one_more], 4000) == (None, 1, 1)


def _token_of_length(length: int, at: int) -> str:
    """A valid plain token of exactly *length* characters, signed at *at*."""
    codec = make_codec(now=at)
    empty = codec.encode([msg("", born=at)], 10_000).value
    assert empty is not None
    # Each 3 characters of text add 4 of base64: start just below the size.
    start = max(0, (length - len(empty)) * 3 // 4 - 4)
    for size in range(start, start + 8):
        value = codec.encode([msg("x" * size, born=at)], 10_000).value
        assert value is not None
        if len(value) >= length:
            assert len(value) == length, "no plain token has that length"
            return value
    raise AssertionError(length)


def test_a_token_of_exactly_max_token_length_is_accepted() -> None:
    # A five-byte timestamp makes a token of 4,096 characters possible.
    at = 2**32 + NOW
    token = _token_of_length(MAX_TOKEN_LENGTH, at)
    decoded = make_codec(now=at).decode(token)
    assert decoded.problem is None and len(decoded.messages) == 1


def test_a_valid_token_one_character_longer_is_refused_unread() -> None:
    token = _token_of_length(MAX_TOKEN_LENGTH + 1, NOW)
    assert make_codec().decode(token) == ([], "value too long", 0)


def test_two_expired_messages_count_as_two() -> None:
    codec = make_codec(max_age=60)
    messages = [msg("a", NOW - 100), msg("b", NOW - 61), msg("c", NOW - 60)]
    value = codec.encode(messages, 4000).value
    assert value is not None
    decoded = codec.decode(value)
    assert (decoded.messages, decoded.problem, decoded.expired) == (
        [messages[2]],
        None,
        2,
    )


def test_an_eight_byte_timestamp_with_leading_zero_bytes_is_accepted() -> None:
    codec = make_codec()
    raw = payload_json([["message", "hi", 0, 0]])
    token = sign_json(raw, when=stamp(NOW, 8))
    assert codec.decode(token).messages == [msg("hi")]
    nine = sign_json(raw, when=stamp(NOW, 9))
    assert codec.decode(nine).problem == "malformed payload: timestamp"


@pytest.mark.parametrize("entry", [b'"m"', b'{"m":"x"}', b"null", b"4"])
def test_an_entry_that_is_not_a_list_is_a_bad_entry(entry: bytes) -> None:
    token = sign_json(b"[1,[" + entry + b"]]")
    assert make_codec().decode(token) == ([], "malformed payload: bad entry", 0)


@pytest.mark.parametrize(("ttl", "count"), [(60, 1), (None, 2), (60, 3)])
def test_a_message_with_extras_from_a_clock_behind_is_read_as_new(
    ttl: int | None, count: int
) -> None:
    """A message flashed at a later time than the token is signed (a clock
    that stepped back) is written with the age 0, with a ttl or a count as
    without."""
    codec = make_codec()
    value = codec.encode([Message("m", "x", NOW + 30, False, ttl, count)], 4000).value
    assert value is not None
    assert codec.decode(value) == ([Message("m", "x", NOW, False, ttl, count)], None, 0)


def test_signed_json_with_garbage_around_it_is_refused() -> None:
    codec = make_codec()
    good = b'[1,[["message","hi",0,0]]]'
    assert codec.decode(sign(b64(good))).messages == [msg("hi")]
    for bad in (b"[1,[]]x", b"x" + good, good + b"x", good + b"]"):
        assert codec.decode(sign(b64(bad))) == ([], "malformed payload: json", 0)
        packed = sign_json(bad, compress=True)
        assert codec.decode(packed) == ([], "malformed payload: json", 0)


def test_whitespace_around_signed_json_is_accepted() -> None:
    codec = make_codec()
    assert codec.decode(sign(b64(b' [1,[["m","hi",0,0]]]\n'))).messages == [
        msg("hi", category="m")
    ]


# -- defaults, the salt and the timestamp ---------------------------------------------


def test_by_default_a_message_waits_an_hour_and_not_a_second_more() -> None:
    clock = Clock(NOW)
    codec = FlashCodec(KEY, clock=clock)
    value = codec.encode([msg("hi")], 4000).value
    assert value is not None
    clock.now = NOW + 3600
    assert codec.decode(value) == ([msg("hi")], None, 0)
    clock.now = NOW + 3601
    assert codec.decode(value) == ([], "expired", 0)


def test_a_token_is_signed_for_its_cookie_with_the_domain_in_lower_case() -> None:
    """The salt names the cookie (name, path, domain; see the codec's
    docstring), with the domain lower-cased as browsers compare it: cookies
    written before must still verify, and with any spelling of the domain."""
    token = sign(
        b64(payload_json([["message", "hi", 0, 0]])),
        salt=b"flashmw.flashes;flashmw;/app;example.com",
    )
    for domain in ("example.com", "Example.COM"):
        scope = cookie_scope("flashmw", "/app", domain)
        codec = FlashCodec(KEY, clock=Clock(), scope=scope)
        assert codec.decode(token) == ([msg("hi")], None, 0)


class _SignerAt(TimestampSigner):
    """itsdangerous' own timestamp signer, at a given time."""

    def __init__(self, now: int) -> None:
        super().__init__(
            KEY, salt=DEFAULT_SALT, key_derivation="hmac", digest_method=hashlib.sha256
        )
        self.now = now

    def get_timestamp(self) -> int:
        return self.now


@given(st.integers(min_value=0, max_value=2**40))
@example(0)
@example(1)
def test_the_first_token_of_a_codec_carries_the_time_it_is_signed_at(
    now: int,
) -> None:
    """The codec keeps the encoded time of its last token; the first is
    stamped like any other, as itsdangerous' TimestampSigner stamps it."""
    token = make_codec().encode([msg("hi", born=now)], 4000, now=now).value
    payload = b64(payload_json([["message", "hi", 0, 0]]))
    assert token == _SignerAt(now).sign(payload).decode("ascii")
