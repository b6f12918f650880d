"""The Flask extension, through Flask's own test client and real extensions.

Every test builds its own application (several apps in one process is one of
the things under test) and talks to it with ``app.test_client()``, which
keeps cookies as a browser does.
"""

from __future__ import annotations

import ast
import html
import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from markupsafe import Markup

flask = pytest.importorskip("flask")
from flask import (  # noqa: E402
    Blueprint,
    Flask,
    abort,
    flash,
    get_flashed_messages,
    message_flashed,
    redirect,
    render_template_string,
    request,
    session,
    stream_template_string,
    stream_with_context,
)
from flask.sessions import SecureCookieSessionInterface  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from itsdangerous import URLSafeTimedSerializer  # noqa: E402

import flashmw  # noqa: E402
import flashmw.flask  # noqa: E402
from flashmw import (  # noqa: E402
    Flashes,
    FlashMiddleware,
    FlashOverflowError,
    FlashWarning,
    HeadersSentError,
    NotInstalledError,
)
from flashmw._keys import derive_key  # noqa: E402
from flashmw.api import _current  # noqa: E402
from flashmw.core import FlashCore  # noqa: E402
from flashmw.flask import FlashMessages, FlashSessionInterface  # noqa: E402

PAGE = "{{ get_flashed_messages(with_categories=true) }}"


def build(config: dict[str, Any] | None = None, **options: Any) -> Flask:
    """An application with the extension and a few views.

    ``POST /save?n=...`` flashes and redirects, ``GET /`` renders every
    message with the template global, ``GET /py`` reads them with
    ``flask.get_flashed_messages()``.
    """
    app = Flask(f"app_{secrets.token_hex(4)}")
    app.config.update(
        {"FLASHMW_SECRET_KEY": secrets.token_hex(32)} if config is None else config
    )
    FlashMessages(app, **options)

    @app.post("/save")
    def save() -> Any:
        flash(request.args.get("text", "Saved."), request.args.get("cat", "success"))
        return redirect("/", 303)

    @app.get("/")
    def index() -> str:
        return render_template_string(PAGE)

    @app.get("/py")
    def py() -> str:
        return repr(get_flashed_messages(with_categories=True))

    @app.get("/plain")
    def plain() -> str:
        return "nothing about flashes"

    return app


def set_cookies(response: Any, name: str = "flashmw") -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name)]


@pytest.fixture
def app() -> Flask:
    return build()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def shown(client: FlaskClient, path: str = "/", **kwargs: Any) -> list[Any]:
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.text
    # The page is a repr() of the messages (HTML-escaped by the template).
    return ast.literal_eval(html.unescape(response.text))


# -- the guarantees ---------------------------------------------------------------


def test_post_redirect_get_shows_once_without_a_session(client: FlaskClient) -> None:
    posted = client.post("/save")
    assert posted.status_code == 303
    assert len(set_cookies(posted)) == 1
    assert posted.headers["Cache-Control"] == "private"
    assert posted.headers["Vary"] == "Cookie"
    assert shown(client) == [("success", "Saved.")]
    assert shown(client) == []
    assert client.get_cookie("flashmw") is None
    # Nothing went into Flask's session: the app has no SECRET_KEY at all.
    assert client.get_cookie("session") is None
    assert client.application.secret_key is None


def test_a_read_on_a_redirect_keeps_the_messages(app: Flask) -> None:
    @app.get("/bounce")
    def bounce() -> Any:
        assert get_flashed_messages() == ["Saved."]
        return redirect("/py", 302)

    client = app.test_client()
    client.post("/save")
    bounced = client.get("/bounce")
    assert bounced.status_code == 302
    assert set_cookies(bounced) == []
    assert bounced.headers["Cache-Control"] == "private"
    assert shown(client, "/py") == [("success", "Saved.")]
    assert shown(client, "/py") == []


def test_head_and_prefetch_do_not_consume(client: FlaskClient) -> None:
    client.post("/save")
    head = client.head("/")
    assert head.status_code == 200 and set_cookies(head) == []
    prefetch = client.get("/", headers={"Sec-Purpose": "prefetch"})
    assert "Saved." in prefetch.text and set_cookies(prefetch) == []
    image = client.get("/", headers={"Sec-Fetch-Dest": "image"})
    assert "Saved." in image.text and set_cookies(image) == []
    assert shown(client) == [("success", "Saved.")]
    assert shown(client) == []


