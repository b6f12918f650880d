"""Django, as its users write it, with flashmw storing ``contrib.messages``.

The one line that brings flashmw in is ``MESSAGE_STORAGE =
"flashmw.django.FlashStorage"``. Everything else is a plain Django project:
the admin, auth, sessions, the messages app with its middleware and
context processor, a view with ``SuccessMessageMixin``. The admin's
messages ("The group … was added successfully.") and the view's go through
flashmw's cookie, under flashmw's rules. The page of the form renders them
with Django's Jinja2 backend and flashmw's partial, which read the same
cookie; the admin renders them with its own templates.

The database is a SQLite file in a temporary directory, made and migrated
when the project starts (one per process: this example keeps nothing worth
sharing). Sessions live in signed cookies, so a login holds on every worker.
With ``DJANGO_ADMIN_PASSWORD`` set, a superuser ``admin`` is created at
startup. This module is a whole single-file project (settings, URLs, views).
Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    export DJANGO_ADMIN_PASSWORD=...   # optional: log in to /admin/ as "admin"
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.django_app:app

or under ASGI: ``uvicorn examples.frameworks.django_app:asgi``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET
from django.views.generic.edit import FormView
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

import flashmw.jinja

from .._support import TEMPLATES, fallback_keys_from_env, lazy_app, secret_key_from_env

#: The setting that makes every ``messages.*`` call use flashmw.
MESSAGE_STORAGE = "flashmw.django.FlashStorage"
#: The variable that holds the password of the ``admin`` superuser.
ADMIN_PASSWORD_VARIABLE = "DJANGO_ADMIN_PASSWORD"


def jinja_environment(**options: Any) -> Environment:
    """The Jinja2 environment of Django's backend, with flashmw installed."""
    return flashmw.jinja.install(Environment(**options))


def _database() -> str:
    folder = tempfile.mkdtemp(prefix="flashmw-django-")
    atexit.register(shutil.rmtree, folder, True)
    return os.path.join(folder, "db.sqlite3")


def configure(secret_key: str, fallback_keys: Sequence[str] = ()) -> None:
    """Configure the project's settings, once per process.

    Django's settings are process-wide: a later call (the tests make one app
    per test) only changes the keys, which flashmw's storage picks up.
    """
    if settings.configured:
        from django.core.signals import setting_changed

        for name, value in (
            ("SECRET_KEY", secret_key),
            ("SECRET_KEY_FALLBACKS", list(fallback_keys)),
        ):
            setattr(settings, name, value)
            # What override_settings sends: code that caches what it derives
            # from a setting (flashmw's storage does) starts again.
            setting_changed.send(
                sender=type(settings), setting=name, value=value, enter=True
            )
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secret_key,
        SECRET_KEY_FALLBACKS=list(fallback_keys),
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            # Optional: flashmw's settings are then checked at startup.
            "flashmw.django.FlashmwConfig",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        MESSAGE_STORAGE=MESSAGE_STORAGE,
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": _database(),
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        STATIC_URL="/static/",
        TEMPLATES=[
            {
                # The admin's own templates.
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            },
            {
                # The example's pages, with flashmw's partial.
                "BACKEND": "django.template.backends.jinja2.Jinja2",
                "OPTIONS": {
                    "environment": f"{__name__}.jinja_environment",
                    "loader": ChoiceLoader(
                        [FileSystemLoader(TEMPLATES), flashmw.jinja.loader()]
                    ),
                },
            },
        ],
    )


class ItemForm(forms.Form):
    """One item to save; an empty one is refused."""

    item = forms.CharField(max_length=100, strip=True)


class SaveView(SuccessMessageMixin, FormView):  # type: ignore[type-arg]
    """Save an item: ``SuccessMessageMixin`` flashes the outcome."""

    form_class = ItemForm
    success_message = "Saved %(item)s."
    http_method_names = ["post"]

    def get_success_url(self) -> str:
        """Back to the form."""
        return reverse("index")

    def form_valid(self, form: ItemForm) -> HttpResponse:
        """Redirect with ``303 See Other`` (Post/Redirect/Get)."""
        response = super().form_valid(form)
        response.status_code = 303  # Django has no See Other class
        return response

    def form_invalid(self, form: ItemForm) -> HttpResponse:
        """Say what is wrong on the form's page."""
        messages.error(self.request, "Please enter an item.")
        response = HttpResponseRedirect(reverse("index"))
        response.status_code = 303
        return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The form and the messages."""
    context = {
        "framework": "Django",
        "action": reverse("save"),
        "note": "The view flashes with django.contrib.messages "
        "(SuccessMessageMixin); MESSAGE_STORAGE stores the messages in "
        "flashmw's cookie, and this page shows them with flashmw's partial.",
    }
    return render(request, "frameworks/page.html", context, using="jinja2")


def _urlpatterns() -> list[Any]:
    # The admin imports models, which need the settings: built on first use.
    from django.contrib import admin

    return [
        path("", index, name="index"),
        path("save", SaveView.as_view(), name="save"),
        path("admin/", admin.site.urls),
    ]


def _start() -> None:
    """Set Django up, make the database and, if asked, the superuser."""
    import django
    from django.core.management import call_command

    django.setup(set_prefix=False)
    call_command("migrate", verbosity=0, interactive=False)
    password = os.environ.get(ADMIN_PASSWORD_VARIABLE)
    if password:
        from django.contrib.auth import get_user_model

        users = get_user_model()
        if not users.objects.filter(username="admin").exists():
            users.objects.create_superuser("admin", "admin@example.invalid", password)


_started = False


def make_app(
    secret_key: str | None = None, fallback_keys: Sequence[str] | None = None
) -> Any:
    """Django's WSGI handler for this project; no wrapper is needed."""
    global _started
    configure(
        secret_key_from_env() if secret_key is None else secret_key,
        fallback_keys_from_env() if fallback_keys is None else fallback_keys,
    )
    if not _started:
        _start()
        _started = True
    from django.core.wsgi import get_wsgi_application

    # What a project's wsgi.py returns, untouched: no wrapper is needed.
    return get_wsgi_application()


def make_asgi(secret_key: str | None = None) -> Any:
    """Django's ASGI handler for the same project, as its asgi.py makes it."""
    make_app(secret_key)
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


_wsgi = lazy_app(__name__, make_app)


def __getattr__(name: str) -> object:
    """``app`` (WSGI, for gunicorn), ``asgi`` (for uvicorn) and the URLs,
    built on first access."""
    if name == "asgi":
        return make_asgi()
    if name == "urlpatterns":  # ROOT_URLCONF
        return _urlpatterns()
    return _wsgi(name)
