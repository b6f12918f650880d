"""Flask extensions that flash through ``flask.flash``, unchanged, with the
flashmw extension installed: Flask-Login, Flask-WTF and Flask-Admin.

Each test uses the extension as its documentation shows and Flask's own
test client.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

pytest.importorskip("flask_login")
pytest.importorskip("flask_wtf")
from flask import (  # noqa: E402
    Flask,
    flash,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask.testing import FlaskClient  # noqa: E402
from flask_login import (  # noqa: E402
    LoginManager,
    UserMixin,
    login_required,
    login_user,
)
from flask_wtf import FlaskForm  # noqa: E402
from wtforms import PasswordField, StringField  # noqa: E402
from wtforms.validators import DataRequired  # noqa: E402

from flashmw.flask import FlashMessages  # noqa: E402

LAYOUT = """
{%- for category, message in get_flashed_messages(with_categories=true) -%}
<p class="{{ category }}">{{ message }}</p>
{%- endfor -%}
{% if form %}<form method="post">{{ form.csrf_token }}</form>{% endif %}
"""


class User(UserMixin):
    def __init__(self, name: str) -> None:
        self.id = name


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def login_app() -> Flask:
    """The login pattern of Flask-Login's and Flask-WTF's documentation."""
    app = Flask(f"login_{secrets.token_hex(4)}")
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    FlashMessages(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return User(user_id) if user_id == "alice" else None

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        form = LoginForm()
        if form.validate_on_submit():
            if form.password.data != "wonderland":
                flash("Wrong password.", "error")
                return redirect(url_for("login"), 303)
            login_user(User(form.username.data or ""))
            flash("Logged in.", "success")
            return redirect(request.args.get("next") or "/", 303)
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return render_template_string(LAYOUT, form=form)

    @app.get("/account")
    @login_required
    def account() -> str:
        return render_template_string(LAYOUT, form=None) + "account page"

    return app


def messages(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="([^"]*)">([^<]*)</p>', html)


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def session_data(app: Flask, client: FlaskClient) -> Any:
    cookie = client.get_cookie("session")
    assert cookie is not None
    interface = app.session_interface.inner  # type: ignore[attr-defined]
    return interface.get_signing_serializer(app).loads(cookie.value)


def test_login_required_message_goes_through_flashmw() -> None:
    app = login_app()
    client = app.test_client()
    bounced = client.get("/account")
    assert bounced.status_code == 302
    assert "/login?next=" in bounced.headers["Location"]
    assert any(c.startswith("flashmw=") for c in bounced.headers.getlist("Set-Cookie"))
    page = client.get(bounced.headers["Location"])
    assert messages(page.text) == [("message", "Please log in to access this page.")]
    # Flask-WTF's CSRF token lives in the session; the message never does.
    assert "_flashes" not in session_data(app, client)
    assert "csrf_token" in session_data(app, client)
    again = client.get("/login")
    assert messages(again.text) == []

    wrong = client.post(
        "/login",
        data={"username": "alice", "password": "x", "csrf_token": token(again.text)},
    )
    assert wrong.status_code == 303
    page = client.get("/login")
    assert messages(page.text) == [("error", "Wrong password.")]

    logged = client.post(
        "/login?next=/account",
        data={
            "username": "alice",
            "password": "wonderland",
            "csrf_token": token(page.text),
        },
    )
    assert logged.status_code == 303 and logged.headers["Location"] == "/account"
    account = client.get("/account")
    assert account.status_code == 200
    assert messages(account.text) == [("success", "Logged in.")]
    assert session_data(app, client)["_user_id"] == "alice"
    assert "_flashes" not in session_data(app, client)
    assert messages(client.get("/account").text) == []


def test_flask_wtf_validation_errors_and_csrf() -> None:
    app = login_app()
    client = app.test_client()
    # No CSRF token: Flask-WTF refuses the form; its error is flashed.
    refused = client.post("/login", data={"username": "", "password": ""})
    assert refused.status_code == 200
    assert ("error", "The CSRF token is missing.") in messages(refused.text)
    # The page that rendered the errors consumed them.
    assert messages(client.get("/login").text) == []


def test_flask_admin_pages_show_the_messages() -> None:
    pytest.importorskip("flask_admin")
    from flask_admin import Admin, BaseView, expose

    class Tools(BaseView):
        @expose("/")
        def index(self) -> str:
            return self.render("admin/index.html")

        @expose("/run", methods=["POST"])
        def run(self) -> Any:
            flash("Task started.", "success")
            return redirect(url_for(".index"), 303)

    app = Flask(f"admin_{secrets.token_hex(4)}")
    app.config["FLASHMW_SECRET_KEY"] = secrets.token_hex(32)
    FlashMessages(app)
    Admin(app, name="Back office").add_view(Tools(name="Tools", endpoint="tools"))
    client = app.test_client()
    posted = client.post("/admin/tools/run")
    assert posted.status_code == 303
    page = client.get(posted.headers["Location"]).text
    # Flask-Admin's layout renders the messages with its own macro.
    assert "Task started." in page
    assert "Task started." not in client.get("/admin/tools/").text
    # No SECRET_KEY and no session: the admin flashed anyway.
    assert client.get_cookie("session") is None
    with app.test_request_context():
        assert "_flashes" not in session


def test_flask_caching_with_the_readme_recipe() -> None:
    pytest.importorskip("flask_caching")
    from flask_caching import Cache

    import flashmw

    app = Flask(f"cache_{secrets.token_hex(4)}")
    app.config.update(
        FLASHMW_SECRET_KEY=secrets.token_hex(32), CACHE_TYPE="SimpleCache"
    )
    FlashMessages(app)
    cache = Cache(app)
    renders: list[str] = []

    def no_flashes(rv: object) -> bool:
        return not flashmw.get_flashes(request.environ).shown

    def cached(view: Any) -> Any:
        return cache.cached(
            unless=lambda: "flashmw" in request.cookies, response_filter=no_flashes
        )(view)

    @app.get("/news")
    @cached
    def news() -> str:
        renders.append("news")
        return render_template_string(LAYOUT, form=None) + "news"

    @app.get("/welcome")
    @cached
    def welcome() -> str:
        renders.append("welcome")
        flashmw.get_flashes(request.environ).now("Welcome back.")
        return render_template_string(LAYOUT, form=None)

    @app.post("/save")
    def save() -> Any:
        flash("Saved.")
        return redirect("/news", 303)

    alice, bob = app.test_client(), app.test_client()
    alice.get("/news")
    bob.get("/news")
    assert renders == ["news"]  # bob got the cached page
    alice.post("/save")
    # Alice's message is not hidden behind the cached page...
    assert messages(alice.get("/news").text) == [("message", "Saved.")]
    # ...and the page that showed it was not stored for bob.
    assert messages(bob.get("/news").text) == []
    assert renders == ["news", "news"]
    # A page that showed a message flashed in the request is never stored.
    for _ in range(2):
        assert messages(bob.get("/welcome").text) == [("message", "Welcome back.")]
    assert renders == ["news", "news", "welcome", "welcome"]
