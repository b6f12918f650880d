"""Messages that came back, vanished or leaked: one section per defect found
by using flashmw as browsers, servers and peers' test suites do.

Each test failed before its fix. Those that need a real browser or server are
in ``test_browser_cookies.py`` and ``test_gunicorn.py``.
"""

from __future__ import annotations

import base64
import secrets
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from isolated import DJANGO_SETUP, run_isolated
from markupsafe import Markup
from werkzeug.test import Client, EnvironBuilder

from flashmw import (
    FlashMiddleware,
    FlashOverflowError,
    FlashWarning,
    NotInstalledError,
    flash,
    get_flashed_messages,
    get_flashes,
)
from flashmw.codec import FlashCodec

KEY = "regress-key-3a9c1e7b5d2f4a6c8e0b1d3f5a7c9e2b"
OTHER_KEY = "another-key-8d6b4f2a0c9e7d5b3f1a8c6e4d2b0f9a"

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def shows(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """/flash?m=.. flashes and redirects; any other path shows the messages."""
    path = environ.get("PATH_INFO", "/")
    if path == "/flash":
        from urllib.parse import parse_qs

        for message in parse_qs(environ.get("QUERY_STRING", "")).get("m", []):
            flash(environ, message)
        start_response("303 See Other", [("Location", "/"), ("Content-Length", "0")])
        return [b""]
    shown = get_flashed_messages(environ)
    status = "404 Not Found" if path == "/favicon.ico" else "200 OK"
    start_response(status, [("Content-Type", "text/plain")])
    return ["|".join(shown).encode()]  # type: ignore[arg-type]


def bare(app: Any) -> Client:
    """A client without a cookie jar, which would replace a given header."""
    return Client(app, use_cookies=False)


def token(app: FlashMiddleware, *messages: str) -> str:
    """The cookie value *app* writes for *messages*."""
    client = Client(app)
    response = client.get("/flash", query_string=[("m", m) for m in messages])
    [cookie] = response.headers.getlist("Set-Cookie")
    return cookie.split(";", 1)[0].split("=", 1)[1]


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


# -- 1. several cookies of flashmw's name -------------------------------------------


def test_a_stale_cookie_on_a_longer_path_neither_shows_nor_hides_ours() -> None:
    stale = token(FlashMiddleware(shows, KEY, cookie_path="/old"), "stale")
    app = FlashMiddleware(shows, KEY)
    ours = token(app, "fresh")
    client = bare(app)
    # As a browser sends them: the longer path first.
    page = client.get(
        "/old/page", headers={"Cookie": f"flashmw={stale}; flashmw={ours}"}
    )
    assert page.text == "fresh"
    # Consumed: ours is deleted at our path, and only there.
    [deleted] = set_cookies(page)
    assert deleted.startswith("flashmw=;") and "Path=/;" in deleted + ";"
    # The next page under that path shows nothing, and leaves the stale one.
    again = client.get("/old/page", headers={"Cookie": f"flashmw={stale}"})
    assert again.text == ""


def test_a_message_flashed_beside_a_stale_cookie_reaches_the_next_page() -> None:
    stale = token(FlashMiddleware(shows, KEY, cookie_path="/old"), "stale")
    app = FlashMiddleware(shows, KEY)
    client = bare(app)
    posted = client.get("/flash?m=new", headers={"Cookie": f"flashmw={stale}"})
    [written] = set_cookies(posted)
    ours = written.split(";", 1)[0].split("=", 1)[1]
    page = client.get(
        "/old/page", headers={"Cookie": f"flashmw={stale}; flashmw={ours}"}
    )
    assert page.text == "new"


def test_a_foreign_parent_domain_cookie_cannot_delete_ours() -> None:
    foreign = token(FlashMiddleware(shows, OTHER_KEY, cookie_domain="example.com"), "x")
    app = FlashMiddleware(shows, KEY)
    ours = token(app, "mine")
    client = bare(app)
    # A redirect reads nothing: the foreign cookie first must not get ours
    # deleted, nor be taken for ours.
    header = {"Cookie": f"flashmw={foreign}; flashmw={ours}"}
    redirected = client.get("/flash", headers=header)
    assert set_cookies(redirected) == []
    page = client.get("/", headers=header)
    assert page.text == "mine"


def test_the_same_key_on_a_parent_domain_is_still_not_ours() -> None:
    parent = token(FlashMiddleware(shows, KEY, cookie_domain="example.com"), "parent")
    app = FlashMiddleware(shows, KEY)
    ours = token(app, "mine")
    page = bare(app).get("/", headers={"Cookie": f"flashmw={parent}; flashmw={ours}"})
    assert page.text == "mine"


def test_only_foreign_cookies_are_reported_and_our_scope_deleted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    foreign = token(FlashMiddleware(shows, OTHER_KEY, cookie_path="/x"), "x")
    app = FlashMiddleware(shows, KEY)
    with caplog.at_level("WARNING", logger="flashmw"):
        page = bare(app).get("/", headers={"Cookie": f"flashmw={foreign}"})
    assert page.text == ""
    assert "bad signature" in caplog.text
    # The deletion names our path and no domain: it cannot reach the
    # foreign cookie's scope, nor any other.
    [deleted] = set_cookies(page)
    assert deleted.startswith("flashmw=;") and "Domain" not in deleted


def test_the_cookie_scope_is_in_what_is_signed() -> None:
    value = token(FlashMiddleware(shows, KEY, cookie_path="/a"), "x")
    assert FlashCodec(KEY, scope="flashmw;/a;").decode(value).problem is None
    for scope in ("flashmw;/;", "flashmw;/a;example.com", "other;/a;"):
        assert FlashCodec(KEY, scope=scope).decode(value).problem == "bad signature"


# -- 2. the browser's own sub-resource requests ---------------------------------------


@pytest.mark.parametrize("destination", ["image", "script", "style", "font"])
def test_a_favicon_404_with_the_site_layout_consumes_nothing(destination: str) -> None:
    app = FlashMiddleware(shows, KEY)
    client = Client(app)
    client.get("/flash?m=Saved.")
    icon = client.get("/favicon.ico", headers={"Sec-Fetch-Dest": destination})
    assert icon.status_code == 404 and icon.text == "Saved."
    assert set_cookies(icon) == []
    assert client.get("/", headers={"Sec-Fetch-Dest": "document"}).text == "Saved."


def test_a_fetch_can_consume() -> None:
    client = Client(FlashMiddleware(shows, KEY))
    client.get("/flash?m=Saved.")
    assert client.get("/api", headers={"Sec-Fetch-Dest": "empty"}).text == "Saved."
    assert client.get("/").text == ""


# -- 3. reads in a streamed body -------------------------------------------------------


def streamed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    start_response(
        "200 OK", [("Content-Type", "text/plain"), ("Cache-Control", "public")]
    )

    def body() -> Iterable[bytes]:
        yield b"<p>"
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            yield "|".join(get_flashed_messages(environ)).encode()  # type: ignore[arg-type]

    return body()


def test_a_page_read_in_a_streamed_body_is_private() -> None:
    app = FlashMiddleware(shows, KEY)
    ours = token(app, "Alice's secret")
    page = bare(FlashMiddleware(streamed, KEY)).get(
        "/", headers={"Cookie": f"flashmw={ours}"}
    )
    assert page.text == "<p>Alice's secret"
    # The app said public; a shared cache must not keep Alice's message.
    assert page.headers.getlist("Cache-Control") == ["private"]
    assert page.headers.get("Vary") == "Cookie"
    assert set_cookies(page) == []


def test_a_request_without_a_flash_cookie_stays_untouched() -> None:
    headers = [("Content-Type", "text/plain"), ("Cache-Control", "public")]
    sent: list[list[tuple[str, str]]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", headers)
        return [b"x"]

    def record(status: str, given: list[tuple[str, str]], exc_info: Any = None) -> Any:
        sent.append(given)
        return lambda data: None

    environ = EnvironBuilder(headers={"Cookie": "session=abc"}).get_environ()
    b"".join(FlashMiddleware(app, KEY)(environ, record))
    assert sent == [headers] and sent[0] is headers


# -- 4. overflow="raise" never drops an accepted message -------------------------------


def raising_client(app: App, clock: list[float]) -> Client:
    """A client of *app* under overflow="raise", a 600-byte cookie and a
    clock the test moves."""
    middleware = FlashMiddleware(app, KEY, overflow="raise", max_cookie_size=600)
    middleware.core.codec.clock = lambda: clock[0]
    return Client(middleware)


def test_raise_never_drops_what_flash_accepted_when_ages_gain_a_digit() -> None:
    clock = [1_700_000_000.0]
    accepted: list[str] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["PATH_INFO"] == "/flash":
            for index in range(500):
                try:
                    flash(environ, f"m{index:03}")
                except FlashOverflowError:
                    break
                accepted.append(f"m{index:03}")
            # Ten seconds pass before the response: every age gains a digit.
            clock[0] += 10
            start_response("303 See Other", [("Location", "/")])
            return [b""]
        shown = get_flashed_messages(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["|".join(shown).encode()]  # type: ignore[arg-type]

    client = raising_client(app, clock)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FlashWarning)
        client.get("/flash")
        clock[0] += 95  # and more time before the next page
        page = client.get("/")
    assert 5 < len(accepted) < 500
    assert page.text.split("|") == accepted


def test_raise_keeps_the_rest_when_one_is_consumed_much_later() -> None:
    clock = [1_700_000_000.0]
    accepted: list[str] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flashes = get_flashes(environ)
        if environ["PATH_INFO"] == "/flash":
            flashes.flash("first", "a")
            for _ in range(500):
                # Incompressible, so that compression cannot make room.
                text = secrets.token_urlsafe(3)
                try:
                    flashes.flash(text, "b")
                except FlashOverflowError:
                    break
                accepted.append(text)
            start_response("303 See Other", [("Location", "/")])
            return [b""]
        shown = flashes.get_flashed_messages(
            category_filter=environ["PATH_INFO"].strip("/"), consume="returned"
        )
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["|".join(shown).encode()]  # type: ignore[arg-type]

    client = raising_client(app, clock)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FlashWarning)
        client.get("/flash")
        # 1000 s later one message is consumed and the rest rewritten: every
        # age would have gained three digits, more than the one message frees.
        clock[0] += 1000
        assert client.get("/a").text == "first"
        clock[0] += 900
        rest = client.get("/b").text.split("|")
    assert len(accepted) > 20
    assert rest == accepted


# -- 5. an error page that replaces a started response ---------------------------------


def test_the_replacing_error_page_is_private_and_varies() -> None:

    calls: list[list[tuple[str, str]]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        get_flashed_messages(environ)
        start_response("200 OK", [("Content-Type", "text/html")])
        try:
            raise ValueError("template failed")
        except ValueError:
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/html"), ("Cache-Control", "public")],
                sys.exc_info(),
            )
        return [b"error page"]

    def record(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        calls.append(headers)
        return lambda data: None

    client = Client(FlashMiddleware(shows, KEY))
    client.get("/flash?m=x")
    cookie = client.get_cookie("flashmw")
    assert cookie is not None
    environ = EnvironBuilder(
        headers={"Cookie": f"flashmw={cookie.value}"}
    ).get_environ()
    b"".join(FlashMiddleware(app, KEY)(environ, record))
    replaced = calls[1]
    assert ("Vary", "Cookie") in replaced
    assert ("Cache-Control", "private") in replaced
    assert not any(name == "Set-Cookie" for name, _ in replaced)


# -- 6. lazy translations and safe strings ---------------------------------------------


def round_trip(*messages: Any) -> list[str]:
    """Flash *messages* in one request; return what the next one reads."""
    shown: list[str] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["PATH_INFO"] == "/flash":
            for message in messages:
                flash(environ, message)
            start_response("303 See Other", [("Location", "/")])
            return [b""]
        shown.extend(get_flashed_messages(environ))  # type: ignore[arg-type]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    client = Client(FlashMiddleware(app, KEY))
    client.get("/flash")
    client.get("/")
    return shown


def test_django_lazy_translations_are_stored_as_text() -> None:
    pytest.importorskip("django")
    run_isolated(
        DJANGO_SETUP
        + """
from django.utils.translation import gettext_lazy
from tests.test_regressions import round_trip
[shown] = round_trip(gettext_lazy("Saved."))
assert shown == "Saved." and type(shown) is str, repr(shown)
print("ok")
"""
    )


def test_django_safe_strings_stay_safe() -> None:
    pytest.importorskip("django")
    from django.utils.safestring import mark_safe

    [safe, plain] = round_trip(mark_safe("<b>bold</b>"), "<i>text</i>")
    assert safe == "<b>bold</b>" and isinstance(safe, Markup)
    assert plain == "<i>text</i>" and type(plain) is str


def test_other_types_are_refused_in_flash() -> None:
    for bad in (b"bytes", 42, None, ["x"]):
        with pytest.raises(TypeError, match="must be a str"):
            round_trip(bad)


# -- 7. Flask's stream_template with the template global -------------------------------


def test_flask_stream_template_shows_the_messages() -> None:
    flask = pytest.importorskip("flask")
    from flashmw.jinja import install

    app = flask.Flask(__name__)
    install(app.jinja_env)

    @app.post("/save")
    def save() -> Any:
        flash(flask.request.environ, "Saved.", "success")
        return flask.redirect("/page", 303)

    @app.get("/page")
    def page() -> Any:
        return flask.Response(
            flask.stream_template_string(
                "<h1>page</h1>{% for c, m in get_flashed_messages(with_categories=true)"
                " %}<p class={{ c }}>{{ m }}</p>{% endfor %}"
            )
        )

    app.wsgi_app = FlashMiddleware(app.wsgi_app, KEY)  # type: ignore[method-assign]
    client = app.test_client()
    client.post("/save")
    with pytest.warns(FlashWarning, match="after the response headers were sent"):
        shown = client.get("/page")
        # The body is streamed: the template runs as it is read.
        assert shown.text == "<h1>page</h1><p class=success>Saved.</p>"
    assert shown.headers["Cache-Control"] == "private"
    assert "Cookie" in shown.headers["Vary"]
    # As the README says of streamed reads: the cookie could not be cleared.
    with pytest.warns(FlashWarning):
        assert "Saved." in client.get("/page").text


def test_a_template_outside_any_request_says_what_is_wrong() -> None:
    jinja2 = pytest.importorskip("jinja2")
    from flashmw.jinja import install

    env = install(jinja2.Environment(autoescape=True))
    with pytest.raises(NotInstalledError, match="rendered outside the application"):
        env.from_string("{{ get_flashed_messages() }}").render()
    with pytest.raises(NotInstalledError, match="not produced by an application"):
        get_flashes({})


# -- 8. no empty Cache-Control field ---------------------------------------------------


def test_public_with_a_second_field_leaves_no_empty_field() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flash(environ, "x")
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/plain"),
                ("Cache-Control", "public"),
                ("Cache-Control", "private"),
            ],
        )
        return [b""]

    response = Client(FlashMiddleware(app, KEY)).get("/")
    assert response.headers.getlist("Cache-Control") == ["private"]


