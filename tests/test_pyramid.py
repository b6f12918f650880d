"""flashmw.pyramid: the include, its settings, the tween, the session-flash
vocabulary and the template helpers, through WebTest and Pyramid's testing
helpers; the PasteDeploy filter through PasteDeploy itself.

The live tests (a real gunicorn serving the example's ini file) are in
tests/test_frameworks_live.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # WebOb 1.8 (under Pyramid and WebTest) imports the cgi module, deprecated
    # since Python 3.11; the warning is theirs and says nothing about flashmw.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    import webtest
    from pyramid import testing
    from pyramid.config import Configurator
    from pyramid.httpexceptions import HTTPFound, HTTPNotFound, HTTPSeeOther
    from pyramid.request import Request
    from pyramid.response import Response
    from pyramid.session import SignedCookieSessionFactory

from flashmw import FlashMiddleware, NotInstalledError
from flashmw._options import CONVERTERS, SettingError, options_from_settings
from flashmw.core import FlashCore, FlashOptions
from flashmw.pyramid import CORE_KEY, FlashSession, request_flashes

# The same warning when a test makes WebOb import it first.
pytestmark = pytest.mark.filterwarnings("ignore:'cgi' is deprecated:DeprecationWarning")

View = Callable[[Request], Any]


def make_app(
    secret_key: str,
    views: dict[str, View],
    *,
    settings: dict[str, Any] | None = None,
    session: bool = False,
    setup: Callable[[Configurator], None] | None = None,
) -> webtest.TestApp:
    """A Pyramid app with the include and *views* at ``/<name>``."""
    with Configurator(
        settings={"flashmw.secret_key": secret_key, **(settings or {})}
    ) as config:
        config.include("flashmw.pyramid")
        if session:
            config.set_session_factory(SignedCookieSessionFactory(secret_key))
        for name, view in views.items():
            config.add_route(name, f"/{name}")
            config.add_view(view, route_name=name)
        if setup is not None:
            setup(config)
        return webtest.TestApp(config.make_wsgi_app())


def text(value: object) -> Response:
    return Response(repr(value))


def flash_then(response: Callable[[], Response]) -> View:
    def view(request: Request) -> Response:
        request.session.flash("Saved.")
        request.session.flash("Oops.", "error")
        return response()

    return view


def shows(request: Request) -> Response:
    return text(request.flashes.get_flashed_messages(with_categories=True))


BOTH = [("message", "Saved."), ("error", "Oops.")]


# -- the include and its settings ---------------------------------------------


def test_every_option_has_a_text_form() -> None:
    assert set(CONVERTERS) == set(FlashOptions.__annotations__)


def test_settings_from_an_ini_are_converted(secret_key: str) -> None:
    secret, options = options_from_settings(
        {
            "flashmw.secret_key": f" {secret_key} ",
            "flashmw.fallback_keys": "\nold-key-aaaaaaaaaaaa,\n other-key-bbbbbbbbbb",
            "flashmw.max_age": "600",
            "flashmw.cookie_name": "notes",
            "flashmw.cookie_path": "/app",
            "flashmw.cookie_domain": "",
            "flashmw.cookie_secure": "true",
            "flashmw.cookie_httponly": "off",
            "flashmw.cookie_samesite": "None",
            "flashmw.max_cookie_size": "2000",
            "flashmw.overflow": "raise",
            "flashmw.consume": "returned",
            "flashmw.cache_control": "",
            "pyramid.reload_templates": "true",
        },
        "flashmw.",
    )
    assert secret == secret_key
    assert options == {
        "fallback_keys": ["old-key-aaaaaaaaaaaa", "other-key-bbbbbbbbbb"],
        "max_age": 600,
        "cookie_name": "notes",
        "cookie_path": "/app",
        "cookie_domain": None,
        "cookie_secure": True,
        "cookie_httponly": False,
        "cookie_samesite": "None",
        "max_cookie_size": 2000,
        "overflow": "raise",
        "consume": "returned",
        "cache_control": None,
    }
    # Typed values (settings made in code) pass as they are; "none" and an
    # empty value mean None where None is allowed.
    _, options = options_from_settings(
        {"secret_key": secret_key, "max_age": "none", "cookie_secure": "auto"}
    )
    assert options == {"max_age": None, "cookie_secure": None}
    typed: dict[str, object] = {
        "max_age": 5,
        "fallback_keys": ("k" * 32,),
        "cookie_secure": False,
        "cookie_httponly": True,
        "max_cookie_size": 3000,
        "cookie_domain": None,
        "cache_control": None,
    }
    _, options = options_from_settings({"secret_key": secret_key, **typed})
    assert options == typed


def test_keys_from_environment_variables(secret_key: str) -> None:
    environ = {"KEY": secret_key, "OLD": "a" * 32 + " " + "b" * 32}
    secret, options = options_from_settings(
        {"flashmw.secret_key_env": "KEY", "flashmw.fallback_keys_env": "OLD"},
        "flashmw.",
        environ=environ,
    )
    assert secret == secret_key
    assert options == {"fallback_keys": ["a" * 32, "b" * 32]}
    # No older keys is the usual case, not an error.
    _, options = options_from_settings(
        {"secret_key_env": "KEY", "fallback_keys_env": "UNSET"}, environ=environ
    )
    assert options == {"fallback_keys": []}


KEY = "{key}"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "flashmw.secret_key is not set"),
        ({"flashmw.secret_key": "  "}, "flashmw.secret_key is not set"),
        ({"flashmw.secret_key_env": "UNSET"}, "names 'UNSET', which is not set"),
        (
            {"flashmw.secret_key": KEY, "flashmw.secret_key_env": "X"},
            "are both set",
        ),
        (
            {"flashmw.secret_key": KEY, "flashmw.max_agee": "5"},
            "flashmw.max_agee is not a flashmw option",
        ),
        (
            {"flashmw.secret_key": KEY, "flashmw.max_age": "ten"},
            "flashmw.max_age is 'ten', not a whole",
        ),
        (
            {"flashmw.secret_key": KEY, "flashmw.max_cookie_size": "4k"},
            "flashmw.max_cookie_size is '4k'",
        ),
        (
            {"flashmw.secret_key": KEY, "flashmw.cookie_httponly": "maybe"},
            "is 'maybe', not true or false",
        ),
        (
            {"flashmw.secret_key": KEY, "flashmw.cookie_secure": "sometimes"},
            "not true or false",
        ),
    ],
)
def test_bad_settings_name_the_setting(
    settings: dict[str, str], message: str, secret_key: str
) -> None:
    settings = {name: value.format(key=secret_key) for name, value in settings.items()}
    with (
        pytest.raises(SettingError, match=message),
        Configurator(settings=settings) as config,
    ):
        config.include("flashmw.pyramid")


def test_the_core_refuses_a_bad_value_at_include(secret_key: str) -> None:
    for name, value, message in [
        ("max_age", "0", "max_age must be"),
        ("overflow", "silent", "overflow must be"),
        ("cookie_samesite", "None", "SameSite=None"),
    ]:
        with (
            pytest.raises(ValueError, match=message),
            Configurator(
                settings={"flashmw.secret_key": secret_key, f"flashmw.{name}": value}
            ) as config,
        ):
            config.include("flashmw.pyramid")
    with (
        pytest.raises(ValueError, match="well-known"),
        Configurator(settings={"flashmw.secret_key": "your-secret-key-here"}) as config,
    ):
        config.include("flashmw.pyramid")


def test_pyramid_includes_setting(secret_key: str) -> None:
    settings = {"pyramid.includes": "flashmw.pyramid", "flashmw.secret_key": secret_key}
    with Configurator(settings=settings) as config:
        assert isinstance(config.registry[CORE_KEY], FlashCore)


def test_settings_reach_the_cookie(secret_key: str) -> None:
    app = make_app(
        secret_key,
        {"save": flash_then(Response)},
        settings={
            "flashmw.max_age": "600",
            "flashmw.cookie_name": "notes",
            "flashmw.cookie_secure": "true",
            "flashmw.cookie_samesite": "",
        },
    )
    (cookie,) = app.get("/save").headers.getall("Set-Cookie")
    assert cookie.startswith("notes=")
    assert "Max-Age=600" in cookie
    assert "Secure" in cookie
    assert "SameSite" not in cookie


# -- the tween: what a response commits ---------------------------------------


def test_redirect_then_page_shows_once(secret_key: str) -> None:
    app = make_app(
        secret_key,
        {"save": flash_then(lambda: HTTPSeeOther("/show")), "show": shows},
    )
    redirect = app.get("/save")
    assert redirect.status_int == 303
    (cookie,) = redirect.headers.getall("Set-Cookie")
    assert cookie.startswith("flashmw=")
    assert redirect.headers["Vary"] == "Cookie"
    assert redirect.headers["Cache-Control"] == "private"
    page = app.get("/show")
    assert page.text == repr(BOTH)
    assert page.headers["Cache-Control"] == "private"
    assert "Max-Age=0" in page.headers["Set-Cookie"]
    assert app.get("/show").text == "[]"


def test_raised_redirect_keeps_the_flashes(secret_key: str) -> None:
    def save(request: Request) -> Response:
        request.flashes.flash("Saved.")
        raise HTTPFound("/show")

    app = make_app(secret_key, {"save": save, "show": shows})
    assert app.get("/save").status_int == 302
    assert app.get("/show").text == repr([("message", "Saved.")])


@pytest.mark.parametrize("status", [302, 500, 304, 204])
def test_unseen_responses_keep_what_they_read(secret_key: str, status: int) -> None:
    def read(request: Request) -> Response:
        request.flashes.get_flashed_messages()
        return Response(status=status)

    app = make_app(
        secret_key, {"save": flash_then(Response), "read": read, "show": shows}
    )
    app.get("/save")
    response = app.get("/read", status=status)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"
    assert app.get("/show").text == repr(BOTH)


def test_head_keeps_and_a_prefetch_keeps(secret_key: str) -> None:
    app = make_app(secret_key, {"save": flash_then(Response), "show": shows})
    app.get("/save")
    assert "Set-Cookie" not in app.head("/show").headers
    prefetch = app.get("/show", headers={"Sec-Purpose": "prefetch"})
    assert "Set-Cookie" not in prefetch.headers
    assert app.get("/show").text == repr(BOTH)


def test_untouched_responses_are_left_alone(secret_key: str) -> None:
    app = make_app(secret_key, {"plain": lambda request: Response("hi")})
    response = app.get("/plain")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers
    assert "Cache-Control" not in response.headers


def test_vary_is_merged_and_a_page_that_found_nothing_stays_public(
    secret_key: str,
) -> None:
    def look(request: Request) -> Response:
        request.flashes.peek()
        return Response("x", headers={"Vary": "Accept"})

    response = make_app(secret_key, {"look": look}).get("/look")
    assert response.headers.getall("Vary") == ["Accept, Cookie"]
    assert "Cache-Control" not in response.headers


def test_a_view_that_raises_stores_nothing(secret_key: str) -> None:
    def crash(request: Request) -> Response:
        request.flashes.flash("Saved.")
        raise RuntimeError("boom")

    def error_page(exc: Exception, request: Request) -> Response:
        return Response("sorry", status=500)

    def register(config: Configurator) -> None:
        config.add_exception_view(error_page, context=RuntimeError)

    app = make_app(secret_key, {"crash": crash, "show": shows}, setup=register)
    page = app.get("/crash", status=500)
    assert "Set-Cookie" not in page.headers
    assert app.get("/show").text == "[]"
    # Without an exception view the error leaves the app: no response at all.
    bare = make_app(secret_key, {"crash": crash})
    with pytest.raises(RuntimeError, match="boom"):
        bare.get("/crash")


def test_an_error_answered_below_500_keeps_its_flashes(secret_key: str) -> None:
    def invalid(request: Request) -> Response:
        request.flashes.flash("Check the form.", "error")
        raise ValueError("bad input")

    def missing(request: Request) -> Response:
        request.flashes.flash("Not there.")
        raise HTTPNotFound()

    def bad_request(exc: Exception, request: Request) -> Response:
        return Response("invalid", status=400)

    def register(config: Configurator) -> None:
        config.add_exception_view(bad_request, context=ValueError)

    app = make_app(
        secret_key,
        {"invalid": invalid, "missing": missing, "show": shows},
        setup=register,
    )
    assert "Set-Cookie" in app.get("/invalid", status=400).headers
    app.get("/missing", status=404)
    assert app.get("/show").text == repr(
        [("error", "Check the form."), ("message", "Not there.")]
    )


def test_an_outer_middleware_owns_the_cookie(secret_key: str) -> None:
    app = make_app(
        secret_key,
        {"save": flash_then(lambda: HTTPSeeOther("/show")), "show": shows},
    )
    wrapped = webtest.TestApp(FlashMiddleware(app.app, secret_key, max_age=60))
    (cookie,) = wrapped.get("/save").headers.getall("Set-Cookie")
    assert "Max-Age=60" in cookie
    assert wrapped.get("/show").text == repr(BOTH)


@pytest.mark.parametrize("use_tweens", [True, False])
@pytest.mark.parametrize("copy_cookie", [True, False])
def test_a_subrequest_shares_the_pages_flashes(
    secret_key: str, use_tweens: bool, copy_cookie: bool
) -> None:
    """A fragment rendered by ``invoke_subrequest`` is part of the page: it
    sees the page's messages, a read there is consumed by the page's
    response, and the subrequest's own response sets no cookie (the
    application usually drops its headers, and a cookie there would be
    lost, or would disagree with the page's)."""
    fragments: list[Response] = []

    def fragment(request: Request) -> Response:
        # Without the tweens (use_tweens=False) the tween never sets
        # request.flashes; request_flashes() finds them all the same.
        messages = request_flashes(request).get_flashed_messages(with_categories=True)
        return text(messages)

    def page(request: Request) -> Response:
        request.flashes.flash("Also.", "info")
        headers = {"Cookie": request.headers["Cookie"]} if copy_cookie else {}
        fragment = request.invoke_subrequest(
            Request.blank("/fragment", headers=headers), use_tweens=use_tweens
        )
        fragments.append(fragment)
        return Response(fragment.text)

    app = make_app(
        secret_key,
        {
            "save": flash_then(Response),
            "page": page,
            "fragment": fragment,
            "show": shows,
        },
    )
    app.get("/save")
    response = app.get("/page")
    assert response.text == repr([*BOTH, ("info", "Also.")])
    assert "Set-Cookie" not in fragments[0].headers
    # The page showed all three: consumed, the cookie deleted.
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "private"
    assert app.get("/show").text == "[]"