def test_5xx_keeps_what_was_read(app: Flask) -> None:
    @app.get("/broken")
    def broken() -> Any:
        get_flashed_messages()
        abort(503)

    client = app.test_client()
    client.post("/save")
    failed = client.get("/broken")
    assert failed.status_code == 503 and set_cookies(failed) == []
    assert shown(client) == [("success", "Saved.")]


def test_a_view_that_raises_stores_nothing(app: Flask) -> None:
    @app.get("/crash")
    def crash() -> Any:
        get_flashed_messages()
        flash("Half done.")
        raise LookupError("boom")

    @app.errorhandler(500)
    def error_page(error: Exception) -> tuple[str, int]:
        # The error page shows the messages: still not consumed.
        return render_template_string(PAGE), 500

    client = app.test_client()
    client.post("/save")
    crashed = client.get("/crash")
    assert crashed.status_code == 500
    assert "Saved." in crashed.text
    assert set_cookies(crashed) == []
    assert crashed.headers["Cache-Control"] == "private"
    # The message flashed by the view that raised was never stored.
    assert shown(client) == [("success", "Saved.")]

    app.testing = True  # PROPAGATE_EXCEPTIONS: the exception reaches the test
    client.post("/save", query_string={"text": "Again."})
    with pytest.raises(LookupError):
        client.get("/crash")
    assert shown(client) == [("success", "Again.")]


def test_message_flashed_still_fires(app: Flask) -> None:
    seen: list[tuple[Any, str, str]] = []

    def record(sender: Flask, message: str, category: str) -> None:
        seen.append((sender, message, category))

    with message_flashed.connected_to(record, app):
        app.test_client().post("/save", query_string={"text": "Hi", "cat": "info"})
    assert seen == [(app, "Hi", "info")]


def test_vary_and_cache_control_only_where_flashes_matter(app: Flask) -> None:
    @app.after_request
    def add_vary(response: Any) -> Any:
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = "max-age=60"
        return response

    client = app.test_client()
    plain = client.get("/plain")
    assert plain.headers["Vary"] == "Accept-Encoding"
    assert plain.headers["Cache-Control"] == "max-age=60"
    client.post("/save")
    page = client.get("/")
    assert page.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]
    assert page.headers.getlist("Cache-Control") == ["max-age=60, private"]
    (deleted,) = set_cookies(page)
    assert "Max-Age=0" in deleted and "HttpOnly" in deleted and "Path=/" in deleted
    # An HTTPS request gets Secure, from wsgi.url_scheme only.
    client.post("/save")
    secure = client.get("/", base_url="https://localhost/")
    assert "Secure" in set_cookies(secure)[0]


def test_flashmw_helpers_share_the_cookie(app: Flask) -> None:
    @app.post("/both")
    def both() -> Any:
        flashmw.flash(request.environ, "From flashmw.", "info")
        flash("From Flask.")
        return redirect("/", 303)

    @app.get("/mixed")
    def mixed() -> str:
        first = flashmw.get_flashed_messages(request.environ, with_categories=True)
        return repr([first, get_flashed_messages(with_categories=True)])

    client = app.test_client()
    client.post("/both")
    expected = [("info", "From flashmw."), ("message", "From Flask.")]
    assert shown(client, "/mixed") == [expected, expected]
    assert shown(client, "/mixed") == [[], []]


def test_markup_survives_and_text_is_escaped(app: Flask) -> None:
    @app.post("/markup")
    def markup() -> Any:
        flash(Markup("<b>bold</b>"))
        flash("<i>text</i>")
        return redirect("/", 303)

    @app.get("/types")
    def types() -> str:
        messages = get_flashed_messages()
        assert [type(m) for m in messages] == [Markup, str]
        return render_template_string(
            "{% for m in get_flashed_messages() %}{{ m }}|{% endfor %}"
        )

    client = app.test_client()
    client.post("/markup")
    assert client.get("/types").text == "<b>bold</b>|&lt;i&gt;text&lt;/i&gt;|"


