"""Bottle, which has no flashing of its own, with flashmw.

The ``Bottle`` application is wrapped in :class:`~flashmw.FlashMiddleware`,
and views reach the helpers through ``bottle.request.environ``.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.bottle_app:app
"""

from __future__ import annotations

import bottle

from flashmw import FlashMiddleware, flash

from .._support import lazy_app, templates, wrap

_templates = templates()


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """A Bottle application, wrapped in the middleware."""
    app = bottle.Bottle()

    @app.get("/", name="index")
    def index() -> str:
        page = _templates.get_template("frameworks/page.html")
        return page.render(framework="Bottle", action=app.get_url("save"))

    @app.post("/save", name="save")
    def save() -> None:
        item = bottle.request.forms.getunicode("item", default="").strip()
        if item:
            flash(bottle.request.environ, f"Saved {item}.", "success")
        else:
            flash(bottle.request.environ, "Please enter an item.", "error")
        bottle.redirect(app.get_url("index"), 303)

    return wrap(app, secret_key, fallback_keys)


#: ``examples.frameworks.bottle_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
