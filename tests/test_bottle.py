"""flashmw.bottle: the plugin, the request-free helpers and the template
helpers, through WebTest (the client Bottle's documentation suggests)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bottle
import pytest

from flashmw import NotInstalledError
from flashmw.bottle import FlashPlugin, flash, get_flashed_messages, get_flashes

with warnings.catch_warnings():
    # WebOb 1.8 (under WebTest) imports the cgi module, deprecated since
    # Python 3.11; the warning is theirs and says nothing about flashmw.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    import webtest

BOTH = [("message", "Saved."), ("error", "Oops.")]


def make_app(
    secret_key: str, routes: dict[str, Callable[[], Any]], **options: Any
) -> tuple[bottle.Bottle, webtest.TestApp]:
    app = bottle.Bottle()
    app.install(FlashPlugin(secret_key, **options))
    for name, view in routes.items():
        app.route(f"/{name}", ["GET", "HEAD"], view)
    return app, webtest.TestApp(app)


def save() -> str:
    flash("Saved.")
    flash("Oops.", "error")
    return ""


def show() -> str:
    return repr(get_flashed_messages(with_categories=True))


def test_flash_then_redirect_then_show_once(secret_key: str) -> None:
    def save_and_redirect() -> None:
        save()
        bottle.redirect("/show", 303)

    _, client = make_app(secret_key, {"save": save_and_redirect, "show": show})
    redirect = client.get("/save")
    assert redirect.status_int == 303
    (cookie,) = redirect.headers.getall("Set-Cookie")
    assert cookie.startswith("flashmw=")
    assert redirect.headers["Vary"] == "Cookie"
    assert redirect.headers["Cache-Control"] == "private"
    page = client.get("/show")
    assert page.text == repr(BOTH)
    assert page.headers["Cache-Control"] == "private"
    assert "Max-Age=0" in page.headers["Set-Cookie"]
    assert client.get("/show").text == "[]"


def test_untouched_responses_are_left_alone(secret_key: str) -> None:
    _, client = make_app(secret_key, {"plain": lambda: "hi"})
    response = client.get("/plain")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers
    assert "Cache-Control" not in response.headers


@pytest.mark.parametrize("status", [302, 500, 304])
def test_unseen_responses_keep_what_they_read(secret_key: str, status: int) -> None:
    def read() -> str:
        get_flashed_messages()
        bottle.response.status = status
        return ""

    _, client = make_app(secret_key, {"save": save, "read": read, "show": show})
    client.get("/save")
    assert "Set-Cookie" not in client.get("/read", status=status).headers
    assert "Set-Cookie" not in client.head("/show").headers
    assert client.get("/show").text == repr(BOTH)


def test_a_view_that_raises_stores_nothing(secret_key: str) -> None:
    def crash() -> str:
        flash("Saved.")
        raise RuntimeError("boom")

    _, client = make_app(secret_key, {"crash": crash, "show": show})
    # Bottle logs the traceback to wsgi.errors and answers 500.
    page = client.get("/crash", status=500, expect_errors=True)
    assert "Set-Cookie" not in page.headers
    assert client.get("/show").text == "[]"


def test_error_pages_and_generators_are_judged_by_their_final_status(
    secret_key: str,
) -> None:
    app, client = make_app(secret_key, {"save": save})

    @app.error(404)
    def not_found(error: bottle.HTTPError) -> str:
        # Rendered by Bottle after its last hook: the plugin still sees it.
        return "missing " + repr(get_flashed_messages())

    @app.route("/stream")
    def stream() -> Any:
        # Bottle takes the first item before it starts the response.
        yield "shown " + repr(get_flashed_messages())
        yield "."

    client.get("/save")
    page = client.get("/nowhere", status=404)
    assert page.text == "missing ['Saved.', 'Oops.']"
    assert "Max-Age=0" in page.headers["Set-Cookie"]
    client.get("/save")
    streamed = client.get("/stream")
    assert streamed.text == "shown ['Saved.', 'Oops.']."
    assert "Max-Age=0" in streamed.headers["Set-Cookie"]


def test_helpers_need_the_plugin(secret_key: str) -> None:
    plugin = FlashPlugin(secret_key)
    # Not caught into a 500 page, so that the test sees the error.
    app = bottle.Bottle()
    app.config["catchall"] = False
    app.route("/", "GET", lambda: repr(get_flashes().peek()))
    client = webtest.TestApp(app)
    with pytest.raises(NotInstalledError, match=r"app.install\(FlashPlugin"):
        client.get("/")
    # Outside any request (another thread than the one Bottle bound).
    outside: list[BaseException] = []
    thread = threading.Thread(target=lambda: _record(outside, lambda: flash("x")))
    thread.start()
    thread.join()
    assert isinstance(outside[0], NotInstalledError)
    app.install(plugin)
    assert client.get("/").text == "[]"
    app.uninstall("flashmw")
    with pytest.raises(NotInstalledError):
        client.get("/")


def test_the_plugin_refuses_bad_options(secret_key: str) -> None:
    with pytest.raises(ValueError, match="max_age"):
        FlashPlugin(secret_key, max_age=0)
    with pytest.raises(ValueError, match="well-known"):
        FlashPlugin("your-secret-key-here")


def test_options_reach_the_cookie(secret_key: str) -> None:
    _, client = make_app(secret_key, {"save": save}, cookie_name="notes", max_age=60)
    cookie = client.get("/save").headers["Set-Cookie"]
    assert cookie.startswith("notes=")
    assert "Max-Age=60" in cookie


def test_simple_template_and_jinja2_get_the_helper(secret_key: str) -> None:
    def simple() -> str:
        return bottle.template(
            "% for category, message in get_flashed_messages(with_categories=True):\n"
            '<li class="{{category}}">{{message}}</li>\n'
            "% end\n"
        )

    def jinja() -> str:
        return bottle.jinja2_template(
            "{% for category, message in get_flashed_messages(with_categories=true)"
            ' %}<li class="{{ category }}">{{ message }}</li>{% endfor %}',
            # Bottle's Jinja2 adapter leaves escaping to the application.
            template_settings={"autoescape": True},
        )

    def save_html() -> str:
        flash("<b>Saved</b>", "success")
        return ""

    _, client = make_app(
        secret_key, {"save": save_html, "simple": simple, "jinja": jinja}
    )
    for page in ("simple", "jinja"):
        client.get("/save")
        shown = client.get(f"/{page}").text
        assert '<li class="success">&lt;b&gt;Saved&lt;/b&gt;</li>' in shown, page
        assert "Saved" not in client.get(f"/{page}").text


def test_one_plugin_in_two_apps_and_uninstalled_from_one(secret_key: str) -> None:
    plugin = FlashPlugin(secret_key)
    apps = [bottle.Bottle(), bottle.Bottle()]
    for app in apps:
        app.config["catchall"] = False
        app.route("/", "GET", lambda: repr(get_flashes().peek()))
        app.install(plugin)
    first, second = (webtest.TestApp(app) for app in apps)
    apps[0].uninstall(plugin)
    with pytest.raises(NotInstalledError):
        first.get("/")
    assert second.get("/").text == "[]"


def _record(errors: list[BaseException], call: Callable[[], object]) -> None:
    try:
        call()
    except BaseException as error:
        errors.append(error)


def test_options_from_the_apps_config_file(
    secret_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashmw._options import SettingError

    monkeypatch.setenv("TEST_FLASH_KEY", secret_key)
    ini = tmp_path / "app.ini"
    ini.write_text(
        "[flashmw]\nsecret_key_env = TEST_FLASH_KEY\nmax_age = 120\n"
        "cookie_name = notes\n"
    )
    app = bottle.Bottle()
    app.config.load_config(str(ini))
    # Keyword options win over the file's.
    app.install(FlashPlugin(max_age=60))
    app.route("/save", "GET", save)
    cookie = webtest.TestApp(app).get("/save").headers["Set-Cookie"]
    assert cookie.startswith("notes=")
    assert "Max-Age=60" in cookie

    unkeyed = bottle.Bottle()
    with pytest.raises(SettingError, match="FlashPlugin needs a key"):
        unkeyed.install(FlashPlugin())
    ini.write_text("[flashmw]\nsecret_key_env = TEST_FLASH_KEY\nmax_age = soon\n")
    malformed = bottle.Bottle()
    malformed.config.load_config(str(ini))
    with pytest.raises(SettingError, match="flashmw.max_age is 'soon'"):
        malformed.install(FlashPlugin())