def test_the_template_global_filters_one_category_exactly(app: Flask) -> None:
    assert (
        app.jinja_env.globals["get_flashed_messages"]
        is flashmw.flask.get_flashed_messages
    )

    @app.get("/errors")
    def errors() -> str:
        return render_template_string(
            "{{ get_flashed_messages(category_filter='error') }}"
        )

    @app.get("/errors-py")
    def errors_py() -> str:
        return repr(get_flashed_messages(category_filter="error"))

    client = app.test_client()
    client.post("/save", query_string={"text": "x", "cat": "rr"})
    # Flask's own global would match "rr" inside "error".
    assert client.get("/errors").text == "[]"
    # Flask's function, called from Python, keeps its substring test.
    client.post("/save", query_string={"text": "x", "cat": "rr"})
    assert client.get("/errors-py").text == "['x']"


def test_session_idioms_on_the_flashes_key(app: Flask) -> None:
    @app.get("/idioms")
    def idioms() -> str:
        present = "_flashes" in session
        listed = list(session.get("_flashes"))
        del session["_flashes"]
        return repr([present, listed, "_flashes" in session, dict(session)])

    client = app.test_client()
    client.post("/save")
    assert shown(client, "/idioms") == [True, [("success", "Saved.")], False, {}]
    assert shown(client) == []
    with pytest.raises(TypeError, match="pairs"), app.test_request_context():
        session["_flashes"] = ["not a pair"]


def test_test_request_context_and_session_transaction(app: Flask) -> None:
    client = app.test_client()
    with client.session_transaction() as seeded:
        seeded["_flashes"] = [("info", "Seeded.")]
    assert shown(client) == [("info", "Seeded.")]

    cookie = set_cookies(client.post("/save"))[0].split(";")[0]
    with app.test_request_context(headers={"Cookie": cookie}):
        flash("Now.")
        assert get_flashed_messages() == ["Saved.", "Now."]
        assert flashmw.current_flashes() is request.environ["flashmw.flashes"]
    assert _current.get() is None


# -- what runs around the views -----------------------------------------------------


def test_blueprints(app: Flask) -> None:
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.post("/buy")
    def buy() -> Any:
        flash("Bought.", "success")
        return redirect("/", 303)

    app.register_blueprint(shop)
    client = app.test_client()
    client.post("/shop/buy")
    assert shown(client) == [("success", "Bought.")]


def test_stream_template_reads_warn_and_stay(app: Flask) -> None:
    @app.get("/stream")
    def stream() -> Any:
        return stream_template_string(PAGE)

    @app.get("/stream-read-first")
    def stream_read_first() -> Any:
        # Read before the headers go: the streamed template sees the same
        # list, and the messages are consumed.
        get_flashed_messages()
        return stream_template_string(PAGE)

    @app.get("/stream-flash")
    def stream_flash() -> Any:
        def body() -> Iterator[str]:
            yield "a"
            flash("Too late.")
            yield "b"

        return stream_with_context(body())

    client = app.test_client()
    client.post("/save")
    with pytest.warns(FlashWarning, match="after the response headers"):
        assert "Saved." in client.get("/stream").text
    assert "Saved." in client.get("/stream-read-first").text
    assert shown(client) == []
    with pytest.raises(HeadersSentError):
        client.get("/stream-flash").get_data()


def test_two_apps_in_one_process_are_independent() -> None:
    extension = FlashMessages()
    first, second = Flask("first"), Flask("second")
    first.config["FLASHMW_SECRET_KEY"] = secrets.token_hex(32)
    second.config["FLASHMW_SECRET_KEY"] = secrets.token_hex(32)
    for app in (first, second):
        extension.init_app(app)

        @app.post("/save")
        def save() -> Any:
            flash(f"Saved by {request.host}.")
            return redirect("/", 303)

        @app.get("/")
        def index() -> str:
            return repr(get_flashed_messages())

    assert first.extensions["flashmw"] is not second.extensions["flashmw"]
    assert first.session_interface is not second.session_interface
    client = first.test_client()
    cookie = set_cookies(client.post("/save"))[0].split(";")[0]
    # The other app's key does not verify it: no messages, the cookie is
    # deleted.
    other = second.test_client(use_cookies=False).get("/", headers={"Cookie": cookie})
    assert other.text == "[]" and "Max-Age=0" in set_cookies(other)[0]
    assert client.get("/").text == "['Saved by localhost.']"


def test_an_outer_middleware_owns_the_cookie(app: Flask) -> None:
    app.wsgi_app = FlashMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, secrets.token_hex(32), cookie_name="outer"
    )
    client = app.test_client()
    posted = client.post("/save")
    assert [c.split("=")[0] for c in posted.headers.getlist("Set-Cookie")] == ["outer"]
    assert shown(client) == [("success", "Saved.")]
    assert client.get_cookie("outer") is None


