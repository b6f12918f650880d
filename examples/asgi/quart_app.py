"""Quart (Flask's API on ASGI), with flashmw's cookie instead of the session.

Quart's own ``flash()`` stores messages in the session, which needs
``SECRET_KEY``. Here they travel in flashmw's cookie: ``app.asgi_app`` is
wrapped (not ``app``), so Quart's test client goes through the middleware
too, views pass ``request.scope`` to :func:`flashmw.flash`, and
:func:`flashmw.jinja.install` replaces Quart's ``get_flashed_messages``
template global with flashmw's.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/uvicorn examples.asgi.quart_app:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

from jinja2 import ChoiceLoader, FileSystemLoader
from quart import Quart, redirect, render_template, request, url_for
from quart.typing import ResponseReturnValue

import flashmw.jinja
from flashmw import flash
from flashmw.asgi import FlashMiddleware

from .._support import TEMPLATES, fallback_keys_from_env, lazy_app, secret_key_from_env


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> Quart:
    """The Quart application, its ``asgi_app`` wrapped in the middleware."""
    app = Quart(__name__)
    # The examples' templates, then flashmw's partial.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(TEMPLATES), flashmw.jinja.loader()]
    )
    flashmw.jinja.install(app.jinja_env)

    @app.get("/")
    async def index() -> str:
        return await render_template(
            "frameworks/page.html", framework="Quart", action=url_for("save")
        )

    @app.post("/save")
    async def save() -> ResponseReturnValue:
        form = await request.form
        item = form.get("item", "").strip()
        if item:
            flash(request.scope, f"Saved {item}.", "success")
        else:
            flash(request.scope, "Please enter an item.", "error")
        return redirect(url_for("index"), 303)

    app.asgi_app = FlashMiddleware(  # type: ignore[method-assign]
        app.asgi_app,
        secret_key or secret_key_from_env(),
        fallback_keys=fallback_keys_from_env()
        if fallback_keys is None
        else fallback_keys,
    )
    return app


#: ``examples.asgi.quart_app:app`` for uvicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
