"""Falcon, which has no flashing of its own, with flashmw.

The ``falcon.App`` is wrapped in :class:`~flashmw.FlashMiddleware`, and
responders reach the helpers through ``req.env``, Falcon's name for the WSGI
environ.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.falcon_app:app
"""

from __future__ import annotations

from typing import Any

import falcon

from flashmw import FlashMiddleware, flash

from .._support import lazy_app, templates, wrap

_templates = templates()


class Index:
    """``GET /``: the form and the messages."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        page = _templates.get_template("frameworks/page.html")
        resp.text = page.render(framework="Falcon", action="/save")


class Save:
    """``POST /save``: flash the outcome through ``req.env`` and redirect."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form: Any = req.get_media(default_when_empty={})
        item = str(form.get("item", "")).strip()
        if item:
            flash(req.env, f"Saved {item}.", "success")
        else:
            flash(req.env, "Please enter an item.", "error")
        raise falcon.HTTPSeeOther("/")


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """A Falcon application, wrapped in the middleware."""
    app = falcon.App()
    app.add_route("/", Index())
    app.add_route("/save", Save())
    return wrap(app, secret_key, fallback_keys)


#: ``examples.frameworks.falcon_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
