"""The Pyramid, Bottle and Falcon examples under a real gunicorn on 127.0.0.1,
and the ``falcon.asgi`` example under uvicorn.

Pyramid is served from its ini file (``gunicorn --paste``) twice: as it is,
with ``config.include("flashmw.pyramid")`` writing the cookie, and through
the ``filtered`` pipeline, where PasteDeploy's ``[filter:flashmw]`` (``use =
egg:flashmw``) wraps the same application and writes it instead. The five
servers start together under one deadline (tests/live.py).
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Iterator, Mapping

import pytest
from live import Client, Gunicorn, serving
from live_asgi import Uvicorn
from test_frameworks import check_scenario

pytestmark = pytest.mark.live

INI = "examples/frameworks/pyramid.ini"
SERVED = {
    # gunicorn takes the ini file instead of a module:attribute; the helper
    # puts this last on its command line, where an option is as good.
    "pyramid": f"--paste={INI}",
    "pyramid-filter": f"--paste={INI}#filtered",
    "bottle": "examples.frameworks.bottle_app:app",
    "falcon": "examples.frameworks.falcon_app:app",
    # falcon.asgi with the same component, under uvicorn.
    "falcon-asgi": "examples.asgi.falcon_app:app",
}
#: What each server's cookie says about who wrote it (pyramid.ini).
MAX_AGE = {
    "pyramid": 3600,
    "pyramid-filter": 600,
    "bottle": 3600,
    "falcon": 3600,
    "falcon-asgi": 3600,
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Gunicorn]]:
    env = {"FLASHMW_SECRET_KEY": secrets.token_hex(32)}
    started = {name: server(name, app, env) for name, app in SERVED.items()}
    with serving(*started.values()):
        yield started


@pytest.mark.parametrize("name", sorted(SERVED))
def test_example_under_gunicorn(servers: dict[str, Gunicorn], name: str) -> None:
    server = servers[name]
    client = Client()
    cookies: list[str] = []

    def get(path: str) -> tuple[int, str]:
        reply = client.get(server.url + path)
        if shown_something(reply.text):
            assert "private" in reply.headers["Cache-Control"]
            assert "Cookie" in reply.headers["Vary"]
        return reply.status, reply.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        reply = client.post(server.url + path, dict(form))
        cookies.extend(reply.set_cookies)
        return reply.status, urllib.parse.urlsplit(reply.location).path

    check_scenario(framework(name), get, post)
    assert cookies
    assert all(f"Max-Age={MAX_AGE[name]};" in cookie for cookie in cookies)
    assert client.cookie("flashmw") is None


def shown_something(page: str) -> bool:
    return '<ul class="flashes">' in page


def framework(name: str) -> str:
    return {"pyramid-filter": "Pyramid", "falcon-asgi": "Falcon ASGI"}.get(
        name, name.title()
    )


def server(name: str, app: str, env: dict[str, str]) -> Gunicorn:
    if name.endswith("asgi"):
        return Uvicorn(app, env=env)
    return Gunicorn(app, env=env, workers=1)
