"""The Flask extension: ``flask.flash()`` and everything that calls it, in
flashmw's cookie.

.. code-block:: python

    from flashmw.flask import FlashMessages

    flash_messages = FlashMessages()
    flash_messages.init_app(app)  # or FlashMessages(app)

The calls of the application, its templates and its extensions (Flask-Login,
Flask-WTF, Flask-Admin, ...) keep calling Flask's ``flash()`` and
``get_flashed_messages()``; a wrapper around the application's session
interface (:mod:`flashmw.flask.sessions`) serves the session's ``_flashes``
key from flashmw. So Flask's ``message_flashed`` signal still fires (Flask
sends it), nothing is written into Flask's session, and an application with
no ``SECRET_KEY`` works too. Hooking ``message_flashed`` instead would need
a session to exist (Flask writes into it before it sends the signal) and
could not serve the reads.

This package is the only importer of Flask.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from contextvars import Token
from typing import TYPE_CHECKING, Any

from flask import (
    Flask,
    current_app,
    got_request_exception,
    has_request_context,
    request,
)

from .._keys import derive_key
from ..api import _current, current_flashes, get_flashes
from ..core import FlashCore, FlashOptions
from ..flashes import CategoryFilter, ConsumeMode, Flashes
from .sessions import (
    FAILED_KEY,
    TOKEN_KEY,
    FlashSession,
    FlashSessionInterface,
)

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

__all__ = [
    "EXTENSION_KEY",
    "FlashMessages",
    "FlashSession",
    "FlashSessionInterface",
    "get_flashed_messages",
]

#: The key of the extension's state in ``app.extensions``.
EXTENSION_KEY = "flashmw"
#: The configuration prefix: ``FLASHMW_SECRET_KEY``, ``FLASHMW_MAX_AGE``, ...
PREFIX = "FLASHMW_"
_OPTIONS = frozenset(FlashOptions.__optional_keys__)


class FlaskOptions(FlashOptions, total=False):
    """The keyword arguments of :class:`FlashMessages`: the core's options
    and the key."""

    secret_key: str | bytes


def _settings(
    app: Flask, overrides: Mapping[str, Any]
) -> tuple[str | bytes, dict[str, Any]]:
    """The key and the options of *app*: ``FLASHMW_*`` from its config, then
    *overrides*; the key derived from ``SECRET_KEY`` when none is given."""
    config = app.config
    options: dict[str, Any] = {}
    key: Any = None
    for name, value in config.items():
        if not name.startswith(PREFIX):
            continue
        option = name[len(PREFIX) :].lower()
        if option == "secret_key":
            key = value
        elif option in _OPTIONS:
            options[option] = value
        else:
            known = ", ".join(PREFIX + o.upper() for o in sorted(_OPTIONS))
            raise ValueError(
                f"unknown flashmw option {name!r} in app.config; "
                f"the options are {PREFIX}SECRET_KEY, {known}"
            )
    for option, value in overrides.items():
        if option == "secret_key":
            key = value
        else:
            options[option] = value
    if key is not None:
        return key, options
    secret = config.get("SECRET_KEY")
    if secret is None or secret == "":
        raise ValueError(
            f"flashmw needs a key for {app.name!r}: set {PREFIX}SECRET_KEY, or "
            "SECRET_KEY (from which flashmw derives its own), in app.config "
            "before init_app()"
        )
    if "fallback_keys" not in options:
        fallbacks = config.get("SECRET_KEY_FALLBACKS") or ()
        if isinstance(fallbacks, (str, bytes)):
            raise TypeError(
                "SECRET_KEY_FALLBACKS must be a list of keys, not a "
                f"{type(fallbacks).__name__}; wrap a single key as [key]"
            )
        options["fallback_keys"] = [
            derive_key(old, f"SECRET_KEY_FALLBACKS[{index}]")
            for index, old in enumerate(fallbacks)
        ]
    return derive_key(secret, "SECRET_KEY"), options


class FlashMessages:
    """Flask's ``flash()`` and ``get_flashed_messages()`` in flashmw's cookie.

    .. code-block:: python

        flash_messages = FlashMessages()
        flash_messages.init_app(app)      # or FlashMessages(app)

    The options come from ``app.config`` when :meth:`init_app` runs, each
    :class:`~flashmw.FlashMiddleware` option as ``FLASHMW_<OPTION>``
    (``FLASHMW_MAX_AGE``, ``FLASHMW_COOKIE_NAME``, ...); keyword arguments
    given here override them. The key is ``FLASHMW_SECRET_KEY``, or else
    one derived from ``SECRET_KEY`` (HMAC-SHA256 under flashmw's own label,
    never ``SECRET_KEY`` itself), with ``SECRET_KEY_FALLBACKS`` derived the
    same way as fallback keys. A weak, missing or malformed setting is
    refused by :meth:`init_app` with a :class:`ValueError` or
    :class:`TypeError`.

    The extension keeps nothing about an application on itself: each
    application's state is in ``app.extensions["flashmw"]`` (its
    :class:`FlashSessionInterface`, whose ``core`` holds the options), so
    one instance can serve several applications.

    :param app: the application, or ``None`` to call :meth:`init_app` later.
    :param options: ``secret_key`` and the options of
        :class:`~flashmw.FlashMiddleware`.
    """

    def __init__(
        self, app: Flask | None = None, **options: Unpack[FlaskOptions]
    ) -> None:
        self._options: Mapping[str, Any] = dict(options)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Install flashmw in *app*.

        Wraps ``app.session_interface`` (do it after any extension that
        replaces the session interface, such as Flask-Session), installs
        flashmw's ``get_flashed_messages`` template global, and registers
        the hooks that end each request.

        :raises ValueError, TypeError: a bad or missing key or option.
        :raises RuntimeError: flashmw is already installed in *app*.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(f"flashmw is already installed in {app.name!r}")
        secret_key, options = _settings(app, self._options)
        try:
            core = FlashCore(secret_key, **options)
        except (TypeError, ValueError) as error:
            sources = sorted(name for name in app.config if name.startswith(PREFIX))
            raise type(error)(
                f"{error} (flashmw options of {app.name!r}: from app.config "
                f"{sources or 'none'}, from keyword arguments "
                f"{sorted(self._options) or 'none'})"
            ) from error
        interface = FlashSessionInterface(app.session_interface, core)
        app.session_interface = interface
        app.extensions[EXTENSION_KEY] = interface
        # flashmw's template global rather than Flask's: exact category
        # filters (Flask tests a string filter by substring) and consume=.
        app.jinja_env.globals["get_flashed_messages"] = get_flashed_messages
        app.before_request(_check_interface)
        app.teardown_request(_reset_current)
        got_request_exception.connect(_mark_failed, app)


def get_flashed_messages(
    with_categories: bool = False,
    category_filter: CategoryFilter = (),
    consume: ConsumeMode | None = None,
) -> list[str] | list[tuple[str, str]]:
    """The template global :meth:`FlashMessages.init_app` installs: the
    request's messages, as :func:`flashmw.jinja.get_flashed_messages` gives
    them.

    It finds the request through Flask's request context, which
    ``stream_template`` and ``stream_with_context`` keep for the streamed
    body (Flask tears the request down before such a body runs, so a
    context variable set for the view would be gone), and otherwise through
    :func:`flashmw.current_flashes`.
    """
    flashes = get_flashes(request.environ) if has_request_context() else None
    if flashes is None:
        flashes = current_flashes()
    return flashes.get_flashed_messages(
        with_categories, category_filter, consume=consume
    )


def _check_interface() -> None:
    """Refuse requests once the session interface was replaced after
    :meth:`FlashMessages.init_app`: flashes would go into the session."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.session_interface is not app.extensions[EXTENSION_KEY]:
        raise RuntimeError(
            f"{app.name!r}.session_interface was replaced after "
            "FlashMessages.init_app(); call init_app() after the extension "
            "that replaces it (Flask-Session, ...)"
        )


def _reset_current(exc: BaseException | None) -> None:
    token: Token[Flashes | None] | None = request.environ.pop(TOKEN_KEY, None)
    if token is not None:
        # ValueError: torn down in another context than the one it was
        # pushed in (a streamed body run elsewhere), which never saw it.
        with contextlib.suppress(ValueError):
            _current.reset(token)


def _mark_failed(sender: Flask, **extra: Any) -> None:
    # Flask turns an exception the view raised into a 500 page: as when a
    # WSGI application raises, what the request flashed is not stored.
    request.environ[FAILED_KEY] = True
