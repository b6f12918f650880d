"""Litestar, with flashmw's cookie instead of its session-based flash plugin.

:class:`flashmw.asgi.FlashMiddleware` is a plain ASGI middleware, which
Litestar takes through ``DefineMiddleware``; handlers pass ``request.scope``
to :func:`flashmw.flash`, and the Jinja2 environment the template engine is
built from has flashmw's ``get_flashed_messages`` global. No session
middleware, no session cookie.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/uvicorn examples.asgi.litestar_app:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Litestar, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.middleware import DefineMiddleware
from litestar.params import Body
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from flashmw import flash
from flashmw.asgi import FlashMiddleware

from .._support import fallback_keys_from_env, lazy_app, secret_key_from_env, templates

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/", name="index")
async def index() -> Template:
    # The template finds the request's messages by itself: the middleware is
    # calling the handler (and Litestar puts the request in the context).
    return Template(
        template_name="frameworks/page.html",
        context={"framework": "Litestar", "action": "/save"},
    )


@post("/save", name="save")
async def save(request: Request[Any, Any, Any], data: Form) -> Redirect:
    item = data.get("item", "").strip()
    if item:
        flash(request.scope, f"Saved {item}.", "success")
    else:
        flash(request.scope, "Please enter an item.", "error")
    # 303: the browser follows with a GET (Post/Redirect/Get).
    return Redirect(path="/", status_code=303)


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> Litestar:
    """The Litestar application with the flash middleware installed."""
    return Litestar(
        route_handlers=[index, save],
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(templates())
        ),
        middleware=[
            DefineMiddleware(
                FlashMiddleware,
                secret_key=secret_key or secret_key_from_env(),
                fallback_keys=fallback_keys_from_env()
                if fallback_keys is None
                else fallback_keys,
            )
        ],
    )


#: ``examples.asgi.litestar_app:app`` for uvicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
