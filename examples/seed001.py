"""Seed 001: ``POST /foo`` flashes a message and redirects to ``/bar``.

The Hexlet lesson on flash messages on plain WSGI. ``POST /foo`` flashes
``('This is a message', 'success')`` and answers ``303 See Other`` to
``/bar``, which reads ``get_flashed_messages(with_categories=True)`` (``[('success',
'This is a message')]``) and renders them as ``ul.flashes`` with the category
as each item's class. A refresh of ``/bar`` shows nothing: the messages were
shown once. ``POST /many`` flashes four messages in two categories, which
come back in the order they were flashed.

Run it alone (the demo mounts it at ``/seed001``)::

    FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \\
        .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.seed001:app
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from flashmw import FlashMiddleware, flash, get_flashed_messages

from ._support import Page, Site, lazy_app, templates, wrap

#: The WSGI application without the middleware (the demo wraps it once).
site = Site(templates())


@site.route("/")
def index(page: Page) -> Response:
    """The forms that post to ``/foo`` and ``/many``."""
    return page.render("seed001/index.html")


@site.route("/foo", methods=["POST"])
def foo(page: Page) -> Response:
    """Flash a message; it becomes available to the next request."""
    flash(page.environ, "This is a message", "success")
    return page.redirect("bar")


@site.route("/many", methods=["POST"])
def many(page: Page) -> Response:
    """Flash several messages of several categories."""
    flash(page.environ, "first message", "success")
    flash(page.environ, "second message", "success")
    flash(page.environ, "first message", "error")
    flash(page.environ, "another message", "error")
    return page.redirect("bar")


@site.route("/bar")
def bar(page: Page) -> Response:
    """Read the messages the previous request flashed and render them."""
    messages = get_flashed_messages(page.environ, with_categories=True)
    return page.render("seed001/bar.html", messages=messages)


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """The example on its own, with the keys from the environment by default."""
    return wrap(site, secret_key, fallback_keys)


#: ``examples.seed001:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
