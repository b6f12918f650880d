"""Messages outside the page: the JSON shape and the htmx ``HX-Trigger``.

The htmx header and the JSON endpoint (:mod:`flashmw.endpoint`) hand the
browser the same list, made here once::

    [{"category": "success", "message": "Saved.", "html": false, "count": 1}]

``html`` is ``true`` only for a message flashed as trusted HTML
(:class:`markupsafe.Markup`): a client must insert it as HTML then, and as
text otherwise. ``count`` is above 1 for a message flashed again while
pending, with the ``coalesce`` option.

No I/O: strings and message records in, strings out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from .message import Message

# An event name as it can stand in htmx's plain list of names and as a DOM
# event type: no commas, spaces, quotes or braces.
_EVENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,99}")

# What JavaScript's String.prototype.trim() removes: ECMAScript's WhiteSpace
# (tab, VT, FF, ZWNBSP and every Zs space) and LineTerminator characters.
# It is not str.strip()'s set, which adds U+001C..U+001F and U+0085.
_JS_WHITESPACE = (
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# Header values are Latin-1: every other character is escaped (control
# characters, CR and LF included), so no text can break the header.
_ascii_dumps = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), allow_nan=False
).encode


def check_event(event: object) -> str:
    """Return *event* if it is a valid htmx event name, else raise."""
    if type(event) is not str:
        raise TypeError(f"htmx_event must be a str, not {type(event).__name__}")
    if not _EVENT.fullmatch(event):
        raise ValueError(
            "htmx_event must be an event name (letters, digits, '_', '.', ':' "
            f"and '-', starting with a letter or '_'), not {event!r}"
        )
    return event


def as_json(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The messages as the JSON list the browser gets."""
    return [
        {
            "category": m.category,
            "message": str.__str__(m.text),
            "html": isinstance(m.text, Markup),
            "count": m.count,
        }
        for m in messages
    ]


def dumps(messages: Iterable[Message]) -> str:
    """:func:`as_json` serialised, ASCII only."""
    return _ascii_dumps(as_json(messages))


def merge_trigger(
    existing: str | None, event: str, messages: Iterable[Message]
) -> str | None:
    """The ``HX-Trigger`` value that fires *event* with *messages* as its
    detail, merged with the *existing* value the application set.

    htmx reads the header as a JSON object of events and details, or as a
    comma-separated list of event names: a list becomes an object whose
    names map to ``null`` (no detail, as htmx treats a bare name). Returns
    ``None`` when the two cannot be merged without changing what the
    application asked for: an *existing* value that is not JSON although it
    looks like it, or that already fires *event*.
    """
    events: dict[str, Any] = {}
    # The value as the browser hands it to htmx: without the optional
    # whitespace around it.
    value = "" if existing is None else existing.strip(" \t")
    if value.startswith("{"):
        try:
            # JSON that starts with "{" is an object, or is not JSON.
            events = json.loads(value)
        except ValueError:
            return None
    else:
        for name in value.split(","):
            # The name htmx fires: it trims each one with JavaScript's trim().
            name = name.strip(_JS_WHITESPACE)
            if name:
                events[name] = None
    if event in events:
        return None
    events[event] = as_json(messages)
    return _ascii_dumps(events)
