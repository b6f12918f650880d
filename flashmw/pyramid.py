"""Pyramid: ``config.include("flashmw.pyramid")``.

.. code-block:: ini

    [app:main]
    use = egg:myapp
    pyramid.includes = flashmw.pyramid
    flashmw.secret_key_env = FLASHMW_SECRET_KEY
    flashmw.max_age = 600

.. code-block:: python

    def save(request):
        request.session.flash("Saved.", "success")  # or request.flashes.flash()
        return HTTPSeeOther(request.route_url("index"))

The include reads ``flashmw.*`` from the settings (every option of
:class:`~flashmw.FlashMiddleware`, as text or as values; ``secret_key_env``
names an environment variable holding the key) and adds:

- a tween that gives each request its flashes and hands the response to the
  shared rules (:class:`~flashmw.core.FlashCore`), so exception views, WebTest
  and every other tween see the ``Set-Cookie``, ``Vary`` and
  ``Cache-Control`` changes;
- ``request.flashes``, the request's :class:`~flashmw.flashes.Flashes`, set
  by the tween (on a ``DummyRequest``, by :func:`request_flashes`);
- Pyramid's session-flash methods, ``flash(msg, queue="",
  allow_duplicate=True)``, ``pop_flash(queue="")`` and
  ``peek_flash(queue="")``, on ``request.session``: the application's session
  keeps everything else, and the messages go to flashmw's cookie instead of
  the session. Without a session factory, ``request.session`` has these
  three methods, reads as empty and refuses to store anything;
- ``get_flashed_messages`` for templates: a global of pyramid_jinja2's
  environments (macros included), and in the renderer values of the other
  template renderers (Chameleon, Mako).

A queue is a category; the default queue ``""`` is the category
``"message"``, the default of :meth:`~flashmw.flashes.Flashes.flash`, so the
two vocabularies reach the same messages.

This is the only module that imports Pyramid; ``import flashmw`` does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from pyramid.config import Configurator
from pyramid.interfaces import IBeforeRender, IRendererFactory, ISessionFactory
from pyramid.registry import Registry
from pyramid.request import Request as PyramidRequest
from pyramid.response import Response
from pyramid.tweens import EXCVIEW

from ._options import options_from_settings
from .api import ENVIRON_KEY, _current
from .core import FlashCore
from .errors import NotInstalledError
from .flashes import Flashes
from .middleware import EnvironRequest

__all__ = [
    "CORE_KEY",
    "PREFIX",
    "FlashQueues",
    "FlashSession",
    "includeme",
    "request_flashes",
    "tween_factory",
]

#: Where the include keeps the application's :class:`~flashmw.core.FlashCore`
#: in the registry.
CORE_KEY = "flashmw.core"
#: The settings' prefix.
PREFIX = "flashmw."
# After every action of the default order (set_session_factory) and after
# pyramid_jinja2 made its environments.
_LATE = 1000

Handler = Callable[[PyramidRequest], Response]


def _category(queue: str) -> str:
    # Pyramid's default queue is "", flashmw's default category "message":
    # one is the other, so request.session.flash("Saved.") and
    # request.flashes.flash("Saved.") land in the same place and a template
    # that shows "message" shows both.
    return "message" if queue == "" else queue


class FlashQueues:
    """Pyramid's session-flash vocabulary over a request's flashes.

    Behaviour differs from Pyramid's session flash in flashmw's ways: a
    popped message is consumed only if the response is one a person sees (not
    a redirect, ``HEAD``, a server error), every read in a request sees the same
    list (a second ``pop_flash`` returns the same messages; a message flashed
    after a read waits for the next request), and messages are strings.
    """

    __slots__ = ("_flashes",)

    def __init__(self, flashes: Flashes) -> None:
        self._flashes = flashes

    def flash(self, msg: str, queue: str = "", allow_duplicate: bool = True) -> None:
        """Flash *msg* in *queue*; with ``allow_duplicate=False``, not if the
        same message is already waiting in that queue."""
        self._flashes.flash(msg, _category(queue), allow_duplicate=allow_duplicate)

    def pop_flash(self, queue: str = "") -> list[str]:
        """Return the messages of *queue* and consume them, leaving the other
        queues for a later read."""
        messages = self._flashes.get_flashed_messages(
            category_filter=_category(queue), consume="returned"
        )
        return messages  # type: ignore[return-value]

    def peek_flash(self, queue: str = "") -> list[str]:
        """Return the messages of *queue*, consuming nothing."""
        return self._flashes.peek(category_filter=_category(queue))  # type: ignore[return-value]


class FlashSession(FlashQueues, Mapping[str, Any]):
    """``request.session`` for an application without a session factory:
    the flash methods, an empty read-only mapping (so that code and tools
    that only look at a session, such as a debug toolbar, keep working), and
    a clear error for anything that would store a value."""

    __slots__ = ()

    def _refuse(self) -> NoReturn:
        raise NotImplementedError(
            "this application has no session factory: flashmw.pyramid gives "
            "request.session only flash(), pop_flash() and peek_flash(). Set a "
            "session factory (config.set_session_factory) to store anything else"
        )

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __setitem__(self, key: str, value: object) -> None:
        self._refuse()

    def __delitem__(self, key: str) -> None:
        self._refuse()

    def __getattr__(self, name: str) -> Any:
        """Refuse the other session methods (``invalidate``, ``changed``,
        ``get_csrf_token``, ``setdefault``, ...)."""
        if name.startswith("__"):
            raise AttributeError(name)
        self._refuse()


def _core(registry: Registry) -> FlashCore:
    core = registry.get(CORE_KEY) if registry is not None else None
    if not isinstance(core, FlashCore):
        raise NotInstalledError(
            "flashmw.pyramid is not included: call "
            "config.include('flashmw.pyramid') (or list it in pyramid.includes) "
            "with flashmw.secret_key or flashmw.secret_key_env in the settings"
        )
    return core


def request_flashes(request: PyramidRequest) -> Flashes:
    """The request's :class:`~flashmw.flashes.Flashes`, also set as
    ``request.flashes``.

    The tween made them; a request it did not see (a ``DummyRequest`` in a
    unit test) gets new ones, read from its ``Cookie`` header, or those
    :func:`flashmw.testing.install_flashes` put in its environ, so that
    views can be tested without a server. Nothing writes their cookie then:
    the test inspects them.
    """
    environ = request.environ
    flashes = environ.get(ENVIRON_KEY)
    if not isinstance(flashes, Flashes):
        flashes = _enclosing()
        if flashes is None:
            # The headers, not the environ: a DummyRequest takes its Cookie
            # header there (a real request's headers are a view of its
            # environ).
            flashes = _core(request.registry).flashes(request.headers.get("Cookie"))
        environ[ENVIRON_KEY] = flashes
    request.flashes = flashes
    return flashes


def _enclosing() -> Flashes | None:
    """The flashes of the request this one runs inside, while its response
    is not made yet: a subrequest (``request.invoke_subrequest``) renders a
    part of that page, so it shows and flashes that page's messages, and
    that page's response writes the cookie."""
    current = _current.get()
    return None if current is None or current.sealed else current


