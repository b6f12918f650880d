"""Falcon's ASGI flavour, ``falcon.asgi.App``, with flashmw's middleware
component.

The same component as the WSGI Falcon example
(:mod:`examples.frameworks.falcon_app`): ``falcon.asgi.App`` calls its
``*_async`` methods, and responders flash on ``req.context.flashes``. No ASGI
middleware is needed around the app; the component applies the shared rules
in ``process_response``.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/uvicorn examples.asgi.falcon_app:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from flashmw.falcon import FlashComponent

from .._support import fallback_keys_from_env, lazy_app, secret_key_from_env, templates

_templates = templates()


class Index:
    """``GET /``: the form and the messages."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.content_type = falcon.MEDIA_HTML
        page = _templates.get_template("frameworks/page.html")
        resp.text = page.render(
            framework="Falcon ASGI", action="/save", call="req.context.flashes.flash(…)"
        )


class Save:
    """``POST /save``: flash the outcome on ``req.context`` and redirect."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        form: Any = await req.get_media(default_when_empty={})
        item = str(form.get("item", "")).strip()
        if item:
            req.context.flashes.flash(f"Saved {item}.", "success")
        else:
            req.context.flashes.flash("Please enter an item.", "error")
        raise falcon.HTTPSeeOther("/")


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> falcon.asgi.App:
    """A ``falcon.asgi.App`` with the component; the keys default to the
    environment variables."""
    app = falcon.asgi.App(
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


#: ``examples.asgi.falcon_app:app`` for uvicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
