"""flashmw.testing: reading what a response flashed, from each client's
response type, and the pytest plugin's fixtures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from isolated import DJANGO_SETUP, run_isolated
from werkzeug.test import Client

from flashmw import FlashMiddleware, flash, get_flashed_messages, get_flashes
from flashmw.testing import (
    FlashReader,
    assert_flashed,
    install_flashes,
    set_cookie_headers,
)

KEY = "testing-key-1f3e5d7c9b2a4f6e8d0c1b3a5e7d9f2c"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """/save flashes two messages and redirects; / shows and consumes."""
    if environ["PATH_INFO"] == "/save":
        flash(environ, "Saved.", "success")
        flash(environ, "Check the date.", "warning")
        start_response("303 See Other", [("Location", "/")])
        return [b""]
    if environ["PATH_INFO"] == "/plain":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain"]
    shown = get_flashed_messages(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["|".join(shown).encode()]  # type: ignore[arg-type]


WRAPPED = FlashMiddleware(app, KEY)
READER = FlashReader(KEY)
SAVED = [("success", "Saved."), ("warning", "Check the date.")]


def test_werkzeug_and_flask_responses() -> None:
    client = Client(WRAPPED)
    saved = client.get("/save")
    assert READER.stored(saved) == SAVED
    assert_flashed(saved, SAVED, reader=READER)
    assert_flashed(saved, ["Saved.", "Check the date."], reader=READER)
    shown = client.get("/")
    assert READER.stored(shown) == []  # consumed: the cookie is deleted
    assert READER.stored(client.get("/plain")) is None  # left alone


def test_a_flask_test_client_response() -> None:
    flask = pytest.importorskip("flask")
    application = flask.Flask(__name__)

    @application.post("/save")
    def save() -> Any:
        flash(flask.request.environ, "Saved.", "success")
        return flask.redirect("/", 303)

    application.wsgi_app = FlashMiddleware(application.wsgi_app, KEY)  # type: ignore[method-assign]
    response = application.test_client().post("/save")
    assert_flashed(response, [("success", "Saved.")], reader=READER)


def test_webtest_responses() -> None:
    webtest = pytest.importorskip("webtest")
    response = webtest.TestApp(WRAPPED).get("/save", status=303)
    assert READER.stored(response) == SAVED


def test_httpx_responses() -> None:
    httpx = pytest.importorskip("httpx")
    saved = Client(WRAPPED).get("/save")
    response = httpx.Response(
        303, headers=[("set-cookie", "other=1"), *saved.headers.items()]
    )
    assert READER.stored(response) == SAVED


def test_django_responses() -> None:
    pytest.importorskip("django")
    run_isolated(
        DJANGO_SETUP
        + """
from django.http import HttpResponse
from werkzeug.test import Client
from tests.test_testing import READER, SAVED, WRAPPED

[field] = Client(WRAPPED).get("/save").headers.getlist("Set-Cookie")
value = field.split(";", 1)[0].split("=", 1)[1]
response = HttpResponse()
response.set_cookie("flashmw", value, max_age=3600, httponly=True)
response.set_cookie("csrftoken", "x")
assert READER.stored(response) == SAVED, READER.stored(response)
response.delete_cookie("flashmw")
assert READER.stored(response) == []
print("ok")
"""
    )


def test_header_pairs() -> None:
    saved = Client(WRAPPED).get("/save")
    assert READER.stored(list(saved.headers.items())) == SAVED
    assert READER.stored([("Content-Type", "text/plain")]) is None


def test_an_unknown_response_type_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="cannot read Set-Cookie from a int"):
        set_cookie_headers(42)


def test_a_cookie_signed_with_another_key_fails_loudly() -> None:
    saved = Client(FlashMiddleware(app, KEY + "-other")).get("/save")
    with pytest.raises(AssertionError, match="does not verify"):
        READER.stored(saved)


def test_the_reader_follows_the_cookie_options() -> None:
    options: dict[str, Any] = {"cookie_name": "notices", "cookie_path": "/app"}
    saved = Client(FlashMiddleware(app, KEY, **options)).get("/save")
    assert FlashReader(KEY, **options).stored(saved) == SAVED
    assert READER.stored(saved) is None  # not the default cookie at all


def test_a_failed_assertion_shows_a_diff() -> None:
    saved = Client(WRAPPED).get("/save")
    with pytest.raises(AssertionError) as failed:
        assert_flashed(saved, [("success", "Saved."), ("error", "Oops")], reader=READER)
    text = str(failed.value)
    assert "-('error', 'Oops')" in text
    assert "+('warning', 'Check the date.')" in text
    with pytest.raises(AssertionError, match="flashed other messages"):
        assert_flashed(saved, [("success", "Saved.")], reader=READER)


def test_install_flashes_on_request_objects() -> None:
    class Request:  # the shape of Pyramid's DummyRequest
        def __init__(self) -> None:
            self.environ: dict[str, Any] = {}

    request = Request()
    flashes = install_flashes(request, [("info", "from before")])
    assert get_flashes(request.environ) is flashes
    flash(request.environ, "from the view", "success")
    assert flashes.peek(with_categories=True) == [
        ("info", "from before"),
        ("success", "from the view"),
    ]
    with pytest.raises(TypeError, match="no environ, META or scope"):
        install_flashes(object())


def test_install_flashes_on_a_django_request_factory_request() -> None:
    pytest.importorskip("django")
    run_isolated(
        DJANGO_SETUP
        + """
from django.test import RequestFactory
from flashmw import flash
from flashmw.testing import install_flashes

request = RequestFactory().get("/")
flashes = install_flashes(request)
flash(request.META, "Saved.")
assert flashes.get_flashed_messages() == ["Saved."]
print("ok")
"""
    )


def test_the_plugin_is_registered_and_its_fixtures_work(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        from flashmw import FlashMiddleware, flash
        from werkzeug.test import Client

        KEY = "fixture-key-4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"

        def app(environ, start_response):
            flash(environ, "Saved.", "success")
            start_response("303 See Other", [("Location", "/")])
            return [b""]

        def test_reader(flash_reader):
            saved = Client(FlashMiddleware(app, KEY)).get("/")
            assert flash_reader.stored(saved) == [("success", "Saved.")]

        def test_flashes(flashes):
            flashes.flash("x")
            assert flashes.peek() == ["x"]
        """
    )
    monkeypatch.setenv(
        "FLASHMW_SECRET_KEY", "fixture-key-4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"
    )
    # Found through the pytest11 entry point, as in any project.
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    monkeypatch.delenv("FLASHMW_SECRET_KEY")
    without_key = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    without_key.assert_outcomes(passed=1, errors=1)
    assert "reads the app's key from FLASHMW_SECRET_KEY" in without_key.stdout.str()