def _failed(request: PyramidRequest, status: int) -> bool:
    # WSGI's exc_info, the Pyramid way: the view raised and an exception view
    # made a server error of it (as Falcon's component judges too). A raised
    # HTTPFound or HTTPNotFound is an answer, not a failure, and keeps its
    # flashes.
    return status >= 500 and getattr(request, "exception", None) is not None


def tween_factory(handler: Handler, registry: Registry) -> Handler:
    """The tween: flashes for each request, the shared rules for each
    response. It sits over the exception view, so error pages are judged by
    their real status."""
    core = _core(registry)
    # Again when the app is made: a session factory set after the include's
    # configuration was committed replaced the wrapped one.
    _wrap_sessions(registry)

    def flash_tween(request: PyramidRequest) -> Response:
        environ = request.environ
        flashes = environ.get(ENVIRON_KEY)
        enclosing = _enclosing()
        if enclosing is not None and (flashes is None or flashes is enclosing):
            # FlashMiddleware wraps the application too, or this is a
            # subrequest of a page: the outer one owns the cookie.
            environ[ENVIRON_KEY] = request.flashes = enclosing
            return handler(request)
        if not isinstance(flashes, Flashes) or flashes.sealed:
            flashes = environ[ENVIRON_KEY] = core.flashes(environ.get("HTTP_COOKIE"))
        # A plain attribute: a Pyramid request property (add_request_method)
        # makes a class for every request, which cost more than all of this.
        request.flashes = flashes
        token = _current.set(flashes)
        try:
            response = handler(request)
        except BaseException:
            # No response to add anything to, as when a WSGI app raises; a
            # retry of the request starts with new flashes.
            flashes.seal(False)
            raise
        finally:
            _current.reset(token)
        if not core.untouched(flashes):
            before = response.headerlist
            status = response.status_int
            after = core.respond(
                flashes,
                status,
                before,
                # Straight from the environ: WebOb's request.headers raises
                # and catches a KeyError for each header the rules ask for
                # and the request lacks.
                EnvironRequest(environ),
                failed=_failed(request, status),
            )
            if after is not before:
                response.headerlist = after
        return response

    return flash_tween