# -- the session-flash vocabulary ---------------------------------------------


def test_queues_are_categories(secret_key: str) -> None:
    def save(request: Request) -> Response:
        session = request.session
        session.flash("a")
        session.flash("b", "error")
        session.flash("c", queue="info")
        return Response()

    def pop(request: Request) -> Response:
        session = request.session
        return text(
            [
                session.peek_flash("error"),
                session.pop_flash(),
                session.peek_flash("info"),
                request.flashes.peek(with_categories=True),
            ]
        )

    app = make_app(secret_key, {"save": save, "pop": pop, "show": shows})
    app.get("/save")
    # "" is the category "message": request.flashes sees the same messages.
    assert app.get("/pop").text == repr(
        [["b"], ["a"], ["c"], [("message", "a"), ("error", "b"), ("info", "c")]]
    )
    # pop_flash("") consumed its queue only.
    assert app.get("/show").text == repr([("error", "b"), ("info", "c")])


def test_allow_duplicate_false_skips_a_waiting_message(secret_key: str) -> None:
    def save(request: Request) -> Response:
        request.session.flash("Saved.")
        request.session.flash("Saved.", allow_duplicate=False)
        request.session.flash("Saved.", "other", allow_duplicate=False)
        return Response()

    def again(request: Request) -> Response:
        # Waiting since the last request: not added again.
        request.session.flash("Saved.", allow_duplicate=False)
        return Response()

    def pop_then_flash(request: Request) -> Response:
        popped = request.session.pop_flash()
        # Popped, so no longer waiting: it is flashed for the next request.
        request.session.flash("Saved.", allow_duplicate=False)
        return text(popped)

    app = make_app(
        secret_key,
        {"save": save, "again": again, "pop": pop_then_flash, "show": shows},
    )
    app.get("/save")
    app.get("/again")
    assert app.get("/pop").text == repr(["Saved."])
    assert app.get("/show").text == repr([("other", "Saved."), ("message", "Saved.")])


