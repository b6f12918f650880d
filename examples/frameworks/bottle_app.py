"""Bottle, which has no flashing of its own, with flashmw's plugin.

The application installs :class:`~flashmw.bottle.FlashPlugin`; views call
:func:`flashmw.bottle.flash` the way they use ``bottle.request``, without
passing the request, and the page's Jinja2 layout reads the messages.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.bottle_app:app
"""

from __future__ import annotations

import bottle

from flashmw.bottle import FlashPlugin, flash

from .._support import fallback_keys_from_env, lazy_app, secret_key_from_env, templates

_templates = templates()


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> bottle.Bottle:
    """A Bottle application with the plugin; the keys default to the
    environment variables."""
    app = bottle.Bottle()
    app.install(
        FlashPlugin(
            secret_key_from_env() if secret_key is None else secret_key,
            fallback_keys=fallback_keys_from_env()
            if fallback_keys is None
            else fallback_keys,
        )
    )

    @app.get("/", name="index")
    def index() -> str:
        page = _templates.get_template("frameworks/page.html")
        return page.render(
            framework="Bottle", action=app.get_url("save"), call="flash(…)"
        )

    @app.post("/save", name="save")
    def save() -> None:
        item = bottle.request.forms.getunicode("item", default="").strip()
        if item:
            flash(f"Saved {item}.", "success")
        else:
            flash("Please enter an item.", "error")
        bottle.redirect(app.get_url("index"), 303)

    return app


#: ``examples.frameworks.bottle_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