def _renderer_globals(event: Any) -> None:
    # Every renderer (Chameleon, Mako, Jinja2) gets the renderer values:
    # templates call get_flashed_messages() as in Flask.
    request = event.get("request")
    if request is not None:
        event.setdefault(
            "get_flashed_messages", request_flashes(request).get_flashed_messages
        )


def _session_factory(inner: Callable[[PyramidRequest], Any] | None) -> Any:
    def flash_session(request: PyramidRequest) -> Any:
        if inner is None:
            return FlashSession(request_flashes(request))
        queues = FlashQueues(request_flashes(request))
        session = inner(request)
        # The application's own session object, with only these three methods
        # replaced: isinstance() checks, CSRF and stored values are untouched.
        session.flash = queues.flash
        session.pop_flash = queues.pop_flash
        session.peek_flash = queues.peek_flash
        return session

    flash_session.flashmw = True  # type: ignore[attr-defined]
    return flash_session


def _jinja2_renderers(registry: Registry) -> set[str]:
    """Install the template global in pyramid_jinja2's environments; return
    the names of their renderers."""
    try:
        from pyramid_jinja2 import IJinja2Environment
    except ModuleNotFoundError:
        return set()
    from . import jinja

    names = set()
    for name, environment in registry.getUtilitiesFor(IJinja2Environment):
        jinja.install(environment)
        names.add(name)
    return names


def _wrap_sessions(registry: Registry) -> None:
    inner = registry.queryUtility(ISessionFactory)
    if not getattr(inner, "flashmw", False):
        registry.registerUtility(_session_factory(inner), ISessionFactory)


def _late(config: Configurator) -> None:
    registry = config.registry
    _wrap_sessions(registry)
    # Jinja2 has the global; other template renderers (Chameleon, Mako) get
    # get_flashed_messages in the renderer values. Only then: one subscriber
    # makes Pyramid send its events on every request (about 4 µs a request,
    # see benchmarks/README.md).
    needless = {"json", "string", *_jinja2_renderers(registry)}
    if any(
        name not in needless for name, _ in registry.getUtilitiesFor(IRendererFactory)
    ):
        registry.registerHandler(_renderer_globals, (IBeforeRender,))


def includeme(config: Configurator) -> None:
    """Set flashmw up from the settings; see the module's docstring.

    :raises ValueError: a ``flashmw.*`` setting is unknown or malformed, or
        no key is given (the message names the setting), or an option is
        refused as :class:`~flashmw.FlashMiddleware` refuses it.
    """
    secret_key, options = options_from_settings(config.get_settings() or {}, PREFIX)
    config.registry[CORE_KEY] = FlashCore(secret_key, **options)
    config.add_tween("flashmw.pyramid.tween_factory", over=EXCVIEW)
    config.action(None, lambda: _late(config), order=_LATE)
