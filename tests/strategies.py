"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

from hypothesis import strategies as st
from markupsafe import Markup

from flashmw.message import Message

NOW = 1_700_000_000

#: Any text, including lone surrogates and control characters.
any_text = st.text(st.characters(codec=None, categories=None), max_size=60)
categories = st.one_of(
    st.sampled_from(["message", "success", "error", "warning", "info"]), any_text
)
texts = st.one_of(any_text, any_text.map(Markup))
messages = st.builds(
    Message,
    categories,
    texts,
    st.integers(min_value=NOW - 3000, max_value=NOW),
    # No ttl here (it would expire messages the properties expect back);
    # counts as coalescing makes them, so both schema versions are covered.
    ttl=st.none(),
    count=st.integers(min_value=1, max_value=5),
)
message_lists = st.lists(messages, max_size=40)