def test_the_apps_session_keeps_everything_else(secret_key: str) -> None:
    def save(request: Request) -> Response:
        request.session["user"] = "ann"
        request.session.flash("Saved.")
        return Response()

    def show(request: Request) -> Response:
        return text([request.session["user"], request.session.pop_flash()])

    app = make_app(secret_key, {"save": save, "show": show}, session=True)
    saved = app.get("/save")
    assert sorted(c.split("=")[0] for c in saved.headers.getall("Set-Cookie")) == [
        "flashmw",
        "session",
    ]
    assert app.get("/show").text == repr(["ann", ["Saved."]])
    assert app.get("/show").text == repr(["ann", []])


def test_a_session_factory_set_after_the_include_is_wrapped_too(
    secret_key: str,
) -> None:
    def save(request: Request) -> Response:
        request.session.flash("Saved.")
        return Response()

    def register(config: Configurator) -> None:
        config.commit()
        config.set_session_factory(SignedCookieSessionFactory(secret_key))

    app = make_app(secret_key, {"save": save, "show": shows}, setup=register)
    assert app.get("/save").headers["Set-Cookie"].startswith("flashmw=")
    assert app.get("/show").text == repr([("message", "Saved.")])


def test_without_a_session_factory_only_flashing_works(secret_key: str) -> None:
    seen: list[object] = []

    def use(request: Request) -> Response:
        seen.append(request.session)
        request.session.flash("ok")
        request.session["user"] = "ann"
        return Response()

    app = make_app(secret_key, {"use": use})
    with pytest.raises(NotImplementedError, match="no session factory"):
        app.get("/use")
    session = seen[0]
    assert isinstance(session, FlashSession)
    # Looking finds an empty session; storing says what is missing.
    assert len(session) == 0
    assert "user" not in session
    assert session.get("user") is None
    assert dict(session.items()) == {}
    with pytest.raises(KeyError):
        session["user"]
    for attempt in (
        lambda: session.__setitem__("x", 1),
        lambda: session.__delitem__("x"),
        lambda: session.invalidate(),  # type: ignore[attr-defined]
        lambda: session.get_csrf_token(),  # type: ignore[attr-defined]
    ):
        with pytest.raises(NotImplementedError, match="set_session_factory"):
            attempt()
    with pytest.raises(AttributeError):
        session.__missing_dunder__  # type: ignore[attr-defined]  # noqa: B018


