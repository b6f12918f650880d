"""The WSGI middleware that keeps flash messages in a signed cookie.

:class:`FlashMiddleware` wraps any WSGI application. It puts a
:class:`~flashmw.flashes.Flashes` object in each request's environ, reads the
flash cookie only if the application touches it, and appends the cookie
changes to the headers the application produces. It never buffers or wraps
the response body, so ``close()`` and ``wsgi.file_wrapper`` reach the server
untouched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ._cookie import CookieFormat
from ._http import add_cache_control, add_vary_cookie, find_cookie, is_seen, status_code
from ._warn import warn
from .api import ENVIRON_KEY, _current
from .codec import FlashCodec
from .errors import FlashOverflowError, FlashWarning
from .flashes import ConsumeMode, Flashes, Settings, check_consume
from .message import Message

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger("flashmw")

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


class FlashMiddleware:
    """Flask-style flash messages for any WSGI application.

    .. code-block:: python

        import os
        from flashmw import FlashMiddleware, flash, get_flashed_messages

        def app(environ, start_response):
            ...
            flash(environ, "Saved.", "success")
            ...

        application = FlashMiddleware(app, os.environ["FLASH_SECRET_KEY"])

    The key comes from the caller, never from the library: every worker and
    every host must use the same one. It is a security issue to ship the key
    in code or to reuse a tutorial's key; both empty, short and well-known
    keys are refused here.

    :param app: the WSGI application to wrap.
    :param secret_key: the key that signs the cookie (``str`` or ``bytes``,
        at least 16 bytes of randomness).
    :param fallback_keys: older keys that still verify cookies but never sign
        them, for rotating keys across a fleet. A list or tuple; a bare
        string is a :class:`TypeError`.
    :param max_age: seconds an unread message lives, checked against the
        signed timestamp (the browser's clock is not trusted); also the
        cookie's ``Max-Age``. ``None``: no limit and a session cookie.
    :param cookie_name: the cookie's name, an RFC 6265 token. Names starting
        with ``__Host-`` or ``__Secure-`` need ``cookie_secure=True`` (and
        ``__Host-`` the path ``/`` and no domain).
    :param cookie_path: the cookie's ``Path``.
    :param cookie_domain: the cookie's ``Domain``; ``None`` keeps the cookie to
        the host that set it.
    :param cookie_secure: ``Secure`` on every cookie (``True``), never
        (``False``), or on HTTPS requests only (``None``, from
        ``wsgi.url_scheme``: behind a TLS proxy let the server or
        ``ProxyFix`` set it; flashmw never trusts forwarded headers itself).
    :param cookie_httponly: hide the cookie from JavaScript.
    :param cookie_samesite: ``"Lax"``, ``"Strict"``, ``"None"`` (needs
        ``cookie_secure=True``) or ``None`` to leave the attribute out.
    :param max_cookie_size: the most bytes the ``Set-Cookie`` field value
        (name, value and attributes) may take, at most 4093.
    :param overflow: what happens when the messages do not fit:
        ``"drop_oldest"`` drops a message too large to fit on its own, then
        the oldest until the rest fit, and emits a
        :class:`~flashmw.FlashWarning` and a log line saying how many were
        dropped; ``"raise"`` makes ``flash()`` raise
        :class:`~flashmw.FlashOverflowError` for the message that does not
        fit, judged as if nothing read in the request were consumed (the
        response that decides consumption has not been made yet).
    :param consume: what a filtered read consumes by default: ``"all"``
        (Flask: every message) or ``"returned"`` (only those returned).
    :param cache_control: ``Cache-Control`` directives merged into a response
        that showed messages or sets or deletes the cookie, so that shared
        caches neither keep one user's messages for another nor replay a
        ``Set-Cookie``; ``None`` to leave it alone.
    """

    def __init__(
        self,
        app: WSGIApplication,
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
    ) -> None:
        if max_age is not None and (
            type(max_age) is not int or not 0 < max_age <= 400 * 86400
        ):
            # 400 days is the most any browser keeps a cookie (RFC 6265bis).
            raise ValueError(
                f"max_age must be whole seconds in 1..34560000 or None, not {max_age!r}"
            )
        self.app = app
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
        self._codec = FlashCodec(secret_key, fallback_keys, max_age=max_age)
        # The field add_cache_control() appends when a response has none,
        # made once: _finish() appends it directly in that common case.
        field: list[tuple[str, str]] = []
        if cache_control is not None:
            add_cache_control(field, cache_control)
        self._cache_control_field = field[0] if field else None
        # Shared by every request's Flashes; the clock goes through the
        # codec so that messages and cookies agree on the time.
        self._settings = Settings(
            check_consume(consume),
            self._refuse_overflow if overflow == "raise" else None,
            lambda: self._codec.clock(),
        )

        self._cookie = CookieFormat(
            cookie_name,
            path=cookie_path,
            domain=cookie_domain,
            secure=cookie_secure,
            httponly=cookie_httponly,
            samesite=cookie_samesite,
            max_age=max_age,
        )
        self._room = max_cookie_size - self._cookie.overhead
        if self._room < _MIN_ROOM:
            raise ValueError(
                f"max_cookie_size={max_cookie_size} leaves {self._room} bytes for "
                f"the value once the name and attributes are counted; "
                f"it needs {_MIN_ROOM}"
            )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        """Handle one request; see the class docstring."""
        if ENVIRON_KEY in environ:
            # Wrapped twice: the outer instance owns the cookie.
            return self.app(environ, start_response)
        # The loader gets the Cookie header when (if ever) the flashes are
        # first used; no closure or partial is made for the many requests that
        # never use them. The header, not the environ: the environ holds the
        # flashes, and a cycle back to it would keep every request's objects
        # alive until the cyclic garbage collector runs.
        flashes = Flashes(self._load, environ.get("HTTP_COOKIE"), self._settings)
        environ[ENVIRON_KEY] = flashes

        def flash_start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: OptExcInfo | None = None,
        ) -> Any:
            if flashes.loaded and not flashes.sealed:
                # After an exception (exc_info) nothing is stored, but a page
                # that read the cookie still varies on it and stays private.
                headers = self._finish(
                    flashes, environ, status, headers, exc_info is None
                )
            else:
                # Untouched flashes add nothing (most requests: tested first);
                # later changes must fail loudly all the same.
                flashes.seal(False)
            # Positional, as PEP 3333 requires, and the server's write() is
            # returned as it is.
            return start_response(status, headers, exc_info)

        token = _current.set(flashes)
        try:
            return self.app(environ, flash_start_response)
        finally:
            _current.reset(token)

    def _load(self, header: str | None) -> tuple[Sequence[Message], bool]:
        """Read the incoming messages from the ``Cookie`` header; called once,
        on first use."""
        if not header:
            return (), False
        value = find_cookie(header, self._cookie.name)
        if value is None:
            return (), False
        if not value:
            return (), True
        decoded = self._codec.decode(value)
        if decoded.problem is not None:
            # One line, without the value: the cookie is the client's and may
            # carry anything. Expiry is routine; anything else is worth a look
            # (a fleet whose hosts do not share the key shows up here).
            level = logging.INFO if decoded.problem == "expired" else logging.WARNING
            logger.log(
                level,
                "flashmw: ignored the %r cookie (%s); it will be deleted",
                self._cookie.name,
                decoded.problem,
            )
            return (), True
        if decoded.expired:
            logger.info(
                "flashmw: %d flash message(s) were older than max_age and were dropped",
                decoded.expired,
            )
        return decoded.messages, decoded.expired > 0

    def _finish(
        self,
        flashes: Flashes,
        environ: WSGIEnvironment,
        status: str,
        headers: list[tuple[str, str]],
        store: bool,
    ) -> list[tuple[str, str]]:
        """Seal loaded flashes; return the headers with the cookie changes
        (only ``Vary`` and ``Cache-Control`` unless *store*)."""
        seen = is_seen(
            environ.get("REQUEST_METHOD", "GET"), status_code(status), environ
        )
        stored = flashes.seal(seen)
        if not store:
            stored = None  # the application reported an exception
        # A new list: the application's may be a shared constant.
        headers = list(headers)
        https = environ.get("wsgi.url_scheme") == "https"
        # Any response with our Set-Cookie is private too, a deletion
        # included: a shared cache that stored one (RFC 9111 allows it, and a
        # cache that ignores Vary would serve it to all) would delete or
        # overwrite other users' messages.
        private = flashes.shown or stored is not None
        if stored is not None:
            value = self._encode(stored) if stored else None
            if value is None:
                headers.append(("Set-Cookie", self._cookie.delete(https)))
            else:
                headers.append(("Set-Cookie", self._cookie.set(value, https)))
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
        encoded = self._codec.encode(messages, self._room)
        if encoded.dropped:
            text = (
                f"{encoded.dropped} of {len(messages)} flash message(s) did not fit "
                f"in the cookie ({self._room} bytes for the value) and the oldest "
                "were dropped"
            )
            logger.warning("flashmw: %s", text)
            warn(text, FlashWarning)
        return encoded.value

    def _refuse_overflow(self, messages: Sequence[Message]) -> None:
        """The ``"raise"`` policy: refuse a flash() that would not fit."""
        encoded = self._codec.encode(messages, self._room)
        if encoded.dropped:
            raise FlashOverflowError(
                f"the flash messages no longer fit in the cookie ({self._room} bytes "
                f"for the value); {encoded.dropped} would have to be dropped",
                encoded.dropped,
            )
