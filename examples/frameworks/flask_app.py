"""Flask as its users write it, with flashmw through the Flask extension.

The views call Flask's own ``flash()``, Flask-Login's ``@login_required``
flashes "Please log in to access this page." and Flask-WTF's forms are
validated as usual. One line, ``FlashMessages(app)``, sends all of these
messages to flashmw's cookie instead of the session, with flashmw's
guarantees (nothing consumed by a redirect, ``HEAD`` or an error page;
``Vary`` and ``Cache-Control: private``). The session holds only what
Flask-Login and Flask-WTF put there.

The examples share one environment variable, ``FLASHMW_SECRET_KEY``. Here it
is the application's ``SECRET_KEY`` (Flask-Login and Flask-WTF need one);
the extension derives flashmw's own key from it and never signs with it
directly. A user ``alice`` with the password ``wonderland`` can log in.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.flask_app:app
"""

from __future__ import annotations

import hmac

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_wtf import FlaskForm
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

import flashmw.jinja
from flashmw.flask import FlashMessages

from .._support import (
    TEMPLATES,
    fallback_keys_from_env,
    lazy_app,
    secret_key_from_env,
)

#: The one user of the example and their password (an example, not a store).
USERS = {"alice": "wonderland"}

flash_messages = FlashMessages()
login_manager = LoginManager()
login_manager.login_view = "login"


class User(UserMixin):
    """A user of :data:`USERS`."""

    def __init__(self, name: str) -> None:
        self.id = name


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user whose id the session holds."""
    return User(user_id) if user_id in USERS else None


class ItemForm(FlaskForm):
    """The page's form: one item (CSRF-protected, like every form here)."""

    item = StringField("Item")


class LoginForm(FlaskForm):
    """The login form."""

    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> Flask:
    """The Flask application, in the application factory pattern."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = (
        secret_key_from_env() if secret_key is None else secret_key
    )
    app.config["SECRET_KEY_FALLBACKS"] = (
        fallback_keys_from_env() if fallback_keys is None else fallback_keys
    )
    # The examples' templates, then flashmw's partial.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(TEMPLATES), flashmw.jinja.loader()]
    )
    flash_messages.init_app(app)
    login_manager.init_app(app)

    @app.get("/")
    def index() -> str:
        return render_template(
            "frameworks/flask/page.html",
            framework="Flask",
            action=url_for("save"),
            form=ItemForm(),
        )

    @app.post("/save")
    def save() -> Response:
        form = ItemForm()
        item = (form.item.data or "").strip()
        if not form.validate():
            for errors in form.errors.values():
                for error in errors:
                    flash(error, "error")
        elif item:
            flash(f"Saved {item}.", "success")
        else:
            flash("Please enter an item.", "error")
        return redirect(url_for("index"), 303)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response | str:
        form = LoginForm()
        if form.validate_on_submit():
            name = form.username.data or ""
            password = (form.password.data or "").encode()
            expected = USERS.get(name, "").encode()
            if not hmac.compare_digest(password, expected) or not expected:
                flash("Invalid username or password.", "error")
                return redirect(url_for("login", next=request.args.get("next")), 303)
            login_user(User(name))
            flash(f"Logged in as {name}.", "success")
            # Only a local path: an absolute "next" would be an open redirect.
            target = request.args.get("next") or ""
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("index")
            return redirect(target, 303)
        return render_template("frameworks/flask/login.html", form=form)

    @app.get("/account")
    @login_required
    def account() -> str:
        return render_template("frameworks/flask/account.html")

    return app


#: ``examples.frameworks.flask_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