# -- templates ------------------------------------------------------------------

TEMPLATES = {
    "page.jinja2": (
        '{% from "flashmw:templates/flashmw/messages.html" import '
        "flashed_messages %}{{ flashed_messages() }}"
    ),
    "page.pt": (
        '<ul><li tal:repeat="m get_flashed_messages(with_categories=True)" '
        'class="${m[0]}">${m[1]}</li></ul>'
    ),
    "page.mako": (
        "<ul>\n% for c, m in get_flashed_messages(with_categories=True):\n"
        '<li class="${c}">${m}</li>\n% endfor\n</ul>'
    ),
}


@pytest.fixture
def template_dir(tmp_path: Path) -> Iterator[Path]:
    for name, source in TEMPLATES.items():
        (tmp_path / name).write_text(source)
    yield tmp_path


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_templates_get_the_helper(
    secret_key: str, template_dir: Path, template: str
) -> None:
    def page(request: Request) -> dict[str, str]:
        return {}

    def register(config: Configurator) -> None:
        config.include("pyramid_jinja2")
        config.include("pyramid_chameleon")
        config.include("pyramid_mako")
        config.add_route("page", "/page")
        # Chameleon takes a file's path; the others find the name in their
        # search path.
        renderer = (
            str(template_dir / template) if template.endswith(".pt") else template
        )
        config.add_view(page, route_name="page", renderer=renderer)

    def save(request: Request) -> Response:
        request.session.flash("<b>Saved</b>", "success")
        return Response()

    app = make_app(
        secret_key,
        {"save": save},
        settings={
            "mako.directories": str(template_dir),
            "jinja2.directories": str(template_dir),
        },
        setup=register,
    )
    app.get("/save")
    page_text = app.get("/page").text
    assert 'class="success"' in page_text
    assert "&lt;b&gt;Saved&lt;/b&gt;" in page_text
    assert "<b>" not in page_text
    # The page consumed the message.
    assert "Saved" not in app.get("/page").text


