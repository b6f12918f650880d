"""The message record shared by the codec and the per-request object.

A message is a category, a text and the second it was flashed. The text is a
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


def coerce_text(message: Any) -> str:
    """Return *message* as the text to store, or raise :class:`TypeError`.

    :class:`~markupsafe.Markup` stays Markup (trusted HTML, as in Flask).
    Any other ``str`` (including subclasses such as Django's ``SafeString``)
    becomes a plain ``str``, and so does a lazy string (an object with
    ``__html__`` that is not a ``str``, such as a lazily translated text): it
    is rendered now and stored as text, never as safe HTML. Everything else is
    refused here, at ``flash()`` time, rather than failing when the cookie is
    written.
    """
    if type(message) is str or type(message) is Markup:
        return message
    if isinstance(message, Markup):
        return Markup(str.__str__(message))
    if isinstance(message, str):
        return str.__str__(message)
    if hasattr(message, "__html__"):
        # str() may hand back a str subclass (a SafeString, say): make it plain.
        return str.__str__(str(message))
    raise TypeError(
        f"a flashed message must be a str (or markupsafe.Markup), "
        f"not {type(message).__name__}"
    )


def check_category(category: Any) -> str:
    """Return *category* as a plain ``str``, or raise :class:`TypeError`."""
    if type(category) is str:
        return category
    if isinstance(category, str):
        return str.__str__(category)
    raise TypeError(f"a flash category must be a str, not {type(category).__name__}")
