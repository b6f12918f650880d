"""Each framework example, through the framework's own test client where the
client goes through WSGI middleware.

- Flask: ``app.test_client()``, with the extension ``flashmw.flask``; the
  test carries Flask-WTF's CSRF token as a browser does.
- Pyramid and Bottle: WebTest's ``TestApp``, the client both document for
  functional tests; it also lints the WSGI traffic.
- Falcon: ``falcon.testing.TestClient``, which keeps no cookies between
  requests, so the test carries them.
- Django: the example stores ``contrib.messages`` with
  ``flashmw.django.FlashStorage``, so Django's own ``django.test.Client``
  sees flashmw; the scenario also runs through werkzeug's WSGI client,
  which goes through the WSGI handler as a server does.

Every example runs the same scenario: nothing shown at first, ``POST /save``
answers 303, the next page shows the escaped message once, a refresh shows
none, and an empty form flashes an error.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from live import Shown, shown_messages

import flashmw.flask

Get = Callable[[str], tuple[int, str]]
Post = Callable[[str, Mapping[str, str]], tuple[int, str]]


def check_scenario(framework: str, get: Get, post: Post) -> None:
    """The scenario every framework example must pass."""
    status, page = get("/")
    assert status == 200
    assert f"flashmw with {framework}" in page
    assert shown_messages(page) == []

    status, location = post("/save", {"item": "<b>tea</b>"})
    assert status == 303
    assert urllib.parse.urlsplit(location).path == "/"
    status, page = get("/")
    assert status == 200
    assert shown_messages(page) == [Shown("success", "status", "Saved <b>tea</b>.")]
    assert "<b>tea</b>" not in page
    status, page = get("/")
    assert shown_messages(page) == []

    status, _ = post("/save", {"item": " "})
    assert status == 303
    _, page = get("/")
    assert shown_messages(page) == [Shown("error", "alert", "Please enter an item.")]


def _flask_client(secret_key: str) -> tuple[Any, Get, Post]:
    """The Flask example's test client, and get/post that carry Flask-WTF's
    CSRF token from the last page, as a browser does."""
    from examples.frameworks import flask_app

    app = flask_app.make_app(secret_key)
    client = app.test_client()
    token = ""

    def get(path: str) -> tuple[int, str]:
        nonlocal token
        response = client.get(path)
        found = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', response.text
        )
        if found:
            token = found.group(1)
        return response.status_code, response.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        response = client.post(path, data={**form, "csrf_token": token})
        return response.status_code, response.headers.get("Location", "")

    return client, get, post


def test_flask(secret_key: str) -> None:
    client, get, post = _flask_client(secret_key)
    check_scenario("Flask", get, post)
    app = client.application
    # Flashing went to flashmw's cookie: Flask's session holds only
    # Flask-WTF's CSRF token and Flask-Login's freshness flag, never a message.
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.inner.get_signing_serializer(app)
    assert set(serializer.loads(cookie.value)) == {"csrf_token", "_fresh"}
    assert (
        app.jinja_env.globals["get_flashed_messages"]
        is flashmw.flask.get_flashed_messages
    )


def test_flask_login_required_message_and_login(secret_key: str) -> None:
    client, get, post = _flask_client(secret_key)
    bounced = client.get("/account")
    assert bounced.status_code == 302
    status, page = get(bounced.headers["Location"])
    assert shown_messages(page) == [
        Shown("message", "status", "Please log in to access this page.")
    ]
    status, location = post(
        "/login?next=/account", {"username": "alice", "password": "nope"}
    )
    assert status == 303
    _, page = get(location)
    assert shown_messages(page) == [
        Shown("error", "alert", "Invalid username or password.")
    ]
    status, location = post(
        "/login?next=/account", {"username": "alice", "password": "wonderland"}
    )
    assert (status, location) == (303, "/account")
    status, page = get(location)
    assert status == 200 and "Account of alice" in page
    assert shown_messages(page) == [Shown("success", "status", "Logged in as alice.")]
    assert shown_messages(get("/account")[1]) == []


def test_flask_csrf_still_protects_the_form(secret_key: str) -> None:
    client, get, post = _flask_client(secret_key)
    refused = client.post("/save", data={"item": "x"})
    assert refused.status_code == 303
    assert shown_messages(get("/")[1]) == [
        Shown("error", "alert", "The CSRF token is missing.")
    ]


def test_django_with_its_own_test_client(secret_key: str) -> None:
    from django.test import Client

    from examples.frameworks import django_app

    django_app.make_app(secret_key)
    client = Client(enforce_csrf_checks=True)
    token = ""

    def get(path: str) -> tuple[int, str]:
        nonlocal token
        response = client.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        if found:
            token = found.group(1)
        return response.status_code, response.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        response = client.post(path, data={**form, "csrfmiddlewaretoken": token})
        return response.status_code, response.headers.get("Location", "")

    check_scenario("Django", get, post)
    # The messages app's cookie is never written: flashmw's is.
    assert "messages" not in client.cookies
    assert "flashmw" in client.cookies


def test_django_through_the_wsgi_handler(secret_key: str) -> None:
    from werkzeug.test import Client

    from examples.frameworks import django_app

    # What a server does: the WSGI handler, its headers and cookies.
    client = Client(django_app.make_app(secret_key))
    token = ""

    def get(path: str) -> tuple[int, str]:
        nonlocal token
        response = client.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        if found:
            token = found.group(1)
        return response.status_code, response.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        # Django's CSRF check stays on: the token comes from the last page.
        response = client.post(path, data={**form, "csrfmiddlewaretoken": token})
        return response.status_code, response.headers.get("Location", "")

    check_scenario("Django", get, post)


def test_django_csrf_still_protects_the_form(secret_key: str) -> None:
    from werkzeug.test import Client

    from examples.frameworks import django_app

    client = Client(django_app.make_app(secret_key))
    assert client.post("/save", data={"item": "x"}).status_code == 403
    assert shown_messages(client.get("/").text) == []


# WebOb 1.8 (under Pyramid and WebTest) imports the cgi module, deprecated
# since Python 3.11; the warning is theirs and says nothing about flashmw.
@pytest.mark.filterwarnings("ignore:'cgi' is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", ["pyramid_app", "bottle_app"])
def test_webtest(name: str, secret_key: str) -> None:
    import importlib

    import webtest

    module = importlib.import_module(f"examples.frameworks.{name}")
    client = webtest.TestApp(module.make_app(secret_key))

    def get(path: str) -> tuple[int, str]:
        response = client.get(path)
        return response.status_int, response.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        response = client.post(path, params=dict(form))
        return response.status_int, response.headers.get("Location", "")

    check_scenario(name.removesuffix("_app").title(), get, post)


def test_falcon(secret_key: str) -> None:
    from falcon import testing

    from examples.frameworks import falcon_app

    client = testing.TestClient(falcon_app.make_app(secret_key))
    cookies: dict[str, str] = {}

    def keep(result: testing.Result) -> None:
        # A browser's job, which Falcon's client leaves to the test.
        for name, cookie in result.cookies.items():
            if cookie.value and cookie.max_age != 0:
                cookies[name] = cookie.value
            else:
                cookies.pop(name, None)

    def get(path: str) -> tuple[int, str]:
        result = client.simulate_get(path, cookies=cookies)
        keep(result)
        return result.status_code, result.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        result = client.simulate_post(
            path,
            body=urllib.parse.urlencode(form),
            content_type="application/x-www-form-urlencoded",
            cookies=cookies,
        )
        keep(result)
        return result.status_code, result.headers.get("Location", "")

    check_scenario("Falcon", get, post)
