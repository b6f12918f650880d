"""What the plain-WSGI examples share: the key, the templates and a tiny router.

The router is a few lines over werkzeug's routing, request and response
objects, so that each example reads like the Flask tutorial it reproduces
while staying a plain WSGI application that any server can run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

import flashmw.jinja
from flashmw import FlashMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: The environment variable that holds the signing key.
KEY_VARIABLE = "FLASHMW_SECRET_KEY"
#: Older keys that still verify cookies, separated by commas or spaces.
FALLBACK_VARIABLE = "FLASHMW_FALLBACK_KEYS"
#: The examples' own templates; flashmw's partial comes from its package.
TEMPLATES = Path(__file__).with_name("templates")

#: A view takes the page (request, URLs, templates) and the URL's values.
View = Callable[..., Response]


def secret_key_from_env(environ: Mapping[str, str] | None = None) -> str:
    """Return the signing key from ``FLASHMW_SECRET_KEY``.

    :raises RuntimeError: the variable is unset or blank. There is no default
        on purpose: a key in the code is a key anyone can read, and a random
        one per process would not be shared by the other workers and hosts.
    """
    key = (os.environ if environ is None else environ).get(KEY_VARIABLE, "").strip()
    if not key:
        raise RuntimeError(
            f"{KEY_VARIABLE} is not set. Generate one key and give the same one "
            "to every worker and every host, for example:\n"
            f"  export {KEY_VARIABLE}=$(python3 -c "
            "'import secrets; print(secrets.token_hex(32))')"
        )
    return key


def fallback_keys_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the older keys listed in ``FLASHMW_FALLBACK_KEYS`` (maybe none)."""
    value = (os.environ if environ is None else environ).get(FALLBACK_VARIABLE, "")
    # Keys made by secrets.token_hex() hold neither commas nor spaces.
    return value.replace(",", " ").split()


def wrap(
    app: WSGIApplication,
    secret_key: str | None = None,
    fallback_keys: Sequence[str] | None = None,
    **options: Any,
) -> FlashMiddleware:
    """Wrap *app* in :class:`~flashmw.FlashMiddleware`.

    The keys default to the environment variables above; *options* are the
    middleware's keyword options.
    """
    return FlashMiddleware(
        app,
        secret_key_from_env() if secret_key is None else secret_key,
        fallback_keys=fallback_keys_from_env()
        if fallback_keys is None
        else fallback_keys,
        **options,
    )


def lazy_app(module: str, make_app: Callable[[], object]) -> Callable[[str], object]:
    """A module ``__getattr__`` that builds the module's ``app`` on access.

    gunicorn imports ``module:app``; building it only then means that
    importing the module (as the tests and the demo do) needs no key, and
    that a missing key stops the worker with the message of
    :func:`secret_key_from_env`.
    """

    def __getattr__(name: str) -> object:
        if name == "app":
            return make_app()
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def templates(*folders: str | os.PathLike[str]) -> Environment:
    """A Jinja2 environment over *folders*, the examples' templates and
    flashmw's partial, with the ``get_flashed_messages`` global installed."""
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader([*folders, TEMPLATES]), flashmw.jinja.loader()]
        ),
        # Every template here is HTML: escape everything unless it is Markup.
        autoescape=True,
    )
    flashmw.jinja.install(env)
    return env


@dataclass(frozen=True)
class Page:
    """What a view works with: the request, URL building and templates."""

    request: Request
    urls: MapAdapter
    templates: Environment

    @property
    def environ(self) -> WSGIEnvironment:
        """The WSGI environ, which the flashmw helpers take."""
        return self.request.environ

    def url(self, endpoint: str, **values: Any) -> str:
        """The path of *endpoint*, under wherever the site is mounted."""
        return self.urls.build(endpoint, values)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """Render *template* as an HTML response.

        The template's ``get_flashed_messages()`` finds this request's
        messages by itself: the middleware is calling the application.
        """
        html = self.templates.get_template(template).render(
            url=self.url, path=self.request.path, **context
        )
        return Response(html, status, mimetype="text/html")

    def redirect(self, endpoint: str, **values: Any) -> Response:
        """Redirect to *endpoint* with ``303 See Other``.

        The browser follows a 303 with a GET, so a refresh of the next page
        does not post the form again (Post/Redirect/Get). flashmw does not
        consume messages on a redirect: the page it leads to shows them.
        """
        return redirect(self.url(endpoint, **values), 303)


@dataclass
class Site:
    """A WSGI application that routes paths to view functions.

    :param templates: the Jinja2 environment views render with.
    :param max_content_length: the largest request body accepted, in bytes;
        a larger form raises :class:`~werkzeug.exceptions.RequestEntityTooLarge`
        when the view reads it.
    """

    templates: Environment
    max_content_length: int | None = None
    _map: Map = field(default_factory=Map, init=False)
    _views: dict[str, View] = field(default_factory=dict, init=False)

    def route(
        self, path: str, *, methods: Iterable[str] = ("GET",)
    ) -> Callable[[View], View]:
        """Register the decorated view for *path* and *methods*."""

        def register(view: View) -> View:
            self._map.add(Rule(path, endpoint=view.__name__, methods=list(methods)))
            self._views[view.__name__] = view
            return view

        return register

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Handle one request."""
        request = Request(environ)
        request.max_content_length = self.max_content_length
        urls = self._map.bind_to_environ(environ)
        try:
            endpoint, values = urls.match()
            response = self._views[endpoint](
                Page(request, urls, self.templates), **values
            )
        except HTTPException as error:
            return error(environ, start_response)
        finally:
            # Uploaded files are spooled to temporary files: close them now
            # rather than leave it to the garbage collector.
            request.close()
        return response(environ, start_response)
