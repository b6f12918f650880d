"""The WSGI driver: flash messages in a signed cookie for any WSGI application.

:class:`FlashMiddleware` wraps any WSGI application. It puts a
:class:`~flashmw.flashes.Flashes` object in each request's environ and hands
the status and headers the application produces to the shared rules
(:class:`~flashmw.core.FlashCore`), which add the cookie changes. It never
buffers or wraps the response body, so ``close()`` and ``wsgi.file_wrapper``
reach the server untouched. Everything here is WSGI plumbing; the rules live
in the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._http import status_code
from .api import ENVIRON_KEY, _current
from .core import MAX_COOKIE_SIZE, FlashCore, OverflowPolicy

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from typing_extensions import Unpack

    from .core import FlashOptions

__all__ = ["MAX_COOKIE_SIZE", "EnvironRequest", "FlashMiddleware", "OverflowPolicy"]


class _EnvironNames(dict[str, str]):
    """Header names as the environ spells them ("sec-purpose":
    "HTTP_SEC_PURPOSE"), each made once: the rules ask for the same few on
    every response."""

    def __missing__(self, name: str) -> str:
        key = self[name] = "HTTP_" + name.upper().replace("-", "_")
        return key


_ENVIRON_NAMES = _EnvironNames()


class EnvironRequest:
    """A WSGI request as the rules see it (a
    :class:`~flashmw.core.RequestView`), read from the environ only when the
    rules ask: one small object per response that touched flashes, nothing
    copied. Integrations over WSGI frameworks pass it to
    :meth:`~flashmw.core.FlashCore.respond` too.

    :param environ: the request's WSGI environ.
    """

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    @property
    def method(self) -> str:
        """``REQUEST_METHOD``."""
        method = self._environ.get("REQUEST_METHOD", "GET")
        return method if isinstance(method, str) else "GET"

    @property
    def https(self) -> bool:
        """Whether ``wsgi.url_scheme`` is ``https``."""
        return self._environ.get("wsgi.url_scheme") == "https"

    def header(self, name: str, /) -> str | None:
        """The request header *name* (lower case), from its CGI variable."""
        # PEP 3333: every HTTP_ variable is a str.
        value: str | None = self._environ.get(_ENVIRON_NAMES[name])
        return value


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
    :param coalesce: store a message flashed again while it is still
        pending once, with a count (``Message.count``; the partial shows
        "Saved. ×3").
    :param hooks: an object told when messages are added, shown, consumed,
        dropped or rejected (see :class:`~flashmw.hooks.FlashHooks`).
    :param htmx: deliver the messages an htmx response did not show in its
        ``HX-Trigger`` header (see :meth:`~flashmw.core.FlashCore.respond`).
    :param htmx_event: the name of that htmx event, ``"flashmw"`` by default.
    :param streamed_reads: ``True`` (the default): a response to a request
        that carries a flash cookie is private and varies on it even when
        the application did not read the messages, because a streamed body
        may still read them. ``False``: such a response is left as it is
        (cacheable), and a first read after the headers were sent shows
        nothing, with a :class:`~flashmw.FlashWarning`; for pages that get
        their messages from :class:`~flashmw.endpoint.FlashEndpoint`.
    """

    def __init__(
        self,
        app: WSGIApplication,
        secret_key: str | bytes,
        **options: Unpack[FlashOptions],
    ) -> None:
        self.app = app
        #: The shared rules, with the validated options.
        self.core: FlashCore = FlashCore(secret_key, **options)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        """Handle one request; see the class docstring."""
        if ENVIRON_KEY in environ:
            # Wrapped twice: the outer instance owns the cookie.
            return self.app(environ, start_response)
        core = self.core
        flashes = core.flashes(environ.get("HTTP_COOKIE"))
        environ[ENVIRON_KEY] = flashes

        def flash_start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: OptExcInfo | None = None,
        ) -> Any:
            # Every call, a second one with exc_info (an error page replacing
            # the response) included: its headers may be the ones sent.
            if not core.untouched(flashes):
                headers = core.respond(
                    flashes,
                    status_code(status),
                    headers,
                    EnvironRequest(environ),
                    failed=exc_info is not None,
                )
            # Positional, as PEP 3333 requires, and the server's write() is
            # returned as it is.
            return start_response(status, headers, exc_info)

        token = _current.set(flashes)
        try:
            return self.app(environ, flash_start_response)
        finally:
            _current.reset(token)
