"""Starlette, with flash messages in flashmw's cookie instead of a session.

The middleware is :class:`flashmw.asgi.FlashMiddleware`, a pure ASGI
middleware: no ``SessionMiddleware`` and no session cookie are needed. Views
pass ``request.scope`` to :func:`flashmw.flash`, and the layout renders the
messages through the ``get_flashed_messages`` global that
:func:`flashmw.jinja.install` put in the templates' environment.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/uvicorn examples.asgi.starlette_app:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from flashmw import flash
from flashmw.asgi import FlashMiddleware

from .._support import fallback_keys_from_env, lazy_app, secret_key_from_env, templates


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> Starlette:
    """The Starlette application with the flash middleware installed."""
    # The examples' Jinja2 environment, with flashmw's global installed.
    pages = Jinja2Templates(env=templates())

    async def index(request: Request) -> Response:
        return pages.TemplateResponse(
            request,
            "frameworks/page.html",
            {"framework": "Starlette", "action": request.url_for("save").path},
        )

    async def save(request: Request) -> Response:
        form = await request.form()
        item = str(form.get("item", "")).strip()
        if item:
            flash(request.scope, f"Saved {item}.", "success")
        else:
            flash(request.scope, "Please enter an item.", "error")
        # 303: the browser follows with a GET (Post/Redirect/Get); flashmw
        # keeps the message for the page the redirect leads to.
        return RedirectResponse(request.url_for("index").path, 303)

    return Starlette(
        routes=[
            Route("/", index, name="index"),
            Route("/save", save, methods=["POST"], name="save"),
        ],
        middleware=[
            Middleware(
                FlashMiddleware,
                secret_key=secret_key or secret_key_from_env(),
                fallback_keys=fallback_keys_from_env()
                if fallback_keys is None
                else fallback_keys,
            )
        ],
    )


#: ``examples.asgi.starlette_app:app`` for uvicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
