"""Django, with flashmw instead of ``django.contrib.messages``.

The project's WSGI handler is wrapped in :class:`~flashmw.FlashMiddleware`
(in a real project: in ``wsgi.py``, around ``get_wsgi_application()``), and
views reach the helpers through ``request.META``, which is the WSGI environ
itself. No session, no messages app, no ``SECRET_KEY`` is involved. Templates
use Django's Jinja2 backend, whose environment gets flashmw's global and
partial.

Django's test client calls the handler without going through WSGI
middleware, so it would never see flashmw; tests/test_frameworks.py drives
the wrapped handler with werkzeug's WSGI client instead.

This module is a whole single-file project (settings, URLs, views). Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.django_app:app
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

import flashmw.jinja
from flashmw import FlashMiddleware, flash

from .._support import TEMPLATES, lazy_app, wrap


def jinja_environment(**options: Any) -> Environment:
    """The Jinja2 environment of Django's backend, with flashmw installed."""
    return flashmw.jinja.install(Environment(**options))


def _configure() -> None:
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        # The CSRF protection every Django form has; the template adds the
        # token with {{ csrf_input }}.
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.jinja2.Jinja2",
                "OPTIONS": {
                    "environment": f"{__name__}.jinja_environment",
                    "loader": ChoiceLoader(
                        [FileSystemLoader(TEMPLATES), flashmw.jinja.loader()]
                    ),
                },
            }
        ],
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The form and the messages."""
    context = {"framework": "Django", "action": reverse("save")}
    return render(request, "frameworks/page.html", context)


@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Flash the outcome through ``request.META`` and redirect."""
    item = request.POST.get("item", "").strip()
    if item:
        flash(request.META, f"Saved {item}.", "success")
    else:
        flash(request.META, "Please enter an item.", "error")
    response = HttpResponseRedirect(reverse("index"))
    response.status_code = 303  # Django has no See Other class
    return response


urlpatterns = [path("", index, name="index"), path("save", save, name="save")]


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """Django's WSGI handler, wrapped in the middleware."""
    _configure()
    import django

    django.setup(set_prefix=False)
    return wrap(WSGIHandler(), secret_key, fallback_keys)


#: ``examples.frameworks.django_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