# -- Flask's own session, before and alongside ----------------------------------


def session_app() -> Flask:
    app = build({"SECRET_KEY": secrets.token_hex(32)})

    @app.post("/login")
    def login() -> Any:
        session["user"] = "alice"
        flash("Welcome.")
        return redirect("/", 303)

    @app.get("/whoami")
    def whoami() -> str:
        return repr([session.get("user"), get_flashed_messages()])

    return app


def flask_cookie(app: Flask, data: dict[str, Any]) -> str:
    interface = app.session_interface
    assert isinstance(interface, FlashSessionInterface)
    serializer = interface.inner.get_signing_serializer(app)  # type: ignore[attr-defined]
    return f"session={serializer.dumps(data)}"


def read_flask_cookie(app: Flask, client: FlaskClient) -> Any:
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.inner.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.loads(cookie.value)


def test_the_session_keeps_working_and_never_holds_flashes() -> None:
    app = session_app()
    client = app.test_client()
    posted = client.post("/login")
    assert len(set_cookies(posted)) == 1
    assert read_flask_cookie(app, client) == {"user": "alice"}
    assert shown(client, "/whoami") == ["alice", ["Welcome."]]
    assert read_flask_cookie(app, client) == {"user": "alice"}


def test_old_flashes_in_the_session_are_shown_once() -> None:
    app = session_app()
    old = {"user": "bob", "_flashes": [("info", "From before."), ("message", "Two")]}
    client = app.test_client()
    client.set_cookie("session", flask_cookie(app, old).split("=", 1)[1])
    # A redirect reads nothing for good: the old messages move to flashmw's
    # cookie, and the session is rewritten without them.
    client.post("/save", query_string={"text": "New."})
    assert read_flask_cookie(app, client) == {"user": "bob"}
    assert shown(client, "/whoami") == ["bob", ["From before.", "Two", "New."]]
    assert shown(client, "/whoami") == ["bob", []]


def test_unusable_old_flashes_are_dropped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = session_app()
    client = app.test_client()
    cases = [
        (42, [], "moved 0 flash message(s)", "dropped 1"),
        ([["one"], ("ok", "Kept."), (1, 2)], [("ok", "Kept.")], "moved 1", "dropped 2"),
    ]
    for junk, expected, moved, dropped in cases:
        client.set_cookie(
            "session",
            flask_cookie(app, {"_flashes": junk}).split("=", 1)[1],
        )
        with caplog.at_level(logging.INFO, logger="flashmw"):
            page = shown(client, "/py")
        assert page == expected
        assert moved in caplog.text and dropped in caplog.text
        assert caplog.records[-1].levelno == logging.WARNING
        # The session held only the old messages: Flask deletes it.
        assert client.get_cookie("session") is None
        caplog.clear()


# -- configuration ----------------------------------------------------------------


def test_the_key_is_derived_from_secret_key_never_used_raw() -> None:
    key = secrets.token_hex(32)
    app = build({"SECRET_KEY": key})
    value = set_cookies(app.test_client().post("/save"))[0].split(";")[0].split("=")[1]
    derived = FlashCore(derive_key(key)).codec
    raw = FlashCore(key).codec
    assert derived.decode(value).problem is None
    assert raw.decode(value).problem is not None
    assert derive_key(key) != key


def test_secret_key_fallbacks_verify_old_cookies() -> None:
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    before = build({"SECRET_KEY": old})
    cookie = set_cookies(before.test_client().post("/save"))[0].split(";")[0]
    after = build({"SECRET_KEY": new, "SECRET_KEY_FALLBACKS": [old]})
    page = after.test_client(use_cookies=False).get("/py", headers={"Cookie": cookie})
    assert page.text == "[('success', 'Saved.')]"
    rotated = build({"SECRET_KEY": new})
    assert (
        rotated.test_client(use_cookies=False)
        .get("/py", headers={"Cookie": cookie})
        .text
        == "[]"
    )