def test_renderer_values_only_for_renderers_without_the_global(
    secret_key: str,
) -> None:
    # A subscriber makes Pyramid send its events on every request: the
    # include adds one only for template renderers other than Jinja2.
    for includes, listens in [
        ((), False),
        (("pyramid_jinja2",), False),
        (("pyramid_jinja2", "pyramid_chameleon"), True),
        (("pyramid_mako",), True),
    ]:
        with Configurator(settings={"flashmw.secret_key": secret_key}) as config:
            for name in includes:
                config.include(name)
            config.include("flashmw.pyramid")
            config.commit()
            assert config.registry.has_listeners is listens, includes


def test_rendering_without_a_request_gets_no_helper(
    secret_key: str, template_dir: Path
) -> None:
    from pyramid.renderers import render

    with testing.testConfig(settings={"flashmw.secret_key": secret_key}) as config:
        config.include("flashmw.pyramid")
        config.include("pyramid_chameleon")
        template = template_dir / "bare.pt"
        # Chameleon's exists: renders 0 for a name it does not have.
        template.write_text("<p>${exists: get_flashed_messages}</p>")
        assert render(str(template), {}, request=None) == "<p>0</p>"


# -- Pyramid's testing helpers ----------------------------------------------------


def test_dummy_request_gets_ready_flashes(secret_key: str) -> None:
    from flashmw.pyramid import request_flashes

    def save(request: Request) -> Response:
        request.flashes.flash("Saved.")
        return Response()

    with testing.testConfig(settings={"flashmw.secret_key": secret_key}) as config:
        config.include("flashmw.pyramid")
        request = testing.DummyRequest()
        flashes = request_flashes(request)
        assert request.flashes is flashes
        assert request_flashes(request) is flashes
        assert request.environ["flashmw.flashes"] is flashes
        save(request)
        assert flashes.get_flashed_messages() == ["Saved."]
        assert isinstance(config.registry[CORE_KEY], FlashCore)


