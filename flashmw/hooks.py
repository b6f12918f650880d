"""Life-cycle hooks: be told when messages are added, shown, consumed,
dropped or rejected, for metrics and logs.

.. code-block:: python

    from flashmw.hooks import FlashHooks

    class Metrics(FlashHooks):
        def rejected(self, reason):
            TAMPERED.labels(reason).inc()

        def dropped(self, count, reason):
            DROPPED.labels(reason).inc(count)

    app = FlashMiddleware(app, key, hooks=Metrics())

Every driver takes the ``hooks`` option and calls the same methods at the
same moments, from the request's thread or task. A hook that raises is
logged on the ``flashmw`` logger, with its traceback, and the page is served
as if it had not been called. When no hooks are given, nothing is called
and nothing is spent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .message import Message

logger: logging.Logger = logging.getLogger("flashmw")

#: The methods a hooks object has, each called for one event.
EVENTS = ("added", "shown", "consumed", "dropped", "rejected")


class FlashHooks:
    """The hooks, each a method that does nothing: subclass it and override
    the events you want.

    Messages are :class:`~flashmw.message.Message` records
    (``.category``, ``.text``, ``.count``, ...). A reason is a short phrase,
    never a cookie's value: the value is the client's and may carry
    anything.
    """

    def added(self, message: Message) -> None:
        """``flash()`` or ``now()`` added *message* (or, when coalescing,
        counted it again: then its ``count`` is above 1)."""

    def shown(self, messages: Sequence[Message]) -> None:
        """A read returned *messages* (each message once per request), or
        they were delivered to htmx."""

    def consumed(self, messages: Sequence[Message]) -> None:
        """The response consumed *messages*: the next request will not get
        them."""

    def dropped(self, count: int, reason: str) -> None:
        """*count* messages were lost: ``"expired"`` (older than ``max_age``
        or their ``ttl`` when the cookie was read), ``"too large"`` (one
        message larger than the cookie can hold) or ``"oldest"`` (the
        oldest, to make room in the cookie for newer ones)."""

    def rejected(self, reason: str) -> None:
        """No flash cookie of the request verified: *reason* is why the one
        that came closest did not (``"bad signature"``, ``"expired"``,
        ``"malformed payload: ..."``, ``"value too long"``, ...). The cookie
        will be deleted."""


def check_hooks(hooks: object) -> Any:
    """Return *hooks* if it has every event method, else raise TypeError.

    It need not subclass :class:`FlashHooks`: any object with the five
    methods will do.
    """
    if hooks is None:
        return None
    missing = [name for name in EVENTS if not callable(getattr(hooks, name, None))]
    if missing:
        raise TypeError(
            f"hooks must have the methods {', '.join(EVENTS)} (subclass "
            f"flashmw.hooks.FlashHooks); {type(hooks).__name__} lacks "
            f"{', '.join(missing)}"
        )
    return hooks


def call(hooks: FlashHooks, event: str, *args: Any) -> None:
    """Call one hook; log, never raise, when it fails.

    A hook is for metrics and logs: its failure must never cost a user the
    page or the messages.
    """
    try:
        getattr(hooks, event)(*args)
    except Exception:
        logger.exception("the flashmw %r hook of %r raised", event, hooks)
