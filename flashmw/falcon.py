"""Falcon: ``falcon.App(middleware=[FlashComponent(secret_key=...)])``.

.. code-block:: python

    import falcon
    from flashmw.falcon import FlashComponent

    class Save:
        def on_post(self, req, resp):
            req.context.flashes.flash("Saved.", "success")
            raise falcon.HTTPSeeOther("/")

    app = falcon.App(middleware=[FlashComponent(secret_key=KEY)])

The component puts the request's :class:`~flashmw.flashes.Flashes` on
``req.context.flashes`` (and in the WSGI environ, for :func:`flashmw.flash`)
and hands the final status and headers to the shared rules
(:class:`~flashmw.core.FlashCore`) in ``process_response``, after Falcon's
error handlers have made the response. A Jinja2 environment with
:func:`flashmw.jinja.install` finds the messages of the request being
handled.

The component reads the request only through what ``falcon.Request`` and
``falcon.asgi.Request`` share (``method``, ``scheme``, ``get_header``,
``context``) and writes the response through what both responses share, so
the same object also carries the ``*_async`` methods that ``falcon.asgi.App``
calls.

This is the only module that imports Falcon; ``import flashmw`` does not.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

import falcon

from .api import ENVIRON_KEY, _current
from .core import FlashCore, Request, RequestView
from .flashes import Flashes
from .middleware import EnvironRequest

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

    from .core import FlashOptions

__all__ = ["FlashComponent"]

# The context variable's token, kept in the environ (or scope) to reset it
# after the response: req.context is the application's namespace.
_TOKEN = "flashmw.falcon.token"


def _mapping(req: Any) -> MutableMapping[str, Any]:
    """The environ (WSGI) or scope (ASGI) of *req*."""
    scope = getattr(req, "scope", None)
    return scope if isinstance(scope, MutableMapping) else req.env


def _request(req: Any) -> RequestView:
    """The request as the rules see it."""
    if getattr(req, "scope", None) is None:
        # WSGI: read as the WSGI driver reads it. Falcon's get_header raises
        # and catches a KeyError for each header the rules ask for and the
        # request lacks.
        return EnvironRequest(req.env)
    # ASGI: Falcon's own reading of the headers, not the scope's list again:
    # Falcon's test client gives that list as a one-shot iterator, which
    # Falcon has consumed by now.
    return Request(req.method, req.scheme == "https", req.get_header)


class FlashComponent:
    """The Falcon middleware component; it takes
    :class:`~flashmw.FlashMiddleware`'s options.

    One component serves every request of the app: it keeps no per-request
    state of its own.
    """

    def __init__(
        self, secret_key: str | bytes, **options: Unpack[FlashOptions]
    ) -> None:
        #: The shared rules, with the validated options.
        self.core: FlashCore = FlashCore(secret_key, **options)

    # -- the request ---------------------------------------------------------

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Give *req* its flashes, on ``req.context.flashes``."""
        mapping = _mapping(req)
        flashes = mapping.get(ENVIRON_KEY)
        if flashes is None or flashes is not _current.get():
            # Unless a FlashMiddleware around the app owns the cookie.
            flashes = self.core.flashes(req.get_header("Cookie"))
            mapping[ENVIRON_KEY] = flashes
            mapping[_TOKEN] = _current.set(flashes)
        req.context.flashes = flashes

    async def process_request_async(self, req: Any, resp: Any) -> None:
        """:meth:`process_request` for ``falcon.asgi.App``; it does no I/O."""
        self.process_request(req, resp)

    # -- the response --------------------------------------------------------

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        """Add the flash changes to *resp*'s headers."""
        token = _mapping(req).pop(_TOKEN, None)
        if token is None:
            # Another component answered before process_request ran, or an
            # outer FlashMiddleware owns the cookie.
            return
        _current.reset(token)
        flashes: Flashes = req.context.flashes
        core = self.core
        if core.untouched(flashes):
            return
        code = falcon.http_status_to_code(resp.status)
        before = list(resp.headers.items())
        after = core.respond(
            flashes,
            code,
            before,
            _request(req),
            # The responder raised and Falcon made a server error of it: as
            # when a WSGI app raises, nothing is stored.
            failed=not req_succeeded and code >= 500,
        )
        if after is before:
            return
        # The rules only change fields in place and append new ones.
        for index, (name, value) in enumerate(after):
            if index >= len(before):
                resp.append_header(name, value)
            elif value != before[index][1]:
                resp.set_header(name, value)

    async def process_response_async(
        self, req: Any, resp: Any, resource: object, req_succeeded: bool
    ) -> None:
        """:meth:`process_response` for ``falcon.asgi.App``; it does no I/O."""
        self.process_response(req, resp, resource, req_succeeded)
