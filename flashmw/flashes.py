"""The per-request flash object: flash, read, peek, keep and discard.

:class:`Flashes` holds the messages of one request and decides what the next
request gets. It knows nothing about WSGI, headers or cookies: it is given a
loader for the incoming messages and, when the response is ready, it is asked
what to store. That keeps the same object usable under WSGI, ASGI or a test.

Reading follows Flask: the first read takes the whole queue (incoming
messages plus those flashed so far) and keeps it for the request, so every
later read in the request sees the same list through its own filter; a message
flashed after the first read waits for the next request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, NamedTuple

from ._warn import warn
from .errors import FlashWarning, HeadersSentError
from .message import Message, check_category, coerce_text

#: ``"all"`` consumes every message on a read, as Flask does; ``"returned"``
#: consumes only the messages a read returned (those its filter matched).
ConsumeMode = Literal["all", "returned"]
#: A category filter: one category, or any iterable of them; empty or
#: ``None`` means every category.
CategoryFilter = str | Iterable[str] | None
#: Called with the source given to :class:`Flashes`; returns the incoming
#: messages and whether the source must be rewritten even if they do not
#: change (it was invalid, or held expired messages).
Loader = Callable[[Any], "tuple[Sequence[Message], bool]"]
#: Called with the messages that would be stored, after each ``flash()``.
Guard = Callable[[Sequence[Message]], None]

_CONSUME_MODES = ("all", "returned")


def _no_messages(source: object) -> tuple[Sequence[Message], bool]:
    return (), False


class Settings(NamedTuple):
    """What every :class:`Flashes` of one middleware shares.

    One instance is made with the middleware and passed to each request's
    object, so that creating that object costs three attribute stores.
    """

    #: The default consume mode of reads, ``"all"`` or ``"returned"``.
    consume: ConsumeMode = "all"
    #: Called with what would be stored after each ``flash()``; it may raise
    #: to refuse the message (the ``"raise"`` overflow policy).
    guard: Guard | None = None
    #: Returns the current Unix time.
    clock: Callable[[], float] = time.time


_DEFAULTS = Settings()


def check_consume(consume: object) -> ConsumeMode:
    """Return *consume* if it is a valid consume mode, else raise ValueError."""
    if consume == "all":
        return "all"
    if consume == "returned":
        return "returned"
    raise ValueError(f"consume must be one of {_CONSUME_MODES}, not {consume!r}")


def _categories(category_filter: CategoryFilter) -> frozenset[str] | None:
    """The filter as a set, or ``None`` for "every category".

    A string is one category; Flask tests ``category in filter``, which turns
    a string into a substring match ("error" would match "rr"), so flashmw
    does not.
    """
    if category_filter is None or (
        type(category_filter) is tuple and not category_filter
    ):
        # The default (), on nearly every read: build no set. None, as Flask
        # accepts it, means no filter too.
        return None
    if isinstance(category_filter, str):
        return frozenset((category_filter,))
    categories = frozenset(category_filter)
    for category in categories:
        if not isinstance(category, str):
            raise TypeError(
                f"category_filter holds a {type(category).__name__}, not a str"
            )
    return categories or None


def _shape(
    messages: list[Message], with_categories: bool
) -> list[str] | list[tuple[str, str]]:
    if with_categories:
        return [(m.category, m.text) for m in messages]
    return [m.text for m in messages]


class Flashes:
    """The flash messages of one request.

    :class:`~flashmw.FlashMiddleware` creates one per request and puts it in
    ``environ["flashmw.flashes"]``. It is not thread-safe, and need not be:
    one request belongs to one thread or task.

    :param load: called with *source*, returns the incoming messages; called
        at most once, on first use, so a request that never touches its
        flashes costs nothing.
    :param source: what *load* reads from (for the middleware, the environ).
    :param settings: what all requests share: consume mode, guard, clock.
    """

    __slots__ = (
        "_load",
        "_source",
        "_settings",
        "_loaded",
        "_rewrite",
        "_queue",
        "_later",
        "_read",
        "_consume_all",
        "_consumed",
        "_kept",
        "_shown",
        "loaded",
        "sealed",
    )

    def __init__(
        self,
        load: Loader = _no_messages,
        source: object = None,
        settings: Settings = _DEFAULTS,
    ) -> None:
        self._load = load
        self._source = source
        self._settings = settings
        #: Whether the incoming messages were loaded (the cookie was read).
        #: Read-only, like :attr:`sealed`: plain attributes rather than
        #: properties because the middleware checks both on every response.
        self.loaded = False
        #: Whether :meth:`seal` was called: the response headers are made.
        self.sealed = False
        # The other attributes are set by _ensure() on first use: most
        # requests never touch their flashes, and one is created for every
        # request, so its construction is most of the middleware's cost on
        # them (benchmarks/, scenario S0).

    def _ensure(self) -> list[Message]:
        if not self.loaded:
            messages, self._rewrite = self._load(self._source)
            # Incoming messages as loaded, never mutated.
            self._loaded = list(messages)
            self.loaded = True
            # This request's messages: incoming, then flashed before the
            # first read, plus now() messages. After the first read it is
            # the cached list every read sees.
            self._queue: list[Message] = self._loaded.copy()
            # Flashed after the first read: stored for the next request.
            self._later: list[Message] = []
            self._read = False
            self._consume_all = False
            self._consumed: set[int] = set()
            self._kept = False
            self._shown = False
        return self._queue

    def __repr__(self) -> str:
        if not self.loaded:
            return "<Flashes (not loaded)>"
        return f"<Flashes {len(self._queue)} now, {len(self._later)} for next request>"

    # -- state the middleware reads ------------------------------------------

    @property
    def shown(self) -> bool:
        """Whether a read in this request returned at least one message."""
        return self.loaded and self._shown

    def _check_open(self, action: str) -> None:
        if self.sealed:
            raise HeadersSentError(
                f"cannot {action} after start_response was called: the flash "
                "cookie travels in the response headers. Change flashes before "
                "calling it (not inside a streamed body)."
            )

    # -- adding ----------------------------------------------------------------

    def flash(self, message: str, category: str = "message") -> None:
        """Queue *message* for the next request that reads flashes.

        Before the first read in this request it joins this request's queue,
        as in Flask; after it, it waits for the next request.

        :raises TypeError: *message* is not a string (or a lazy string with
            ``__html__``), or *category* is not a string.
        :raises HeadersSentError: ``start_response`` was already called.
        :raises FlashOverflowError: the overflow policy is ``"raise"`` and the
            message would not fit in the cookie.
        """
        # The common case inline (a plain str, an open object that is already
        # loaded), the helpers otherwise: this runs once per message, and the
        # four calls were a third of its cost (benchmarks/, scenario S4).
        text = message if type(message) is str else coerce_text(message)
        if type(category) is not str:
            category = check_category(category)
        if self.sealed:
            self._check_open("flash()")
        queue = self._queue if self.loaded else self._ensure()
        target = self._later if self._read else queue
        settings = self._settings
        target.append(Message(category, text, int(settings.clock())))
        if settings.guard is not None:
            try:
                settings.guard(self._stored(False))
            except BaseException:
                target.pop()
                raise

    def now(self, message: str, category: str = "message") -> None:
        """Show *message* in this request only; it is never stored.

        It joins the list that reads in this request return, even after the
        first read, and is consumed with it. Use it for a page that renders
        directly instead of redirecting.
        """
        text = coerce_text(message)
        category = check_category(category)
        clock = self._settings.clock
        self._ensure().append(Message(category, text, int(clock()), True))

    # -- reading ---------------------------------------------------------------

    def _select(self, category_filter: CategoryFilter) -> list[Message]:
        """This request's messages of the filtered categories (all by default)."""
        categories = _categories(category_filter)
        queue = self._ensure()
        if categories is None:
            return queue
        return [m for m in queue if m.category in categories]

    def get_flashed_messages(
        self,
        with_categories: bool = False,
        category_filter: CategoryFilter = (),
        *,
        consume: ConsumeMode | None = None,
    ) -> list[str] | list[tuple[str, str]]:
        """Return the messages of this request and consume them.

        :param with_categories: return ``(category, message)`` tuples instead
            of messages.
        :param category_filter: return only these categories (a string is one
            category). It filters what is returned; what is consumed depends
            on *consume*.
        :param consume: ``"all"`` consumes every message, matched or not
            (Flask's behaviour); ``"returned"`` only those returned. Defaults
            to the middleware's ``consume`` option.

        Consumption takes effect only if the response is one a person sees;
        otherwise (a redirect, an error, ``HEAD``, a prefetch) the messages
        stay for the next request.
        """
        mode = self._settings.consume if consume is None else check_consume(consume)
        selected = self._select(category_filter)
        self._read = True
        if self.sealed and not self._consume_all:
            fresh = [
                m for m in selected if not m.transient and id(m) not in self._consumed
            ]
            if fresh:
                warn(
                    f"{len(fresh)} flash message(s) were read after the response "
                    "headers were sent, so the cookie could not be cleared: they "
                    "will show again on the next request. Read flashes before "
                    "start_response is called.",
                    FlashWarning,
                )
        if mode == "all":
            self._consume_all = True
        else:
            self._consumed.update(id(m) for m in selected)
        if selected:
            self._shown = True
        return _shape(selected, with_categories)

    def peek(
        self, with_categories: bool = False, category_filter: CategoryFilter = ()
    ) -> list[str] | list[tuple[str, str]]:
        """Return what :meth:`get_flashed_messages` would, consuming nothing."""
        selected = self._select(category_filter)
        if selected:
            self._shown = True
        return _shape(selected, with_categories)

    # -- changing what is stored ---------------------------------------------

    def keep(self) -> None:
        """Keep the messages read in this request for the next request too.

        Messages given to :meth:`now` are never kept.
        """
        self._check_open("keep()")
        self._ensure()
        self._kept = True

    def discard(self, *categories: str) -> None:
        """Remove the messages of *categories*, or every message when none is
        given, from this request and from what the next request would get.
        """
        self._check_open("discard()")
        queue = self._ensure()
        drop = _categories(categories)
        if drop is None:
            queue.clear()
            self._later.clear()
        else:
            queue[:] = [m for m in queue if m.category not in drop]
            self._later[:] = [m for m in self._later if m.category not in drop]

    def clear(self) -> None:
        """Remove every message; the same as :meth:`discard` with no category."""
        self.discard()

    # -- the end of the request --------------------------------------------

    def _stored(self, seen: bool) -> list[Message]:
        if seen and self._read and not self._kept:
            if self._consume_all:
                stored = []
            else:
                consumed = self._consumed
                stored = [
                    m for m in self._queue if not m.transient and id(m) not in consumed
                ]
        else:
            stored = [m for m in self._queue if not m.transient]
        stored.extend(self._later)
        return stored

    def seal(self, seen: bool) -> list[Message] | None:
        """End the request: return what to store, or ``None`` to leave the
        stored messages as they are.

        :param seen: whether the response shows its body to a person. Only
            then are the messages read in this request consumed.

        After this, :meth:`flash`, :meth:`keep` and :meth:`discard` raise
        :class:`~flashmw.HeadersSentError`, and a first read warns.
        """
        self.sealed = True
        if not self.loaded:
            return None
        loaded = self._loaded
        stored = self._stored(seen)
        if (
            not self._rewrite
            and len(stored) == len(loaded)
            and all(a is b for a, b in zip(stored, loaded, strict=True))
        ):
            return None
        return stored
