"""The session wrapper through which Flask's flashing reaches flashmw.

Flask's ``flash()`` stores ``(category, message)`` pairs under the session's
``_flashes`` key, and ``get_flashed_messages()`` pops that key.
:class:`FlashSessionInterface` wraps an application's session interface: the
:class:`FlashSession` it opens serves ``_flashes`` from the request's
:class:`~flashmw.flashes.Flashes`, and every other key from the
application's own session, which it opens only when something else uses it.

Its ``save_session()``, which Flask calls last on every response it
finalises (after the ``after_request`` functions, error handlers' responses
included), hands the final status and headers to
:meth:`FlashCore.respond <flashmw.core.FlashCore.respond>`: the rules stay in
the core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.sessions import (
    NullSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)
from werkzeug.datastructures import Headers

from ..api import ENVIRON_KEY, _current, get_flashes
from ..core import FlashCore
from ..flashes import Flashes
from ..middleware import EnvironRequest

if TYPE_CHECKING:  # pragma: no cover
    from flask import Request, Response

__all__ = ["FLASHES_KEY", "FlashSession", "FlashSessionInterface"]

logger: logging.Logger = logging.getLogger("flashmw")

#: The session key Flask's ``flash()`` and ``get_flashed_messages()`` use.
FLASHES_KEY = "_flashes"

# Environ keys of the extension: which interface made the request's flashes,
# the context variable's token to reset at teardown, and whether Flask
# handled an exception the view raised.
OWNER_KEY = "flashmw.flask.owner"
TOKEN_KEY = "flashmw.flask.token"
FAILED_KEY = "flashmw.flask.failed"


class _FlashList(list[tuple[str, str]]):
    """What ``session["_flashes"]`` reads as: the request's messages as
    ``(category, message)`` pairs, remembering them so that storing the list
    back flashes only what was appended (Flask's ``flash()`` does
    ``get``, ``append``, then stores the list)."""

    __slots__ = ("origin",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.origin = pairs


def _pair(entry: object) -> tuple[Any, Any]:
    if isinstance(entry, (str, bytes)) or not isinstance(entry, (tuple, list)):
        raise TypeError(
            f"session[{FLASHES_KEY!r}] holds (category, message) pairs, "
            f"not {type(entry).__name__}"
        )
    if len(entry) != 2:
        raise TypeError(
            f"session[{FLASHES_KEY!r}] holds (category, message) pairs, "
            f"not {len(entry)}-item entries"
        )
    return entry[0], entry[1]


class FlashSession(SessionMixin):
    """The session Flask sees: ``_flashes`` from flashmw, the rest from the
    application's own session.

    ``_flashes`` is a virtual key: iterating, ``len()``, ``clear()`` and
    ``dict(session)`` see only the real session, so nothing about flashes is
    ever stored there. Reading the key reads the messages without consuming
    them, storing a list flashes its new pairs (or replaces the messages
    when it is not the list that was read), ``pop`` is a read that consumes
    (Flask's ``get_flashed_messages()``), ``del`` discards them, and
    ``"_flashes" in session`` says whether there are any.

    The real session is opened on first use, so a request that only flashes
    does not load it; a session that may need saving (a session cookie came
    with the request) is opened when the response is saved.
    """

    def __init__(
        self,
        flashes: Flashes,
        environ: Mapping[str, Any],
        *,
        owner: bool,
        open_inner: Callable[[], SessionMixin],
        inner: SessionMixin | None,
        may_hold: bool,
    ) -> None:
        #: The request's flashes.
        self.flashes = flashes
        #: The WSGI environ of the request.
        self.environ = environ
        #: Whether this extension decides the flash cookie of the response
        #: (``False`` when an outer :class:`~flashmw.FlashMiddleware` does).
        self.owner = owner
        self._open_inner = open_inner
        self._inner = inner
        # Whether the unopened real session may hold data: a session cookie
        # came with the request.
        self._may_hold = may_hold
        # Flask 3.1.3+ marks a session accessed (so it adds "Vary: Cookie")
        # on each access through the request context, before the method is
        # called; for a real session not opened yet the mark waits here.
        self._pending = False
        self._migrated = False

    # -- the real session ------------------------------------------------------

    def _session(self) -> SessionMixin:
        inner = self._inner
        if inner is None:
            inner = self._inner = self._open_inner()
            if self._pending:
                inner.accessed = True
        return inner

    def session_to_save(self) -> SessionMixin | None:
        """The real session if it may need saving, opened if need be."""
        if self._inner is None and not (self._may_hold or self._pending):
            # Never used, and no cookie to refresh or delete: opened now, it
            # would be an empty new session that saves nothing.
            return None
        return self._session()

    def __getattr__(self, name: str) -> Any:
        # Attributes of a particular session class (a server-side session's
        # id, ...). Private and special names are never forwarded.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._session(), name)

    @property
    def accessed(self) -> bool:
        """Whether the real session was accessed (Flask adds ``Vary``)."""
        return self._inner.accessed if self._inner is not None else self._pending

    @accessed.setter
    def accessed(self, value: bool) -> None:
        if self._inner is not None:
            self._inner.accessed = value
        else:
            self._pending = value

    @property
    def modified(self) -> bool:
        """Whether the real session was modified."""
        return self._inner is not None and self._inner.modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._session().modified = value

    @property
    def new(self) -> bool:  # type: ignore[override]
        """Whether the real session is new, if its class can tell."""
        return self._session().new

    @property
    def permanent(self) -> bool:
        """The real session's ``permanent`` flag."""
        return self._session().permanent

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self._session().permanent = value

    # -- the flashes -------------------------------------------------------------

    def _ready(self) -> Flashes:
        # This access was for the flashes, not for the real session.
        self._pending = False
        if not self._migrated:
            self._migrated = True
            self._migrate()
        return self.flashes

    def _migrate(self) -> None:
        """Move messages that Flask's own ``flash()`` left in the real session
        (before the extension was installed) into the flashes, once: they are
        shown like any incoming message, and stay until a page shows them."""
        if self.flashes.sealed or (self._inner is None and not self._may_hold):
            return
        inner = self._session()
        if FLASHES_KEY not in inner:
            return
        old = inner.pop(FLASHES_KEY)
        moved = dropped = 0
        for entry in old if isinstance(old, list) else ():
            try:
                category, message = _pair(entry)
                self.flashes.flash(message, category)
            except (TypeError, ValueError):
                dropped += 1
            else:
                moved += 1
        if not isinstance(old, list):
            dropped += 1
        logger.log(
            logging.WARNING if dropped else logging.INFO,
            "moved %d flash message(s) from Flask's session into the flash "
            "cookie; dropped %d that were not (category, message) strings",
            moved,
            dropped,
        )

    def _read(self) -> _FlashList:
        pairs = self._ready().peek(with_categories=True)
        return _FlashList(pairs)  # type: ignore[arg-type]

    def _store(self, value: object) -> None:
        flashes = self._ready()
        if (
            isinstance(value, _FlashList)
            and len(value) >= len(value.origin)
            and value[: len(value.origin)] == value.origin
        ):
            added: list[object] = list(value[len(value.origin) :])
        elif isinstance(value, (list, tuple)):
            added = list(value)
            flashes.discard()
        else:
            raise TypeError(
                f"session[{FLASHES_KEY!r}] must be a list of (category, message) "
                f"pairs, not {type(value).__name__}"
            )
        for entry in added:
            category, message = _pair(entry)
            flashes.flash(message, category)

    # -- the mapping -------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        if key == FLASHES_KEY:
            return self._read()
        return self._session()[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``session.get(key, default)``; ``_flashes`` is always present."""
        if key == FLASHES_KEY:
            return self._read()
        return self._session().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == FLASHES_KEY:
            self._store(value)
        else:
            self._session()[key] = value

    def __delitem__(self, key: str) -> None:
        if key == FLASHES_KEY:
            self._ready().clear()
        else:
            del self._session()[key]

    def __contains__(self, key: object) -> bool:
        if key == FLASHES_KEY:
            return bool(self._ready().peek())
        return key in self._session()

    def pop(self, key: str, *default: Any) -> Any:
        """``session.pop(key[, default])``; popping ``_flashes`` reads and
        consumes the messages, as Flask's ``get_flashed_messages()`` does."""
        if key == FLASHES_KEY:
            return self._ready().get_flashed_messages(with_categories=True)
        return self._session().pop(key, *default)

    def clear(self) -> None:
        """Empty the real session; the flashes are not session data."""
        self._session().clear()

    def __iter__(self) -> Iterator[str]:
        return iter(self._session())

    def __len__(self) -> int:
        return len(self._session())

    def __repr__(self) -> str:
        inner = "not opened" if self._inner is None else repr(self._inner)
        return f"<FlashSession {self.flashes!r}, session {inner}>"


class FlashSessionInterface(SessionInterface):
    """Wraps an application's session interface so that the sessions it
    opens are :class:`FlashSession` objects, and saves the flash cookie with
    the response.

    :param inner: the application's session interface.
    :param core: the rules and options of the application's flash cookie.
    """

    def __init__(self, inner: SessionInterface, core: FlashCore) -> None:
        #: The application's own session interface.
        self.inner: SessionInterface = inner
        #: The shared rules, with this application's options.
        self.core: FlashCore = core
        # As the application's interface says (Flask reads both).
        self.null_session_class: type[NullSession] = inner.null_session_class
        self.pickle_based: bool = inner.pickle_based
        # Flask's own cookie sessions are opened lazily: loading one is a
        # pure function of the request, and one that came without a cookie
        # is empty and saves nothing. Any other interface (server-side
        # sessions, ...) is opened as Flask would, when the request starts.
        self._lazy = type(inner) is SecureCookieSessionInterface

    def __getattr__(self, name: str) -> Any:
        # The inner interface's own attributes (serializer, salt, ...).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    # The cookie settings are the inner interface's: code that asks the
    # application's interface for them gets the session cookie's.

    def get_cookie_name(self, app: Flask) -> str:
        """The inner interface's."""
        return self.inner.get_cookie_name(app)

    def get_cookie_domain(self, app: Flask) -> str | None:
        """The inner interface's."""
        return self.inner.get_cookie_domain(app)

    def get_cookie_path(self, app: Flask) -> str:
        """The inner interface's."""
        return self.inner.get_cookie_path(app)

    def get_cookie_httponly(self, app: Flask) -> bool:
        """The inner interface's."""
        return self.inner.get_cookie_httponly(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        """The inner interface's."""
        return self.inner.get_cookie_secure(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        """The inner interface's."""
        return self.inner.get_cookie_samesite(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        """The inner interface's (Flask 3.1+)."""
        return self.inner.get_cookie_partitioned(app)

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> Any:
        """The inner interface's, for the real session."""
        if isinstance(session, FlashSession):
            session = session._session()
        return self.inner.get_expiration_time(app, session)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """The inner interface's, for the real session."""
        if isinstance(session, FlashSession):
            session = session._session()
        return self.inner.should_set_cookie(app, session)

    def make_null_session(self, app: Flask) -> Any:
        """The inner interface's null session."""
        return self.inner.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        """``False`` for a :class:`FlashSession`: it must be saved, for the
        flash cookie, even over a null session."""
        if isinstance(obj, FlashSession):
            return False
        return self.inner.is_null_session(obj)

    def _open(self, app: Flask, request: Request) -> SessionMixin:
        inner = self.inner
        session = inner.open_session(app, request)
        return inner.make_null_session(app) if session is None else session

    def open_session(self, app: Flask, request: Request) -> FlashSession:
        """Open the request's :class:`FlashSession`, and its flashes."""
        environ = request.environ
        owner = environ.get(OWNER_KEY)
        if ENVIRON_KEY in environ and owner is not self:
            # An outer FlashMiddleware (or another application's extension
            # on the same environ) owns the cookie: use its flashes and
            # leave the response to it.
            flashes = get_flashes(environ)
            mine = False
        elif owner is self:
            # Opened again for the same request (the test client's
            # session_transaction() does): the same flashes.
            flashes = environ[ENVIRON_KEY]
            mine = True
        else:
            flashes = self.core.flashes(environ.get("HTTP_COOKIE"))
            environ[ENVIRON_KEY] = flashes
            environ[OWNER_KEY] = self
            # For flashmw's Jinja global and current_flashes(); reset when
            # the request context is torn down.
            environ[TOKEN_KEY] = _current.set(flashes)
            mine = True

        def open_inner() -> SessionMixin:
            return self._open(app, request)

        if self._lazy:
            cookie = environ.get("HTTP_COOKIE")
            name = self.inner.get_cookie_name(app) + "="
            may_hold = isinstance(cookie, str) and name in cookie
            inner = None
        else:
            may_hold = True
            inner = open_inner()
        return FlashSession(
            flashes,
            environ,
            owner=mine,
            open_inner=open_inner,
            inner=inner,
            may_hold=may_hold,
        )

    def save_session(
        self, app: Flask, session: SessionMixin, response: Response
    ) -> None:
        """Save the real session, then hand the response to the flash rules."""
        if not isinstance(session, FlashSession):
            self.inner.save_session(app, session, response)
            return
        inner = session.session_to_save()
        if inner is not None and not self.inner.is_null_session(inner):
            self.inner.save_session(app, inner, response)
        if not session.owner:
            return
        environ = session.environ
        headers = response.headers.to_wsgi_list()
        changed = self.core.respond(
            session.flashes,
            response.status_code,
            headers,
            EnvironRequest(environ),
            failed=environ.get(FAILED_KEY) is True,
        )
        if changed is not headers:
            response.headers = Headers(changed)
