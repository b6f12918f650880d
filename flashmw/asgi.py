"""The ASGI driver: flash messages in a signed cookie for any ASGI application.

:class:`FlashMiddleware` wraps any ASGI 3 application (Starlette, FastAPI,
Litestar, Quart, Django's ASGI handler, a bare coroutine). It puts a
:class:`~flashmw.flashes.Flashes` object in each ``http`` scope and hands the
status and headers of ``http.response.start`` to the shared rules
(:class:`~flashmw.core.FlashCore`), which add the cookie changes. Every other
message (body, trailers, ``http.response.pathsend``, zero-copy) reaches the
server as it is and nothing is buffered; ``websocket`` and ``lifespan``
scopes pass through untouched. Everything here is ASGI plumbing; the rules
live in the core, as for the WSGI driver (:mod:`flashmw.middleware`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from .api import ENVIRON_KEY, _current
from .core import MAX_COOKIE_SIZE, FlashCore, OverflowPolicy
from .flashes import Flashes

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

    from .core import FlashOptions

__all__ = [
    "MAX_COOKIE_SIZE",
    "ASGIApp",
    "FlashMiddleware",
    "OverflowPolicy",
    "ScopeRequest",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
#: An ASGI 3 application. Its arguments are ``Any`` on purpose: frameworks
#: spell scopes and messages as ``MutableMapping`` (Starlette, FastAPI) or as
#: ``TypedDict`` unions (asgiref, Quart, Litestar), and neither is a subtype
#: of the other, so a stricter type would refuse half of the applications
#: (and half of the servers' calls) this driver serves.
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def _cookie(raw: Iterable[Any]) -> str | None:
    """The ``Cookie`` header of an ASGI request, or ``None``.

    An HTTP/2 client may send each cookie in a field of its own (RFC 9113
    §8.2.3); they are joined with ``"; "``, as the HTTP/1.1 field is.
    """
    found = None
    for key, value in raw:
        if key == b"cookie":
            found = value if found is None else found + b"; " + value
    return None if found is None else found.decode("latin-1")


class ScopeRequest:
    """An ASGI request as the rules see it (a
    :class:`~flashmw.core.RequestView`), read from the scope only when the
    rules ask: one small object per response that touched flashes, nothing
    copied. Integrations over ASGI frameworks pass it to
    :meth:`~flashmw.core.FlashCore.respond` too; the WSGI twin is
    :class:`flashmw.middleware.EnvironRequest`.

    :param scope: the request's ASGI ``http`` scope.
    """

    __slots__ = ("_fields", "_scope")

    def __init__(self, scope: Mapping[str, Any]) -> None:
        self._scope = scope
        self._fields: dict[bytes, str] | None = None

    @property
    def method(self) -> str:
        """The scope's ``method``."""
        method = self._scope.get("method", "GET")
        return method if isinstance(method, str) else "GET"

    @property
    def https(self) -> bool:
        """Whether the scope's ``scheme`` is ``https`` (or ``wss``)."""
        return self._scope.get("scheme") in ("https", "wss")

    def header(self, name: str, /) -> str | None:
        """The request header *name* (lower case, as ASGI gives names),
        repeated fields joined with ``", "`` as a WSGI server joins them."""
        fields = self._fields
        if fields is None:
            # One pass over the scope's list on the first call: the rules
            # ask for up to five headers (Sec-Fetch-Dest, the purpose
            # headers, htmx's), most of which the request lacks.
            fields = self._fields = {}
            for key, value in self._scope.get("headers") or ():
                text = value.decode("latin-1")
                fields[key] = text if key not in fields else f"{fields[key]}, {text}"
        return fields.get(name.encode("latin-1"))


def _respond(
    core: FlashCore, flashes: Flashes, message: Message, scope: Scope
) -> Message:
    """``http.response.start`` with the rules' header changes: a new message
    (the application's may be a shared constant) whose header list keeps
    the application's own fields, the very objects, in their order."""
    raw = list(message.get("headers") or ())
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    changed = core.respond(flashes, message["status"], headers, ScopeRequest(scope))
    if changed is headers:  # pragma: no cover - respond() may; it does not today
        return message
    # The rules change fields in place and append new ones: a field that is
    # the same object as before is the application's, byte for byte.
    fields = [
        raw[index]
        if index < len(raw) and pair is headers[index]
        else (pair[0].lower().encode("latin-1"), pair[1].encode("latin-1"))
        for index, pair in enumerate(changed)
    ]
    return {**message, "headers": fields}


class FlashMiddleware:
    """Flask-style flash messages for any ASGI application.

    .. code-block:: python

        import os
        from starlette.applications import Starlette
        from flashmw import flash, get_flashed_messages
        from flashmw.asgi import FlashMiddleware

        app = Starlette(routes=...)
        app.add_middleware(FlashMiddleware, secret_key=os.environ["FLASH_KEY"])

        # in a view:
        flash(request.scope, "Saved.", "success")
        get_flashed_messages(request.scope, with_categories=True)

    It takes the same options as the WSGI :class:`flashmw.FlashMiddleware`
    and writes the same cookie, so a WSGI and an ASGI application sharing
    the key and the path read each other's messages. ``Secure`` follows the
    scope's ``scheme`` (set by the server, e.g. uvicorn's
    ``--proxy-headers`` behind a trusted proxy).

    The per-request object is ``scope["flashmw.flashes"]``; the helpers of
    :mod:`flashmw` take the scope as they take a WSGI environ. While the
    application runs, the Jinja global (:mod:`flashmw.jinja`) finds it in a
    context variable, which every task and every thread Starlette runs a sync
    view in (with a copy of the context) sees as its own.

    The response headers are final once ``http.response.start`` is sent: a
    read after it (a streamed body) warns and shows the messages again next
    time, and :func:`~flashmw.flash` after it raises
    :class:`~flashmw.HeadersSentError`. An application that raises before
    sending ``http.response.start`` stores nothing: the server's error
    response does not pass through here. An error page sent by a framework
    inside the wrapped application is a ``5xx`` like any other, which keeps
    the messages that were read.

    :param app: the ASGI application to wrap.
    :param secret_key: the key that signs the cookie.
    :param options: the WSGI middleware's keyword options
        (:class:`~flashmw.core.FlashOptions`).
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | bytes,
        **options: Unpack[FlashOptions],
    ) -> None:
        self.app = app
        #: The shared rules, with the validated options.
        self.core: FlashCore = FlashCore(secret_key, **options)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Handle one ``http`` request (or pass another scope through); see
        the class docstring."""
        if scope["type"] != "http" or ENVIRON_KEY in scope:
            # Websockets and lifespan carry no flashes; wrapped twice, the
            # outer instance owns the cookie.
            return await self.app(scope, receive, send)
        core = self.core
        flashes = core.flashes(_cookie(scope.get("headers") or ()))
        # A copy, as the ASGI spec asks of middleware that changes the scope:
        # the server's dict stays as it was.
        copy: Scope = {**scope, ENVIRON_KEY: flashes}

        async def flash_send(message: Message) -> None:
            # http.response.start carries the status and the headers: where
            # the rules decide, as start_response is under WSGI. ASGI has no
            # exc_info: an application that raises before it sends nothing
            # here, and the server's 500 never passes through.
            if message["type"] == "http.response.start" and not core.untouched(flashes):
                message = _respond(core, flashes, message, copy)
            await send(message)

        token = _current.set(flashes)
        try:
            await self.app(copy, receive, flash_send)
        finally:
            _current.reset(token)