# -- 9. one valid spelling per signature -----------------------------------------------


def test_non_canonical_signatures_are_refused() -> None:
    app = FlashMiddleware(shows, KEY)
    value = token(app, "x")
    codec = FlashCodec(KEY)
    assert codec.decode(value).problem is None
    body, _, signature = value.rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "=")
    assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == signature
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    start = alphabet.index(signature[-1]) & ~3
    variants = [
        f"{body}.{signature[:-1]}{alphabet[start + spare]}"
        for spare in range(4)
        if alphabet[start + spare] != signature[-1]
    ]
    assert len(variants) == 3
    for variant in [*variants, f"{value}=", f"{value}=="]:
        # Each decodes to the same bytes, so only the spelling differs.
        assert codec.decode(variant).problem == "bad signature", variant


# -- 10. prerendering ------------------------------------------------------------------


def test_a_prerender_shows_but_never_consumes() -> None:
    client = Client(FlashMiddleware(shows, KEY))
    client.get("/flash?m=Saved.")
    prerendered = client.get("/", headers={"Sec-Purpose": "prefetch;prerender"})
    assert prerendered.text == "Saved."
    assert set_cookies(prerendered) == []
    assert prerendered.headers["Cache-Control"] == "private"
    # Chrome may activate that page or never show it: the next page a
    # person loads shows the message (again, if the prerender was shown).
    assert client.get("/").text == "Saved."
    assert client.get("/").text == ""


# -- 11. Cookie fields joined with a comma ---------------------------------------------


def test_a_comma_joined_cookie_header_still_finds_ours() -> None:
    app = FlashMiddleware(shows, KEY)
    ours = token(app, "joined")
    page = bare(app).get("/", headers={"Cookie": f"a=1; b=2, flashmw={ours}"})
    assert page.text == "joined"
