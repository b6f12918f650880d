"""Falcon, which has no flashing of its own, with flashmw's middleware
component.

``falcon.App(middleware=[FlashComponent(...)])`` puts each request's flashes
on ``req.context.flashes``; responders flash there, and the page's Jinja2
layout reads the messages.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.falcon_app:app
"""

from __future__ import annotations

from typing import Any

import falcon

from flashmw.falcon import FlashComponent

from .._support import fallback_keys_from_env, lazy_app, secret_key_from_env, templates

_templates = templates()


class Index:
    """``GET /``: the form and the messages."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        page = _templates.get_template("frameworks/page.html")
        resp.text = page.render(
            framework="Falcon", action="/save", call="req.context.flashes.flash(…)"
        )


class Save:
    """``POST /save``: flash the outcome on ``req.context`` and redirect."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form: Any = req.get_media(default_when_empty={})
        item = str(form.get("item", "")).strip()
        if item:
            req.context.flashes.flash(f"Saved {item}.", "success")
        else:
            req.context.flashes.flash("Please enter an item.", "error")
        raise falcon.HTTPSeeOther("/")


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> falcon.App:
    """A Falcon application with the component; the keys default to the
    environment variables."""
    app = falcon.App(
        middleware=[
            FlashComponent(
                secret_key_from_env() if secret_key is None else secret_key,
                fallback_keys=fallback_keys_from_env()
                if fallback_keys is None
                else fallback_keys,
            )
        ]
    )
    app.add_route("/", Index())
    app.add_route("/save", Save())
    return app


#: ``examples.frameworks.falcon_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
