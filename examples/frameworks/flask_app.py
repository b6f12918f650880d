"""Flask, with flashmw's cookie instead of Flask's session for flashes.

Flask's own ``flash()`` stores messages in the session, which needs
``SECRET_KEY``. Here the flashes travel in flashmw's cookie instead: the app
has no ``SECRET_KEY`` and sets no session cookie. ``app.wsgi_app`` is wrapped
(not ``app``), so Flask's test client and ``app.run`` go through the
middleware too, and :func:`flashmw.jinja.install` replaces Flask's
``get_flashed_messages`` template global with flashmw's.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.flask_app:app
"""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.wrappers import Response

import flashmw.jinja
from flashmw import flash

from .._support import TEMPLATES, lazy_app, wrap


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> Flask:
    """The Flask application, its ``wsgi_app`` wrapped in the middleware."""
    app = Flask(__name__)
    # The examples' templates, then flashmw's partial.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(TEMPLATES), flashmw.jinja.loader()]
    )
    flashmw.jinja.install(app.jinja_env)

    @app.get("/")
    def index() -> str:
        return render_template(
            "frameworks/page.html", framework="Flask", action=url_for("save")
        )

    @app.post("/save")
    def save() -> Response:
        item = request.form.get("item", "").strip()
        if item:
            flash(request.environ, f"Saved {item}.", "success")
        else:
            flash(request.environ, "Please enter an item.", "error")
        return redirect(url_for("index"), 303)

    app.wsgi_app = wrap(app.wsgi_app, secret_key, fallback_keys)  # type: ignore[method-assign]
    return app


#: ``examples.frameworks.flask_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