def test_config_then_keywords() -> None:
    app = build(
        {
            "FLASHMW_SECRET_KEY": secrets.token_hex(32),
            "FLASHMW_COOKIE_NAME": "from_config",
            "FLASHMW_MAX_AGE": 60,
            "FLASHMW_CACHE_CONTROL": "no-store",
        },
        cookie_name="from_keyword",
    )
    posted = app.test_client().post("/save")
    (cookie,) = posted.headers.getlist("Set-Cookie")
    assert cookie.startswith("from_keyword=") and "Max-Age=60" in cookie
    assert posted.headers["Cache-Control"] == "no-store"
    # FLASHMW_SECRET_KEY wins over SECRET_KEY, and keyword secret_key over both.
    key = secrets.token_hex(32)
    both = build(
        {"SECRET_KEY": secrets.token_hex(32), "FLASHMW_SECRET_KEY": "x"},
        secret_key=key,
    )
    value = set_cookies(both.test_client().post("/save"))[0].split(";")[0]
    codec = FlashCore(key).codec
    assert codec.decode(value.split("=", 1)[1]).problem is None
    # Keyword fallback keys replace the derived SECRET_KEY_FALLBACKS.
    old = secrets.token_hex(32)
    cookie = set_cookies(build(secret_key=old).test_client().post("/save"))[0]
    rotated = build(
        {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": [key]},
        fallback_keys=[old],
    )
    page = rotated.test_client(use_cookies=False).get(
        "/py", headers={"Cookie": cookie.split(";")[0]}
    )
    assert page.text == "[('success', 'Saved.')]"


@pytest.mark.parametrize(
    ("config", "options", "error", "match"),
    [
        ({}, {}, ValueError, "FLASHMW_SECRET_KEY, or SECRET_KEY"),
        ({"SECRET_KEY": "dev"}, {}, ValueError, "SECRET_KEY is 3 bytes"),
        ({"SECRET_KEY": "you-will-never-guess"}, {}, ValueError, "well-known"),
        ({"FLASHMW_SECRET_KEY": "short"}, {}, ValueError, "secret_key is 5 bytes"),
        (
            {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": "old"},
            {},
            TypeError,
            "SECRET_KEY_FALLBACKS must be a list",
        ),
        (
            {"SECRET_KEY": secrets.token_hex(32), "SECRET_KEY_FALLBACKS": ["dev"]},
            {},
            ValueError,
            r"SECRET_KEY_FALLBACKS\[0\]",
        ),
        ({"FLASHMW_MAXAGE": 60}, {}, ValueError, "unknown flashmw option"),
        (
            {"FLASHMW_SECRET_KEY": secrets.token_hex(32), "FLASHMW_MAX_AGE": "60"},
            {},
            ValueError,
            r"max_age.*FLASHMW_MAX_AGE",
        ),
        (
            {"FLASHMW_SECRET_KEY": secrets.token_hex(32)},
            {"fallback_keys": "old"},
            TypeError,
            "fallback_keys",
        ),
    ],
)
def test_bad_configuration_is_refused_by_init_app(
    config: dict[str, Any], options: dict[str, Any], error: type, match: str
) -> None:
    app = Flask("bad")
    app.config.update(config)
    with pytest.raises(error, match=match):
        FlashMessages(app, **options)
    assert "flashmw" not in app.extensions
    assert not isinstance(app.session_interface, FlashSessionInterface)


def test_misuse_is_refused(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="already installed"):
        FlashMessages(app)
    app.session_interface = type(app.session_interface.inner)()  # type: ignore[attr-defined]
    app.testing = True
    with pytest.raises(RuntimeError, match="init_app"):
        app.test_client().get("/plain")


def test_itsdangerous_tokens_of_secret_key_are_not_flash_cookies() -> None:
    key = secrets.token_hex(32)
    app = build({"SECRET_KEY": key})
    forged = URLSafeTimedSerializer(key).dumps([1, [["x", "Forged.", 0, 0]]])
    page = app.test_client(use_cookies=False).get(
        "/py", headers={"Cookie": f"flashmw={forged}"}
    )
    assert page.text == "[]"


# -- the real session behind the flashes --------------------------------------------


class CountingInterface(SecureCookieSessionInterface):
    """A session interface of the application's own (so opened eagerly, as
    Flask would), counting how often it opens a session."""

    opened = 0

    def open_session(self, app: Flask, request: Any) -> Any:
        CountingInterface.opened += 1
        session = super().open_session(app, request)
        if session is not None:
            session.sid = "s-1"  # an attribute of this session class
        return session


def test_a_custom_session_interface_is_opened_as_flask_would() -> None:
    app = Flask("custom")
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.session_interface = CountingInterface()
    FlashMessages(app)
    interface = app.session_interface
    assert isinstance(interface, FlashSessionInterface)
    assert interface.get_cookie_name(app) == "session"
    assert interface.salt == "cookie-session"  # forwarded to the inner one
    with pytest.raises(AttributeError):
        interface._private  # noqa: B018

    @app.post("/set")
    def set_() -> str:
        session["a"], session["b"] = 1, 2
        session.permanent = True
        flash("Set.")
        return repr([session.sid, session.permanent, session.modified, session.new])

    @app.get("/edit")
    def edit() -> str:
        with pytest.raises(AttributeError):
            session._hidden  # noqa: B018
        session.modified = True
        before = [sorted(session), len(session), session.pop("a"), session.accessed]
        del session["b"]
        session.clear()
        return repr([*before, dict(session), get_flashed_messages()])

    client = app.test_client()
    CountingInterface.opened = 0
    assert client.post("/set").text == "['s-1', True, True, False]"
    assert CountingInterface.opened == 1
    page = client.get("/edit").text
    assert page == "[['_permanent', 'a', 'b'], 3, 1, True, {}, ['Set.']]"


def test_flasks_own_cookie_session_is_opened_only_when_needed() -> None:
    app = session_app()

    @app.post("/remember")
    def remember() -> str:
        session.permanent = True
        session["user"] = "carol"
        return "ok"

    @app.get("/accessed")
    def accessed() -> str:
        user = session.get("user")
        return repr([session.accessed, session.modified, user])

    client = app.test_client()
    plain = client.get("/plain")
    assert "Vary" not in plain.headers and "Set-Cookie" not in plain.headers
    flashed = client.post("/save")
    assert flashed.headers["Vary"] == "Cookie"
    assert len(flashed.headers.getlist("Set-Cookie")) == 1
    client.post("/remember")
    # A permanent session is refreshed on every request, as without flashmw.
    refreshed = client.get("/plain")
    assert any(
        c.startswith("session=") for c in refreshed.headers.getlist("Set-Cookie")
    )
    page = client.get("/accessed")
    assert page.text == "[True, False, 'carol']"
    assert "Cookie" in page.headers["Vary"]
    with app.test_request_context():
        assert "not opened" in repr(session)
        assert not session.modified
        assert session.new is False
        assert "not opened" not in repr(session)


def test_storing_a_list_replaces_the_messages(app: Flask) -> None:
    @app.post("/replace")
    def replace() -> Any:
        flash("Dropped.")
        session["_flashes"] = [("info", "Instead.")]
        with pytest.raises(TypeError, match="list of"):
            session["_flashes"] = "Nope."
        return redirect("/", 303)

    client = app.test_client()
    client.post("/save")
    client.post("/replace")
    assert shown(client) == [("info", "Instead.")]


def test_the_interface_passes_on_sessions_it_did_not_open(app: Flask) -> None:
    interface = app.session_interface
    assert isinstance(interface, FlashSessionInterface)
    other = interface.inner.make_null_session(app)
    assert interface.is_null_session(other)
    response = app.response_class()
    with app.test_request_context():
        interface.save_session(app, other, response)
    assert "Set-Cookie" not in response.headers


def test_the_template_global_outside_a_request(app: Flask) -> None:
    with app.app_context(), pytest.raises(NotInstalledError):
        render_template_string(PAGE)
    token = _current.set(Flashes())
    try:
        with app.app_context():
            assert render_template_string(PAGE) == "[]"
    finally:
        _current.reset(token)


def test_the_cookie_settings_are_the_session_interfaces() -> None:
    app = session_app()
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_PATH="/app")
    interface = app.session_interface
    assert isinstance(interface, FlashSessionInterface)
    inner = interface.inner
    for name in (
        "get_cookie_name",
        "get_cookie_domain",
        "get_cookie_path",
        "get_cookie_httponly",
        "get_cookie_secure",
        "get_cookie_samesite",
        "get_cookie_partitioned",  # Flask 3.1+
    ):
        if hasattr(inner, name):
            assert getattr(interface, name)(app) == getattr(inner, name)(app), name
    assert type(interface.make_null_session(app)) is type(inner.make_null_session(app))
    with app.test_request_context():
        session.permanent = True
        assert interface.should_set_cookie(app, session) is True
        assert interface.get_expiration_time(app, session) is not None
        assert session["_flashes"] == []


def test_the_size_policy_applies_to_flask_flash() -> None:
    def noise() -> str:
        # Incompressible text: what a size test must use.
        return secrets.token_urlsafe(900)

    app = build()

    @app.post("/many")
    def many() -> Any:
        for _ in range(8):
            flash(noise())
        flash("Last.")
        return redirect("/", 303)

    client = app.test_client()
    with pytest.warns(FlashWarning, match="dropped"):
        posted = client.post("/many")
    (cookie,) = set_cookies(posted)
    assert len(cookie) <= 4093
    page = shown(client)
    assert 0 < len(page) < 9 and page[-1] == ("message", "Last.")

    strict = build(overflow="raise")
    seen: list[str] = []

    @strict.post("/many")
    def strict_many() -> Any:
        with pytest.raises(FlashOverflowError):
            for _ in range(8):
                flash(noise())
        return redirect("/", 303)

    def record(sender: Flask, message: str, category: str) -> None:
        seen.append(message)

    with message_flashed.connected_to(record, strict):
        strict.test_client().post("/many")
    # The message refused inside flash() was never announced.
    assert 0 < len(seen) < 8


def test_async_views(app: Flask) -> None:
    pytest.importorskip("asgiref")

    @app.post("/async-save")
    async def async_save() -> Any:
        flash("From a coroutine.")
        return redirect("/", 303)

    @app.get("/async-read")
    async def async_read() -> str:
        return repr(get_flashed_messages())

    client = app.test_client()
    client.post("/async-save")
    assert client.get("/async-read").text == "['From a coroutine.']"
    assert client.get("/async-read").text == "[]"


def _twin(extension: bool) -> tuple[Flask, FlaskClient]:
    """One app, with the extension or wrapped in the middleware."""
    app = Flask(f"twin_{extension}")
    key = secrets.token_hex(32)
    if extension:
        app.config["FLASHMW_SECRET_KEY"] = key
        FlashMessages(app)
    else:
        app.wsgi_app = FlashMiddleware(app.wsgi_app, key)  # type: ignore[method-assign]

    @app.post("/flash")
    def flash_view() -> Any:
        if extension:
            flash("One.")
        else:
            flashmw.flash(request.environ, "One.")
        return redirect("/", 303)

    @app.route("/read/<int:status>", methods=["GET", "HEAD"])
    def read(status: int) -> Any:
        messages = flashmw.get_flashed_messages(request.environ)
        if request.args.get("more"):
            flashmw.flash(request.environ, "More.")
        return repr(messages), status, {"Location": "/"} if status < 400 else {}

    return app, app.test_client()


@pytest.mark.parametrize("more", ["", "1"])
@pytest.mark.parametrize(
    ("method", "status", "headers"),
    [
        ("GET", 200, {}),
        ("GET", 302, {}),
        ("GET", 304, {}),
        ("GET", 404, {}),
        ("GET", 503, {}),
        ("HEAD", 200, {}),
        ("GET", 200, {"Sec-Purpose": "prefetch"}),
        ("GET", 404, {"Sec-Fetch-Dest": "image"}),
        ("GET", 200, {"Sec-Fetch-Dest": "empty"}),
    ],
)
def test_the_extension_and_the_middleware_follow_the_same_rules(
    method: str, status: int, headers: dict[str, str], more: str
) -> None:
    outcomes = []
    for extension in (True, False):
        app, client = _twin(extension)
        client.post("/flash")
        response = client.open(
            f"/read/{status}",
            method=method,
            headers=headers,
            query_string={"more": more},
        )
        (cookie,) = set_cookies(response) or [None]
        changed = (
            "none" if cookie is None else "deleted" if "Max-Age=0" in cookie else "set"
        )
        after = client.get("/read/200").text
        outcomes.append(
            (
                response.status_code,
                changed,
                response.headers.get("Vary"),
                response.headers.get("Cache-Control"),
                after,
            )
        )
    assert outcomes[0] == outcomes[1]
    # And the rules did something: a page a person sees consumes.
    seen = method == "GET" and status in (200, 404) and "Sec-Purpose" not in headers
    seen = seen and headers.get("Sec-Fetch-Dest") != "image"
    left = ["More."] if more else []
    assert outcomes[0][1] == ("set" if more else "deleted" if seen else "none")
    assert ast.literal_eval(outcomes[0][4]) == (left if seen else ["One.", *left])
