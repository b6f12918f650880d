"""The Flask example under real gunicorn on 127.0.0.1: Flask-Login's
``@login_required`` message, a Flask-WTF login and the item form, with the
messages in flashmw's cookie. The server is started with a deadline and
always stopped (tests/live.py)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from live import Client, Gunicorn, Reply, Shown, shown_messages

pytestmark = pytest.mark.live
pytest.importorskip("flask_login")
pytest.importorskip("flask_wtf")


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("sync", 1), id="sync"),
        pytest.param(("gthread", 4), id="gthread"),
    ],
)
def server(request: pytest.FixtureRequest) -> Iterator[Gunicorn]:
    # Two workers: the cookie signed by one is read by the other.
    worker_class, threads = request.param
    with Gunicorn(
        "examples.frameworks.flask_app:app",
        env={"FLASHMW_SECRET_KEY": secrets.token_hex(32)},
        worker_class=worker_class,
        workers=2,
        threads=threads,
    ) as started:
        assert f"Using worker: {worker_class}" in started.log
        yield started


def _token(reply: Reply) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', reply.text)
    assert found, reply.text
    return found.group(1)


def test_login_required_then_login_then_the_item_form(server: Gunicorn) -> None:
    client = Client()
    bounced = client.get(f"{server.url}/account")
    assert bounced.status == 302
    assert any(c.startswith("flashmw=") for c in bounced.set_cookies)
    login = client.follow(bounced)
    assert shown_messages(login.text) == [
        Shown("message", "status", "Please log in to access this page.")
    ]
    assert "private" in login.headers["Cache-Control"]
    assert "Cookie" in login.headers["Vary"]
    posted = client.post(
        f"{server.url}/login?next=/account",
        {"username": "alice", "password": "wonderland", "csrf_token": _token(login)},
    )
    assert posted.status == 303
    # HEAD of the page that shows the message consumes nothing.
    assert client.request(posted.location, method="HEAD").status == 200
    account = client.follow(posted)
    assert "Account of alice" in account.text
    assert shown_messages(account.text) == [
        Shown("success", "status", "Logged in as alice.")
    ]
    assert shown_messages(client.get(account.url).text) == []
    assert client.cookie("flashmw") is None

    page = client.get(f"{server.url}/")
    saved = client.post(
        f"{server.url}/save", {"item": "<b>tea</b>", "csrf_token": _token(page)}
    )
    assert saved.status == 303
    assert shown_messages(client.follow(saved).text) == [
        Shown("success", "status", "Saved <b>tea</b>.")
    ]
    assert shown_messages(client.get(f"{server.url}/").text) == []
