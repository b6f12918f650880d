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
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ._warn import warn
from .errors import FlashWarning, HeadersSentError
from .hooks import call
from .message import Message, check_category, check_ttl, coerce_text

if TYPE_CHECKING:  # pragma: no cover
    from .hooks import FlashHooks

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
# Message(category, text, born) runs the record's Python-level __new__ to
# fill in three defaults; tuple.__new__ with every field makes the same
# record in half the time, once per flash() (benchmarks/, scenario S4).
_tuple_new = tuple.__new__


def _no_messages(source: object) -> tuple[Sequence[Message], bool]:
    return (), False


class _Fields(NamedTuple):
    """The fields of :class:`Settings`, which derives the last one."""

    consume: ConsumeMode
    guard: Guard | None
    clock: Callable[[], float]
    coalesce: bool
    hooks: FlashHooks | None
    streamed_reads: bool
    extras: bool


class Settings(_Fields):
    """What every :class:`Flashes` of one middleware shares.

    One instance is made with the middleware and passed to each request's
    object, so that creating that object costs three attribute stores.
    """

    __slots__ = ()

    def __new__(
        cls,
        consume: ConsumeMode = "all",
        guard: Guard | None = None,
        clock: Callable[[], float] = time.time,
        coalesce: bool = False,
        hooks: FlashHooks | None = None,
        streamed_reads: bool = True,
    ) -> Settings:
        """
        :param consume: the default consume mode of reads, ``"all"`` or
            ``"returned"``.
        :param guard: called with what would be stored after each
            ``flash()``; it may raise to refuse the message (the ``"raise"``
            overflow policy).
        :param clock: returns the current Unix time.
        :param coalesce: store a message flashed again while pending once,
            with a count.
        :param hooks: the life-cycle hooks
            (:class:`~flashmw.hooks.FlashHooks`), or ``None``.
        :param streamed_reads: ``False``: a first read after the response
            headers were sent shows nothing (the response was left
            cacheable); see the ``streamed_reads`` option.

        :attr:`extras` is derived: a *guard*, *coalesce* or *hooks*, so that
        ``flash()`` tests one field for the three after each message.
        """
        return super().__new__(
            cls,
            consume,
            guard,
            clock,
            coalesce,
            hooks,
            streamed_reads,
            guard is not None or coalesce or hooks is not None,
        )


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
    :param source: what *load* reads from (for the drivers, the ``Cookie``
        header).
    :param settings: what all requests share: consume mode, guard, clock.
    """

    __slots__ = (
        "_load",
        "source",
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
        "_delivered",
        "_reported",
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
        #: What the loader reads from (for the drivers, the ``Cookie``
        #: header). Read-only.
        self.source: object = source
        self._settings = settings
        #: Whether the incoming messages were loaded (the cookie was read).
        #: Read-only, like :attr:`sealed`: plain attributes rather than
        #: properties because the middleware checks both on every response.
        self.loaded: bool = False
        #: Whether :meth:`seal` was called: the response headers are made.
        self.sealed: bool = False
        # The other attributes are set by _ensure() on first use: most
        # requests never touch their flashes, and one is created for every
        # request, so its construction is most of the middleware's cost on
        # them (benchmarks/, scenario S0).

    def _ensure(self) -> list[Message]:
        if not self.loaded:
            messages, self._rewrite = self._load(self.source)
            if messages and self.sealed and not self._settings.streamed_reads:
                self._withhold(len(messages))
                messages = ()
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
            # ids of the messages deliver() handed over, and of those the
            # "shown" hook was told about; None until either happens.
            self._delivered: set[int] | None = None
            self._reported: set[int] | None = None
        return self._queue

    def _withhold(self, count: int) -> None:
        warn(
            f"{count} flash message(s) were not shown: the response headers "
            "were sent before the first read, and with streamed_reads=False "
            "such a response is left cacheable, so it may show none. Read "
            "them before start_response, or fetch them (flashmw.endpoint); "
            "they wait for the next request.",
            FlashWarning,
        )

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
                f"cannot {action} after start_response was called (under ASGI, "
                "after http.response.start was sent): the flash cookie travels "
                "in the response headers. Change flashes before the response "
                "starts (not inside a streamed body or a background task)."
            )

    # -- adding ----------------------------------------------------------------

    def flash(
        self,
        message: str,
        category: str = "message",
        # Not keyword-only, though meant to be passed by keyword: CPython
        # looks keyword-only defaults up in a dict on every call (18 ns,
        # per call of the most called method; benchmarks/, scenario S4).
        ttl: int | None = None,
        allow_duplicate: bool = True,
    ) -> None:
        """Queue *message* for the next request that reads flashes.

        Before the first read in this request it joins this request's queue,
        as in Flask; after it, it waits for the next request.

        :param ttl: seconds this message may wait unread, when that is
            shorter than ``max_age``; checked against the cookie's signed
            time, as ``max_age`` is.
        :param allow_duplicate: ``False``: do nothing if a message of the
            same category and text is already pending (it will be stored, or
            shown by this request's first read), as Pyramid's
            ``session.flash(..., allow_duplicate=False)``. With the
            ``coalesce`` option, a pending duplicate is otherwise counted
            instead of added.

        :raises TypeError: *message* is not a string (or a lazy string with
            ``__html__``), or *category* is not a string.
        :raises ValueError: *ttl* is not at least 1.
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
        target.append(
            _tuple_new(Message, (category, text, int(settings.clock()), False, None, 1))
        )
        # One test for a ttl, allow_duplicate=False, a guard, coalescing and
        # hooks, in the place of the guard's own test before them: the
        # common flash() costs what it did without them (scenario S4).
        if ttl is not None or not allow_duplicate or settings.extras:
            self._flashed(target, ttl, allow_duplicate)

    def _flashed(
        self, target: list[Message], ttl: int | None, allow_duplicate: bool
    ) -> None:
        """The rest of :meth:`flash` for the message it just appended to
        *target*: its ttl, a pending duplicate, the guard and the hooks."""
        added = target.pop()
        if ttl is not None:
            ttl = check_ttl(ttl)
            added = Message(added.category, added.text, added.born, False, ttl)
        settings = self._settings
        if (settings.coalesce or not allow_duplicate) and self._repeat(
            target, added.category, added.text, ttl, allow_duplicate
        ):
            return
        target.append(added)
        if settings.guard is not None:
            try:
                settings.guard(self._stored(False))
            except BaseException:
                target.pop()
                raise
        if settings.hooks is not None:
            call(settings.hooks, "added", added)

    def _repeat(
        self,
        target: list[Message],
        category: str,
        text: str,
        ttl: int | None,
        allow_duplicate: bool,
    ) -> bool:
        """Handle a flash() of a message already pending in *target*: skip
        it, or count it (``coalesce``). Returns whether it was handled."""
        kind = type(text)
        index = next(
            (
                i
                for i, pending in enumerate(target)
                if pending.text == text
                and pending.category == category
                and type(pending.text) is kind
                and not pending.transient
            ),
            -1,
        )
        if index < 0:
            return False
        pending = target[index]
        if not allow_duplicate:
            return True
        settings = self._settings
        # The latest flash sets the time and the ttl: the repeat is as fresh
        # as the newest of its flashes. It keeps the first one's place.
        counted = Message(
            category, text, int(settings.clock()), False, ttl, pending.count + 1
        )
        target[index] = counted
        if settings.guard is not None:
            try:
                settings.guard(self._stored(False))
            except BaseException:
                target[index] = pending
                raise
        if settings.hooks is not None:
            call(settings.hooks, "added", counted)
        return True

    def now(self, message: str, category: str = "message") -> None:
        """Show *message* in this request only; it is never stored.

        It joins the list that reads in this request return, even after the
        first read, and is consumed with it. Use it for a page that renders
        directly instead of redirecting.
        """
        text = coerce_text(message)
        category = check_category(category)
        settings = self._settings
        added = Message(category, text, int(settings.clock()), True)
        self._ensure().append(added)
        if settings.hooks is not None:
            call(settings.hooks, "added", added)

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
        return _shape(self._take(category_filter, consume), with_categories)

    def read(
        self,
        category_filter: CategoryFilter = (),
        *,
        consume: ConsumeMode | None = None,
    ) -> list[Message]:
        """Return the messages of this request as records and consume them,
        as :meth:`get_flashed_messages` does.

        Each :class:`~flashmw.message.Message` has ``.category``,
        ``.text`` and ``.count`` (above 1 for a message flashed again while
        pending, with the ``coalesce`` option).
        """
        return list(self._take(category_filter, consume))

    def _take(
        self, category_filter: CategoryFilter, consume: ConsumeMode | None
    ) -> list[Message]:
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
                    "start_response is called (under ASGI, before "
                    "http.response.start is sent).",
                    FlashWarning,
                )
        if mode == "all":
            self._consume_all = True
        else:
            self._consumed.update(id(m) for m in selected)
        if selected:
            self._shown = True
            if self._settings.hooks is not None:
                self._report(selected)
        return selected

    def _report(self, messages: list[Message]) -> None:
        """Tell the ``shown`` hook about the messages it was not told of."""
        reported = self._reported
        if reported is None:
            reported = self._reported = set()
        fresh = [m for m in messages if id(m) not in reported]
        if fresh:
            reported.update(id(m) for m in fresh)
            hooks = self._settings.hooks
            assert hooks is not None
            call(hooks, "shown", fresh)

    def peek(
        self, with_categories: bool = False, category_filter: CategoryFilter = ()
    ) -> list[str] | list[tuple[str, str]]:
        """Return what :meth:`get_flashed_messages` would, consuming nothing."""
        selected = self._select(category_filter)
        if selected:
            self._shown = True
            if self._settings.hooks is not None:
                self._report(selected)
        return _shape(selected, with_categories)

    # -- delivery by the driver ------------------------------------------------

    def unread(self) -> list[Message]:
        """The messages no read of the application consumed: this request's
        queue when it was never read (or, with ``consume="returned"``, what
        no read returned), then those flashed after the first read.

        This is what :meth:`deliver` hands over; it changes nothing.
        """
        queue = self._ensure()
        if not self._read:
            pending = queue.copy()
        elif self._consume_all:
            pending = []
        else:
            consumed = self._consumed
            pending = [m for m in queue if id(m) not in consumed]
        pending.extend(self._later)
        delivered = self._delivered
        if delivered:
            pending = [m for m in pending if id(m) not in delivered]
        return pending

    def deliver(self) -> list[Message]:
        """Return :meth:`unread` and mark those messages consumed by this
        response, whatever its status: for a driver that delivers them
        outside the page (the htmx ``HX-Trigger`` header).

        :raises HeadersSentError: the response headers were already made.
        """
        self._check_open("deliver()")
        pending = self.unread()
        if pending:
            delivered = self._delivered
            if delivered is None:
                delivered = self._delivered = set()
            delivered.update(id(m) for m in pending)
            self._shown = True
            if self._settings.hooks is not None:
                self._report(pending)
        return pending

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

    def consumed(self, seen: bool) -> list[Message]:
        """The stored messages a response consumes: those read (when
        *seen*, and not kept) and those delivered. For the ``consumed``
        hook; it changes nothing."""
        if not self.loaded:
            return []
        gone = self._queue + self._later
        kept = {id(m) for m in self._stored(seen)}
        return [m for m in gone if not m.transient and id(m) not in kept]

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
        delivered = self._delivered
        if delivered:
            stored = [m for m in stored if id(m) not in delivered]
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
