"""The message record shared by the codec and the per-request object.

A message is a category, a text and the second it was flashed, with an
optional life of its own (``ttl``) and a count of coalesced repeats. The text is a
:class:`str`, or a :class:`markupsafe.Markup` when the application flashed
trusted HTML on purpose. Nothing here knows about WSGI or cookies.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from markupsafe import Markup


class Message(NamedTuple):
    """One flashed message.

    It is a tuple so that creating one costs next to nothing; flashmw compares
    messages by identity, never by value, to tell whether the state changed.
    """

    #: The category given to ``flash()``, ``"message"`` by default.
    category: str
    #: The text; a :class:`~markupsafe.Markup` only if it was flashed as one.
    text: str
    #: Unix time, in whole seconds, at which the message was flashed.
    born: int
    #: ``True`` for a message given to ``now()``: shown in this request only.
    transient: bool = False
    #: Seconds the message may wait unread, counted from :attr:`born` and
    #: checked against the signed time, like ``max_age``; ``None``: only
    #: ``max_age`` applies.
    ttl: int | None = None
    #: How many times the same category and text were flashed while it was
    #: pending (the ``coalesce`` option); 1 otherwise. (It hides
    #: ``tuple.count``, which nobody calls on a message: ``.count`` is the
    #: name a template author looks for.)
    count: int = 1  # type: ignore[assignment]


def _is_lazy(message: object) -> bool:
    """Whether *message* is a lazily translated text: an object with
    ``__html__`` (flask-babel's and speaklater's lazy strings) or a Django
    ``Promise`` (``gettext_lazy``), recognised by name so that flashmw never
    imports Django."""
    if hasattr(message, "__html__"):
        return True
    return any(
        cls.__name__ == "Promise" and cls.__module__ == "django.utils.functional"
        for cls in type(message).__mro__
    )


def coerce_text(message: Any) -> str:
    """Return *message* as the text to store, or raise :class:`TypeError`.

    - :class:`~markupsafe.Markup` stays Markup (trusted HTML, as in Flask),
      and so does any other ``str`` that declares ``__html__`` (Django's
      ``SafeString``): it was marked safe on purpose, and is stored as
      Markup, which Jinja2 and Django templates both honour.
    - Any other ``str`` (subclasses included) becomes a plain ``str``.
    - A lazy translation (flask-babel's ``lazy_gettext``, Django's
      ``gettext_lazy``) is rendered now, in the current language, and stored
      as plain text: its ``__html__`` says nothing about whether the
      translated text is safe HTML, so it is escaped like any text.
    - Everything else is refused here, at ``flash()`` time, rather than
      failing when the cookie is written.
    """
    if type(message) is str or type(message) is Markup:
        return message
    if isinstance(message, str):
        if hasattr(message, "__html__"):
            return Markup(str.__str__(message))
        return str.__str__(message)
    if _is_lazy(message):
        # str() may hand back a str subclass (a SafeString, say): make it plain.
        return str.__str__(str(message))
    raise TypeError(
        "a flashed message must be a str (markupsafe.Markup and lazy "
        f"translations included), not {type(message).__name__}"
    )


def check_category(category: Any) -> str:
    """Return *category* as a plain ``str``, or raise :class:`TypeError`."""
    if type(category) is str:
        return category
    if isinstance(category, str):
        return str.__str__(category)
    raise TypeError(f"a flash category must be a str, not {type(category).__name__}")


def check_ttl(ttl: Any) -> int | None:
    """Return *ttl* if it is a valid per-message life (whole seconds, at
    least 1, or ``None``), else raise :class:`TypeError` or
    :class:`ValueError`."""
    if ttl is None:
        return None
    if type(ttl) is not int:
        raise TypeError(f"ttl must be whole seconds (an int) or None, not {ttl!r}")
    if ttl < 1:
        raise ValueError(f"ttl must be at least 1 second, not {ttl}")
    return ttl
