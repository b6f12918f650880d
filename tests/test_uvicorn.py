"""The ASGI examples under real servers on 127.0.0.1: uvicorn, and gunicorn
with uvicorn workers.

The same checks as the WSGI live tests (tests/test_gunicorn.py):
Post/Redirect/Get, a refresh, many clients at once, HEAD, ``Secure`` behind
a trusted proxy; and a WSGI and an ASGI service sharing the key and the
cookie, each showing what the other flashed. Every server is started with a
deadline and always stopped.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from live import Client, Gunicorn, Shown, serving, shown_messages
from live_asgi import UVICORN_WORKER, Uvicorn

pytest.importorskip("uvicorn")
pytest.importorskip("uvicorn_worker")

pytestmark = pytest.mark.live

FASTAPI = "examples.asgi.fastapi_app:app"
STARLETTE = "examples.asgi.starlette_app:app"
SAVED = [Shown("success", "status", "Saved tea.")]


def _key_env(key: str) -> dict[str, str]:
    return {"FLASHMW_SECRET_KEY": key, "FLASHMW_FALLBACK_KEYS": ""}


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("uvicorn", id="uvicorn"),
        pytest.param("gunicorn", id="gunicorn-uvicorn-workers"),
    ],
)
def server(request: pytest.FixtureRequest) -> Iterator[Gunicorn]:
    """The FastAPI example with two worker processes."""
    env = _key_env(secrets.token_hex(32))
    if request.param == "uvicorn":
        started: Gunicorn = Uvicorn(FASTAPI, env=env, workers=2)
    else:
        started = Gunicorn(FASTAPI, env=env, worker_class=UVICORN_WORKER, workers=2)
    with started:
        yield started


def _save(client: Client, base: str, item: str) -> list[Shown]:
    posted = client.post(f"{base}/save", {"item": item})
    assert posted.status == 303, posted.text
    assert any(c.startswith("flashmw=") for c in posted.set_cookies)
    return shown_messages(client.follow(posted).text)


def test_post_redirect_get_shows_the_message_exactly_once(server: Gunicorn) -> None:
    client = Client()
    posted = client.post(f"{server.url}/save", {"item": "tea"})
    assert posted.status == 303
    assert posted.location == f"{server.url}/"
    page = client.follow(posted)
    assert page.status == 200
    assert shown_messages(page.text) == SAVED
    assert "private" in page.headers["Cache-Control"]
    assert "Cookie" in page.headers["Vary"]
    refreshed = client.get(page.url)
    assert shown_messages(refreshed.text) == []
    assert client.cookie("flashmw") is None


def test_many_clients_at_once_each_see_only_their_own_message(
    server: Gunicorn,
) -> None:
    def visit(number: int) -> list[list[str]]:
        client = Client()
        return [
            [s.text for s in _save(client, server.url, f"item-{number}-{r}")]
            for r in range(3)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(visit, range(16)))
    for number, rounds in enumerate(seen):
        assert rounds == [[f"Saved item-{number}-{r}."] for r in range(3)]


def test_head_does_not_consume(server: Gunicorn) -> None:
    client = Client()
    client.post(f"{server.url}/save", {"item": "tea"})
    assert client.request(f"{server.url}/", method="HEAD").status == 200
    assert shown_messages(client.get(f"{server.url}/").text) == SAVED


def test_secure_follows_a_trusted_proxy(server: Gunicorn) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1 by default and sets
    # the scope's scheme to https; flashmw marks its cookie Secure.
    https = {"X-Forwarded-Proto": "https"}
    behind_proxy = Client().post(f"{server.url}/save", {"item": "x"}, headers=https)
    (cookie,) = [c for c in behind_proxy.set_cookies if c.startswith("flashmw=")]
    assert "; Secure" in cookie
    direct = Client().post(f"{server.url}/save", {"item": "x"})
    (cookie,) = [c for c in direct.set_cookies if c.startswith("flashmw=")]
    assert "Secure" not in cookie


@pytest.mark.parametrize("name", ["starlette_app", "quart_app", "litestar_app"])
def test_the_other_examples_under_uvicorn(name: str) -> None:
    if name != "starlette_app":
        pytest.importorskip(name.removesuffix("_app"))
    env = _key_env(secrets.token_hex(32))
    with Uvicorn(f"examples.asgi.{name}:app", env=env) as server:
        client = Client()
        assert _save(client, server.url, "tea") == SAVED
        assert shown_messages(client.get(f"{server.url}/").text) == []


def test_a_wsgi_and_an_asgi_service_share_the_messages() -> None:
    """A fleet moving one service at a time: the WSGI demo under gunicorn and
    the ASGI examples under uvicorn, one key, one cookie."""
    env = _key_env(secrets.token_hex(32))
    with serving(
        Gunicorn("examples.demo:app", env=env, workers=1),
        Uvicorn(STARLETTE, env=env),
    ) as (wsgi, asgi):
        client = Client()
        # Flashed by the WSGI service, shown once by the ASGI one.
        client.post(f"{wsgi.url}/seed001/foo", {})
        assert shown_messages(client.get(f"{asgi.url}/").text) == [
            Shown("success", "status", "This is a message")
        ]
        assert shown_messages(client.get(f"{wsgi.url}/seed001/bar").text) == []
        # Flashed by the ASGI service, shown once by the WSGI one.
        client.post(f"{asgi.url}/save", {"item": "tea"})
        assert shown_messages(client.get(f"{wsgi.url}/seed001/bar").text) == SAVED
        assert shown_messages(client.get(f"{asgi.url}/").text) == []