def test_dummy_request_reads_a_cookie(secret_key: str) -> None:
    from flashmw.pyramid import request_flashes

    app = make_app(secret_key, {"save": flash_then(Response)})
    cookie = app.get("/save").headers["Set-Cookie"].split(";")[0]
    with testing.testConfig(settings={"flashmw.secret_key": secret_key}) as config:
        config.include("flashmw.pyramid")
        request = testing.DummyRequest(headers={"Cookie": cookie})
        assert request_flashes(request).peek(with_categories=True) == BOTH


def test_install_flashes_gives_a_dummy_request_its_messages(secret_key: str) -> None:
    from flashmw.pyramid import request_flashes
    from flashmw.testing import install_flashes

    with testing.testConfig(settings={"flashmw.secret_key": secret_key}) as config:
        config.include("flashmw.pyramid")
        request = testing.DummyRequest()
        flashes = install_flashes(request, [("message", "Saved."), ("error", "No.")])
        assert request_flashes(request) is flashes
        assert request.flashes.peek() == ["Saved.", "No."]


def test_without_the_include_request_flashes_says_so() -> None:
    from flashmw.pyramid import request_flashes

    with testing.testConfig(), pytest.raises(NotInstalledError, match="include"):
        request_flashes(testing.DummyRequest())


# -- the PasteDeploy filter -----------------------------------------------------------


def test_paste_filter_wraps_an_app_from_an_ini(
    secret_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paste.deploy import loadapp

    monkeypatch.setenv("TEST_FLASH_KEY", secret_key)
    ini = tmp_path / "production.ini"
    ini.write_text(
        "[pipeline:main]\npipeline = flashmw app\n\n"
        "[filter:flashmw]\nuse = egg:flashmw\nsecret_key_env = TEST_FLASH_KEY\n"
        "max_age = 120\ncookie_name = notes\n\n"
        "[app:app]\nuse = call:test_pyramid:plain_app_factory\n"
    )
    app = webtest.TestApp(loadapp(f"config:{ini}"))
    saved = app.get("/save")
    assert "Max-Age=120" in saved.headers["Set-Cookie"]
    assert saved.headers["Set-Cookie"].startswith("notes=")
    assert app.get("/show").text == "['Saved.']"
    assert app.get("/show").text == "[]"

    ini.write_text(ini.read_text().replace("max_age = 120", "max_age = soon"))
    with pytest.raises(SettingError, match="max_age is 'soon'"):
        loadapp(f"config:{ini}")


def plain_app_factory(global_config: dict[str, str]) -> Any:
    """A plain WSGI app for the filter test (``use = call:...``)."""
    import flashmw

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/save":
            flashmw.flash(environ, "Saved.")
            body = b""
        else:
            body = repr(flashmw.get_flashed_messages(environ)).encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return app


def test_the_delivery_options_have_text_forms_too() -> None:
    from flashmw._options import SettingError, read_settings
    from flashmw.hooks import FlashHooks

    _, options = read_settings(
        {
            "flashmw.htmx": "yes",
            "flashmw.htmx_event": " notices ",
            "flashmw.coalesce": "on",
            "flashmw.streamed_reads": "false",
            "flashmw.hooks": "flashmw.hooks:FlashHooks",
        },
        "flashmw.",
    )
    hooks = options.pop("hooks")
    assert type(hooks) is FlashHooks  # a class named by the setting is made
    assert options == {
        "htmx": True,
        "htmx_event": "notices",
        "coalesce": True,
        "streamed_reads": False,
    }
    for bad in ("flashmw.hooks", "nowhere.at.all:Hooks", "flashmw.hooks:Missing"):
        with pytest.raises(SettingError, match="flashmw.hooks"):
            read_settings({"flashmw.hooks": bad}, "flashmw.")
