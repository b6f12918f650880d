"""The environ helpers: reach the request's flash object from any view.

Any code that can see the WSGI environ (or ``request.environ``,
``request.META``, ``req.env``, ...) can flash and read messages through these
functions. They work the same under every framework because the middleware
stores the per-request :class:`~flashmw.flashes.Flashes` object in the environ.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from .errors import NotInstalledError
from .flashes import CategoryFilter, ConsumeMode, Flashes
from .message import Message

#: The environ key under which the middleware stores the request's flashes.
ENVIRON_KEY = "flashmw.flashes"

# The flashes of the request whose application call is running in this
# context. A context variable, not a global or a thread-local: each thread,
# greenlet and asyncio task sees its own, so templates rendered by the view
# find their request's messages under sync, gthread and gevent workers alike.
_current: ContextVar[Flashes | None] = ContextVar("flashmw.current", default=None)


def get_flashes(environ: Mapping[str, Any]) -> Flashes:
    """Return the :class:`~flashmw.flashes.Flashes` of the request.

    :raises NotInstalledError: :class:`~flashmw.FlashMiddleware` does not wrap
        the application that received *environ*.
    """
    try:
        flashes = environ[ENVIRON_KEY]
    except KeyError:
        raise NotInstalledError(
            f"this request has no {ENVIRON_KEY!r}: the environ (or scope) was "
            "not produced by an application wrapped in flashmw.FlashMiddleware. "
            "Install flashmw where the request arrives (WSGI: FlashMiddleware; "
            "Flask: flashmw.flask.FlashMessages(app); Django: MESSAGE_STORAGE = "
            "'flashmw.django.FlashStorage'; Pyramid: "
            "config.include('flashmw.pyramid'); Bottle: "
            "app.install(flashmw.bottle.FlashPlugin(...)); Falcon: "
            "flashmw.falcon.FlashComponent(...); ASGI: "
            "flashmw.asgi.FlashMiddleware), and pass that request's own environ "
            "or scope, not a copy or a hand-made one"
        ) from None
    if not isinstance(flashes, Flashes):
        raise NotInstalledError(
            f"environ[{ENVIRON_KEY!r}] is a {type(flashes).__name__}, not Flashes"
        )
    return flashes


def current_flashes() -> Flashes:
    """Return the flashes of the request whose application call is running.

    It is set by the middleware while it calls the wrapped application, in
    the current thread, greenlet or task. Code running outside that call (a
    streamed body, a background job) must use :func:`get_flashes` instead.

    :raises NotInstalledError: no request is being handled here.
    """
    flashes = _current.get()
    if flashes is None:
        raise NotInstalledError(
            "no request wrapped in flashmw.FlashMiddleware is being handled in "
            "this context: the template was rendered outside the application "
            "call (in a streamed body, a test or a background job), or a "
            "macro was imported without context. Render it with "
            "environ=<the request's environ> in its context, or import the "
            "macro 'with context'"
        )
    return flashes


def flash(
    environ: Mapping[str, Any],
    message: str,
    category: str = "message",
    # Meant to be passed by keyword, but not keyword-only: see Flashes.flash.
    ttl: int | None = None,
    allow_duplicate: bool = True,
) -> None:
    """Flash *message* with *category* for the request *environ* belongs to.

    The same as ``get_flashes(environ).flash(message, category, ...)``; see
    :meth:`~flashmw.flashes.Flashes.flash` for *ttl* and *allow_duplicate*.
    """
    get_flashes(environ).flash(message, category, ttl, allow_duplicate)


def get_flashed_messages(
    environ: Mapping[str, Any],
    with_categories: bool = False,
    category_filter: CategoryFilter = (),
    *,
    consume: ConsumeMode | None = None,
) -> list[str] | list[tuple[str, str]]:
    """Return and consume the messages of the request *environ* belongs to.

    The same as ``get_flashes(environ).get_flashed_messages(...)``; see
    :meth:`~flashmw.flashes.Flashes.get_flashed_messages`.
    """
    return get_flashes(environ).get_flashed_messages(
        with_categories, category_filter, consume=consume
    )


def read_messages(
    environ: Mapping[str, Any],
    category_filter: CategoryFilter = (),
    *,
    consume: ConsumeMode | None = None,
) -> list[Message]:
    """Return and consume the messages of the request *environ* belongs to,
    as records with ``.category``, ``.text`` and ``.count``.

    The same as ``get_flashes(environ).read(...)``; see
    :meth:`~flashmw.flashes.Flashes.read`.
    """
    return get_flashes(environ).read(category_filter, consume=consume)
