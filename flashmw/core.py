"""The rules every host shares: options, loading, and the response's changes.

:class:`FlashCore` is what a driver (the WSGI middleware, the ASGI one, a
framework integration) holds. It takes plain values and returns plain
values, and does no I/O:

- :meth:`FlashCore.flashes` makes a request's
  :class:`~flashmw.flashes.Flashes` from its ``Cookie`` header;
- :meth:`FlashCore.respond` takes the status code, the response headers and
  a way to read request headers, decides whether the response commits the
  messages' consumption and what is stored, and returns the headers with
  the ``Set-Cookie``, ``Vary`` and ``Cache-Control`` changes.

A driver only translates its host's objects into these values and back, so
the rules are written once and every host follows the same ones.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol, TypedDict

from ._cookie import CookieFormat
from ._http import (
    Headers,
    add_cache_control,
    add_vary_cookie,
    find_cookies,
    has_cookie,
)
from ._seen import HeaderGetter, is_prefetch, is_seen, is_subresource
from ._warn import warn
from .codec import FlashCodec
from .delivery import check_event, merge_trigger
from .errors import FlashOverflowError, FlashWarning
from .flashes import ConsumeMode, Flashes, Settings, check_consume
from .hooks import call, check_hooks
from .message import Message

if TYPE_CHECKING:  # pragma: no cover
    from .hooks import FlashHooks

logger: logging.Logger = logging.getLogger("flashmw")

#: Browsers ignore a ``Set-Cookie`` longer than about 4 KB (and then keep the
#: previous cookie, bringing consumed messages back); Flask warns from here on.
MAX_COOKIE_SIZE = 4093
#: Overflow policies: drop what does not fit (oldest first), or raise in flash().
OverflowPolicy = Literal["drop_oldest", "raise"]

# Spaces and tabs only around the commas: "\s" would let CR, LF and other
# line breaks into an option that ends up in a header.
_DIRECTIVES = re.compile(
    r"[0-9A-Za-z!#$%&'*+.^_`|~=\"-]+(?:[ \t]*,[ \t]*[0-9A-Za-z!#$%&'*+.^_`|~=\"-]+)*"
)
_MIN_ROOM = 128  # a budget must leave room for at least a short message


# htmx replaces the page on these: the next page shows the messages itself.
_HTMX_PAGE_CHANGES = ("hx-redirect", "hx-location", "hx-refresh")
#: The response fields (lower case) that :meth:`FlashCore.respond` reads or
#: changes besides the ``Set-Cookie`` it appends. A driver whose host keeps
#: headers apart (Django's single-valued ``HttpResponse``) may pass only
#: these and write back what comes out.
RESPONSE_FIELDS = frozenset(
    {"vary", "cache-control", "hx-trigger", *_HTMX_PAGE_CHANGES}
)


class FlashOptions(TypedDict, total=False):
    """The keyword options every driver takes, as :class:`FlashCore` does;
    see :class:`~flashmw.FlashMiddleware` for what each one means."""

    fallback_keys: Sequence[str | bytes]
    max_age: int | None
    cookie_name: str
    cookie_path: str
    cookie_domain: str | None
    cookie_secure: bool | None
    cookie_httponly: bool
    cookie_samesite: str | None
    max_cookie_size: int
    overflow: OverflowPolicy
    consume: ConsumeMode
    cache_control: str | None
    coalesce: bool
    hooks: FlashHooks | None
    htmx: bool
    htmx_event: str
    streamed_reads: bool


class RequestView(Protocol):
    """What the rules need to know about a request, from any host.

    :class:`Request` is one; a driver may pass any object with these members
    (the WSGI driver reads them from the environ only when asked).
    """

    @property
    def method(self) -> str:
        """The request method, upper case."""
        ...

    @property
    def https(self) -> bool:
        """Whether the request came over HTTPS."""
        ...

    def header(self, name: str, /) -> str | None:
        """One request header by its lower-case name; ``None`` when absent."""
        ...


class Request(NamedTuple):
    """What the rules need to know about a request, as plain values."""

    #: The request method, upper case.
    method: str
    #: Whether the request came over HTTPS (for ``Secure`` when
    #: ``cookie_secure`` is ``None``).
    https: bool
    #: Reads one request header by its lower-case name.
    header: HeaderGetter


class FlashCore:
    """The validated options and the rules that use them.

    Every driver takes the same keyword options and passes them here; see
    :class:`~flashmw.FlashMiddleware` for what each one means. The
    constructor refuses a bad option with a :class:`ValueError` or
    :class:`TypeError`, so a misconfigured application fails at startup.

    One instance serves every request, concurrently: it keeps no
    per-request state.
    """

    def __init__(
        self,
        secret_key: str | bytes,
        *,
        fallback_keys: Sequence[str | bytes] = (),
        max_age: int | None = 3600,
        cookie_name: str = "flashmw",
        cookie_path: str = "/",
        cookie_domain: str | None = None,
        cookie_secure: bool | None = None,
        cookie_httponly: bool = True,
        cookie_samesite: str | None = "Lax",
        max_cookie_size: int = MAX_COOKIE_SIZE,
        overflow: OverflowPolicy = "drop_oldest",
        consume: ConsumeMode = "all",
        cache_control: str | None = "private",
        coalesce: bool = False,
        hooks: FlashHooks | None = None,
        htmx: bool = False,
        htmx_event: str = "flashmw",
        streamed_reads: bool = True,
    ) -> None:
        if max_age is not None and (
            type(max_age) is not int or not 0 < max_age <= 400 * 86400
        ):
            # 400 days is the most any browser keeps a cookie (RFC 6265bis).
            raise ValueError(
                f"max_age must be whole seconds in 1..34560000 or None, not {max_age!r}"
            )
        if (
            type(max_cookie_size) is not int
            or not 0 < max_cookie_size <= MAX_COOKIE_SIZE
        ):
            raise ValueError(
                f"max_cookie_size must be an int in 1..{MAX_COOKIE_SIZE}, "
                f"not {max_cookie_size!r}"
            )
        if overflow not in ("drop_oldest", "raise"):
            raise ValueError(
                f"overflow must be 'drop_oldest' or 'raise', not {overflow!r}"
            )
        if cache_control is not None and not (
            isinstance(cache_control, str)
            and _DIRECTIVES.fullmatch(cache_control.strip(" \t"))
        ):
            raise ValueError(
                f"cache_control is not a list of directives: {cache_control!r}"
            )
        for name, flag in (
            ("coalesce", coalesce),
            ("htmx", htmx),
            ("streamed_reads", streamed_reads),
        ):
            if type(flag) is not bool:
                raise TypeError(f"{name} must be True or False, not {flag!r}")
        #: The name of the htmx event that carries the messages.
        self.htmx_event: str = check_event(htmx_event)
        self._htmx = htmx
        self._streamed_reads = streamed_reads
        #: The cookie's validated name and attributes.
        self.cookie: CookieFormat = CookieFormat(
            cookie_name,
            path=cookie_path,
            domain=cookie_domain,
            secure=cookie_secure,
            httponly=cookie_httponly,
            samesite=cookie_samesite,
            max_age=max_age,
        )
        #: The codec, signing for this cookie's scope only.
        self.codec: FlashCodec = FlashCodec(
            secret_key, fallback_keys, max_age=max_age, scope=self.cookie.scope
        )
        self._room = max_cookie_size - self.cookie.overhead
        if self._room < _MIN_ROOM:
            raise ValueError(
                f"max_cookie_size={max_cookie_size} leaves {self._room} bytes for "
                f"the value once the name and attributes are counted; "
                f"it needs {_MIN_ROOM}"
            )
        # The field add_cache_control() appends when a response has none,
        # made once: _protect() appends it directly in that common case.
        field: Headers = []
        if cache_control is not None:
            add_cache_control(field, cache_control)
        self._cache_control_field = field[0] if field else None
        # Under "raise", a message accepted by flash() must never be dropped
        # when the cookie is written; signing at a time fixed by the messages
        # themselves keeps every age, and so the size, what flash() measured.
        self._pinned = overflow == "raise"
        # Shared by every request's Flashes; the clock goes through the
        # codec so that messages and cookies agree on the time.
        #: What every request's :class:`~flashmw.flashes.Flashes` shares.
        self.settings: Settings = Settings(
            check_consume(consume),
            self._refuse_overflow if self._pinned else None,
            lambda: self.codec.clock(),
            coalesce,
            check_hooks(hooks),
            streamed_reads,
        )
        # A quick test before the exact scan: most Cookie headers do not
        # hold the name at all.
        self._marker = cookie_name + "="

    # -- the request ------------------------------------------------------------

    def flashes(self, cookie_header: str | None) -> Flashes:
        """A new request's flashes, reading *cookie_header* only on first use."""
        # The header, not a request object: the request holds the flashes,
        # and a cycle back to it would keep every request's objects alive
        # until the cyclic garbage collector runs.
        return Flashes(self._load, cookie_header, self.settings)

    def untouched(self, flashes: Flashes) -> bool:
        """Seal *flashes* if the application never used them, and say
        whether the response is then left exactly as it is: no flash cookie
        came with the request, so nothing can be read or changed later.

        :meth:`respond` decides the same on its own; a driver calls this
        first so that the common request (no flashes, no cookie) costs
        nothing more than this call. A request with a flash cookie is never
        untouched under the ``htmx`` option (:meth:`respond` may deliver its
        messages) and always is under ``streamed_reads=False`` otherwise.
        """
        if flashes.loaded:
            return False
        if not self.carries_cookie(flashes.source):
            flashes.seal(False)
            return True
        if self._htmx:
            # respond() may still deliver the cookie's messages to htmx.
            return False
        flashes.seal(False)
        # With streamed_reads=False a page that did not read stays as it is.
        return not self._streamed_reads

    def load(self, cookie_header: str | None) -> tuple[Sequence[Message], bool]:
        """The loader :meth:`flashes` gives each request: the incoming
        messages of *cookie_header* and whether the cookie must be rewritten.

        For a driver that builds its :class:`~flashmw.flashes.Flashes` with
        a loader of its own, to learn when a request first uses its flashes
        (the Django storage does, to keep Django's cache from storing a page
        that used them before the response's ``Vary`` is known).
        """
        return self._load(cookie_header)

    def carries_cookie(self, cookie_header: object) -> bool:
        """Whether *cookie_header* (a ``Cookie`` header, or ``None``) holds a
        cookie of this name at all, ours or not."""
        return (
            type(cookie_header) is str
            and self._marker in cookie_header
            and has_cookie(cookie_header, self.cookie.name)
        )

    def _load(self, header: str | None) -> tuple[Sequence[Message], bool]:
        """Read the incoming messages from the ``Cookie`` header; called once,
        on first use. Returns them and whether the cookie must be rewritten.

        Browsers send every cookie of the name that matches the request: one
        left on a longer path, one from a parent domain, then ours. The
        first that verifies under this cookie's scope is ours; the others
        are not, and can neither hide ours nor get it deleted. Only when
        none is ours is a bad one reported, and the deletion that follows
        can only reach a cookie of our own scope.
        """
        if not header or self._marker not in header:
            return (), False
        name = self.cookie.name
        problem: str | None = None
        for value in find_cookies(header, name):
            if not value:
                problem = problem or "empty value"
                continue
            decoded = self.codec.decode(value)
            if decoded.problem is None:
                if decoded.expired:
                    logger.info(
                        "%d flash message(s) in the %r cookie were older than "
                        "max_age or their ttl and were dropped",
                        decoded.expired,
                        name,
                    )
                    if self.settings.hooks is not None:
                        call(self.settings.hooks, "dropped", decoded.expired, "expired")
                return decoded.messages, decoded.expired > 0
            if problem is None or problem == "empty value":
                problem = decoded.problem
        if problem is None:
            return (), False
        if problem != "empty value":
            # One line, without the value: the cookie is the client's and may
            # carry anything. Expiry is routine; anything else is worth a look
            # (a fleet whose hosts do not share the key shows up here).
            logger.log(
                logging.INFO if problem == "expired" else logging.WARNING,
                "ignored the %r cookie (%s); it will be deleted",
                name,
                problem,
            )
            if self.settings.hooks is not None:
                call(self.settings.hooks, "rejected", problem)
        return (), True

    # -- the response -----------------------------------------------------------

    def respond(
        self,
        flashes: Flashes,
        code: int,
        headers: Headers,
        request: RequestView,
        *,
        failed: bool = False,
    ) -> Headers:
        """Seal *flashes* and return the response's headers with the flash
        changes. The application's list is never changed: it is returned
        as it is when nothing changes, else a new list is.

        :param code: the response's status code.
        :param headers: the headers the application made.
        :param request: the request the response answers.
        :param failed: the application reported an error (WSGI's
            ``exc_info``): nothing is stored, but a page that read the cookie
            still varies on it and stays private.

        With the ``htmx`` option, the response to an htmx request
        (``HX-Request: true``) that htmx acts on (a 2xx to a request that is
        not ``HEAD``, a prefetch or a history restore, without
        ``HX-Redirect``, ``HX-Location`` or ``HX-Refresh``) also carries the
        messages the application did not read in ``HX-Trigger``, as the
        ``htmx_event`` event, merged into the application's own field; those
        messages are consumed. A 3xx never carries them.

        The first call decides: consumption is committed only when the
        response is one a person sees. A later call (an error page that
        replaces a started response) is given the same protection, without
        a ``Set-Cookie``. A response to a request with no cookie of this
        name whose flashes were not used is returned as it is.
        """
        if self._htmx and not (failed or flashes.sealed):
            headers = self._deliver_htmx(flashes, code, headers, request)
        if not flashes.loaded or flashes.sealed:
            # Untouched flashes (most requests), or a replacement response.
            flashes.seal(False)
            carried = self.carries_cookie(flashes.source)
            if not (flashes.loaded or (carried and self._streamed_reads)):
                # With streamed_reads=False, a later read shows nothing.
                return headers
            # A later read (a streamed body, an error page) may show the
            # messages the cookie carries: the page is private already.
            return self._protect(list(headers), private=carried or flashes.loaded)
        seen = is_seen(request.method, code, request.header)
        stored = flashes.seal(seen)
        if failed:
            stored = None
        elif stored is not None and self.settings.hooks is not None:
            consumed = flashes.consumed(seen)
            if consumed:
                call(self.settings.hooks, "consumed", consumed)
        # A new list: the application's may be a shared constant.
        headers = list(headers)
        if stored is not None:
            value = self._encode(stored) if stored else None
            if value is None:
                headers.append(("Set-Cookie", self.cookie.delete(request.https)))
            else:
                headers.append(("Set-Cookie", self.cookie.set(value, request.https)))
        private = (
            flashes.shown or stored is not None or self.carries_cookie(flashes.source)
        )
        return self._protect(headers, private=private)

    def _deliver_htmx(
        self, flashes: Flashes, code: int, headers: Headers, request: RequestView
    ) -> Headers:
        """Deliver the messages the application did not read in the
        ``HX-Trigger`` header of an htmx request's response, when htmx will
        act on it; return the headers, a new list if they changed.

        htmx ignores ``HX-Trigger`` on a redirect and replaces the page on
        ``HX-Redirect``, ``HX-Location`` and ``HX-Refresh`` (that next page
        shows the messages itself), and a history restore is not an action
        of the person: none of these carries them.
        """
        header = request.header
        if (
            header("hx-request") != "true"
            or not 200 <= code < 300
            or request.method == "HEAD"
            or header("hx-history-restore-request") == "true"
            or not (flashes.loaded or self.carries_cookie(flashes.source))
            or is_prefetch(header)
            or is_subresource(header)
        ):
            return headers
        triggers = []
        for index, (name, _) in enumerate(headers):
            lowered = name.lower()
            if lowered in _HTMX_PAGE_CHANGES:
                return headers
            if lowered == "hx-trigger":
                triggers.append(index)
        pending = flashes.unread()
        if not pending:
            return headers
        existing = headers[triggers[0]][1] if len(triggers) == 1 else None
        value = (
            merge_trigger(existing, self.htmx_event, pending)
            if len(triggers) < 2
            else None
        )
        if value is None:
            # Messages that cannot be delivered wait for the next page.
            logger.warning(
                "flash messages not delivered to htmx: the response's "
                "HX-Trigger cannot take the %r event",
                self.htmx_event,
            )
            return headers
        flashes.deliver()
        headers = list(headers)
        if triggers:
            headers[triggers[0]] = (headers[triggers[0]][0], value)
        else:
            headers.append(("HX-Trigger", value))
        return headers

    def _protect(self, headers: Headers, *, private: bool) -> Headers:
        """Add ``Vary: Cookie`` (the page read or may read the cookie) and,
        when *private*, the private ``Cache-Control`` to *headers*, in place.

        A response is private when it shows messages (they are one user's),
        when the request carried a flash cookie (a read in a streamed body
        may still show its messages), or when it sets or deletes the cookie
        (a shared cache that stored it, as RFC 9111 allows, would delete or
        overwrite other users' messages, and one that ignores ``Vary`` would
        serve it to all). A page that only looked and found nothing keeps
        its caching: it varies on the cookie.
        """
        # One pass over the field names instead of one per helper: most
        # applications send neither Vary nor Cache-Control, and then both
        # are appended as they are (about 1 µs, see benchmarks/).
        names = {name.lower() for name, _ in headers}
        if "vary" in names:
            add_vary_cookie(headers)
        else:
            headers.append(("Vary", "Cookie"))
        field = self._cache_control_field
        if private and field is not None:
            if "cache-control" in names:
                add_cache_control(headers, field[1])
            else:
                headers.append(field)
        return headers

    def _encode(self, messages: list[Message]) -> str | None:
        now = max(m.born for m in messages) if self._pinned else None
        encoded = self.codec.encode(messages, self._room, now=now)
        if encoded.dropped:
            oldest = encoded.dropped - encoded.too_large
            reasons = []
            if encoded.too_large:
                reasons.append(f"{encoded.too_large} too large to fit even alone")
            if oldest:
                reasons.append(f"{oldest} oldest, to make room for newer ones")
            text = (
                f"dropped {encoded.dropped} of {len(messages)} flash message(s) "
                f"that did not fit in the {self.cookie.name!r} cookie "
                f"({self._room} bytes for the value): {' and '.join(reasons)}"
            )
            logger.warning("%s", text)
            warn(text, FlashWarning)
            hooks = self.settings.hooks
            if hooks is not None:
                if encoded.too_large:
                    call(hooks, "dropped", encoded.too_large, "too large")
                if oldest:
                    call(hooks, "dropped", oldest, "oldest")
        return encoded.value

    def _refuse_overflow(self, messages: Sequence[Message]) -> None:
        """The ``"raise"`` policy: refuse a flash() that would not fit."""
        # Never empty: it holds the message flash() has just added. Signed at
        # the time _encode() will sign at, so the size is the one written.
        now = max(m.born for m in messages)
        encoded = self.codec.encode(messages, self._room, now=now)
        if encoded.dropped:
            raise FlashOverflowError(
                f"the flash messages no longer fit in the {self.cookie.name!r} "
                f"cookie ({self._room} bytes for the value); "
                f"{encoded.dropped} would have to be dropped",
                encoded.dropped,
            )
