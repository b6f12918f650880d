"""FastAPI with Jinja2 templates and a form: Post/Redirect/Get with flashmw.

``app.add_middleware(FlashMiddleware, ...)`` installs the pure ASGI
middleware; views flash with ``flash(request.scope, ...)``, and the
templates' ``get_flashed_messages()`` global (:func:`flashmw.jinja.install`)
finds the request's messages by itself, also in a sync view that FastAPI
runs in its threadpool. Form parsing needs ``python-multipart``.

Run (from the repository, after ``pip install -e ".[asgi-demo]"``)::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/uvicorn examples.asgi.fastapi_app:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from flashmw import flash
from flashmw.asgi import FlashMiddleware

from .._support import fallback_keys_from_env, lazy_app, secret_key_from_env, templates


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FastAPI:
    """The FastAPI application with the flash middleware installed."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    pages = Jinja2Templates(env=templates())

    # HEAD too (FastAPI's @app.get answers it 405): link checkers and
    # monitors send it, and flashmw never consumes messages on it.
    @app.api_route(
        "/", methods=["GET", "HEAD"], response_class=HTMLResponse, name="index"
    )
    def index(request: Request) -> HTMLResponse:
        # A sync view: FastAPI runs it in a worker thread with a copy of the
        # context, where the template still finds this request's messages.
        return pages.TemplateResponse(
            request,
            "frameworks/page.html",
            {"framework": "FastAPI", "action": app.url_path_for("save")},
        )

    @app.post("/save", name="save")
    async def save(
        request: Request, item: Annotated[str, Form()] = ""
    ) -> RedirectResponse:
        item = item.strip()
        if item:
            flash(request.scope, f"Saved {item}.", "success")
        else:
            flash(request.scope, "Please enter an item.", "error")
        # 303: the browser follows with a GET (Post/Redirect/Get).
        return RedirectResponse(app.url_path_for("index"), 303)

    app.add_middleware(
        FlashMiddleware,
        secret_key=secret_key or secret_key_from_env(),
        fallback_keys=fallback_keys_from_env()
        if fallback_keys is None
        else fallback_keys,
    )
    return app


#: ``examples.asgi.fastapi_app:app`` for uvicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
