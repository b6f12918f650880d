"""Delivery, hooks, expiry and duplicates through every driver: the ASGI
middleware (Starlette's own test client) and the Flask extension (Flask's),
as the WSGI middleware's own tests already check them.

The rules live in the core; these tests show that each driver hands it what
it needs (the ``HX-*`` headers, the response's status) and applies what it
returns.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from flashmw import FlashHooks, Message, flash, get_flashed_messages, read_messages

KEY = "drivers-key-7a9c1e3b5d7f9a2c4e6b8d0f1a3c5e7b"

starlette = pytest.importorskip("starlette")
flask = pytest.importorskip("flask")

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse, RedirectResponse  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from flashmw.asgi import FlashMiddleware as ASGIFlashMiddleware  # noqa: E402
from flashmw.endpoint import FlashEndpoint  # noqa: E402
from flashmw.flask import FlashMessages  # noqa: E402


class Recorder(FlashHooks):
    """Every event, as (name, detail)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def added(self, message: Message) -> None:
        self.events.append(("added", message.text))

    def shown(self, messages: Any) -> None:
        self.events.append(("shown", [m.text for m in messages]))

    def consumed(self, messages: Any) -> None:
        self.events.append(("consumed", [m.text for m in messages]))

    def dropped(self, count: int, reason: str) -> None:
        self.events.append(("dropped", (count, reason)))

    def rejected(self, reason: str) -> None:
        self.events.append(("rejected", reason))


def starlette_app(**options: Any) -> Starlette:
    async def save(request: Request) -> Any:
        for text in request.query_params.getlist("m"):
            flash(request.scope, text, "success")
        return RedirectResponse("/page", 303)

    async def partial(request: Request) -> Any:
        # An htmx fragment that does not read the messages itself.
        return PlainTextResponse("<p>done</p>")

    async def page(request: Request) -> Any:
        shown = get_flashed_messages(request.scope)
        return PlainTextResponse("|".join(shown))  # type: ignore[arg-type]

    async def counted(request: Request) -> Any:
        records = read_messages(request.scope)
        return PlainTextResponse("|".join(f"{m.text}x{m.count}" for m in records))

    app = Starlette(
        routes=[
            Route("/save", save, methods=["POST"]),
            Route("/partial", partial, methods=["POST"]),
            Route("/page", page),
            Route("/counted", counted),
            Mount("/_flashes", app=FlashEndpoint().asgi),
        ]
    )
    app.add_middleware(ASGIFlashMiddleware, secret_key=KEY, **options)
    return app


# -- ASGI -----------------------------------------------------------------------------


def test_asgi_htmx_delivers_the_unread_messages_in_hx_trigger() -> None:
    client = TestClient(starlette_app(htmx=True))
    client.post("/save?m=Saved.", follow_redirects=False)
    response = client.post(
        "/partial", headers={"HX-Request": "true", "Sec-Fetch-Dest": "empty"}
    )
    assert json.loads(response.headers["HX-Trigger"]) == {
        "flashmw": [
            {"category": "success", "message": "Saved.", "html": False, "count": 1}
        ]
    }
    # Delivered, so consumed: the next page has nothing.
    assert client.get("/page").text == ""


def test_asgi_htmx_never_delivers_on_a_redirect() -> None:
    client = TestClient(starlette_app(htmx=True))
    client.post("/save?m=Saved.", follow_redirects=False)
    redirected = client.post(
        "/save", headers={"HX-Request": "true"}, follow_redirects=False
    )
    assert "HX-Trigger" not in redirected.headers
    assert client.get("/page").text == "Saved."


def test_asgi_json_endpoint_and_script() -> None:
    client = TestClient(starlette_app())
    client.post("/save?m=Saved.&m=Again.", follow_redirects=False)
    answer = client.get("/_flashes", headers={"Sec-Fetch-Dest": "empty"})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert [m["message"] for m in answer.json()] == ["Saved.", "Again."]
    assert client.get("/_flashes").json() == []
    script = client.get("/_flashes/flashmw.js")
    assert script.status_code == 200 and "fetch(" in script.text
    assert client.post("/_flashes").status_code == 405
    assert client.get("/_flashes/other").status_code == 404


def test_asgi_hooks_see_every_event() -> None:
    hooks = Recorder()
    client = TestClient(starlette_app(hooks=hooks))
    client.post("/save?m=Saved.", follow_redirects=False)
    assert client.get("/page").text == "Saved."
    assert ("added", "Saved.") in hooks.events
    assert ("shown", ["Saved."]) in hooks.events
    assert ("consumed", ["Saved."]) in hooks.events
    client.cookies.set("flashmw", "tampered.value.x")
    client.get("/page")
    assert ("rejected", "bad signature") in hooks.events


def test_asgi_coalesces_duplicates() -> None:
    client = TestClient(starlette_app(coalesce=True))
    client.post("/save?m=Saved.&m=Saved.&m=Saved.", follow_redirects=False)
    assert client.get("/counted").text == "Saved.x3"


# -- Flask ----------------------------------------------------------------------------


def flask_app(**options: Any) -> Any:
    app = flask.Flask(__name__)
    FlashMessages(app, secret_key=KEY, **options)

    @app.post("/save")
    def save() -> Any:
        for text in flask.request.args.getlist("m"):
            flask.flash(text, "success")
        if flask.request.args.get("ttl"):
            flash(flask.request.environ, "Soon gone.", "info", ttl=5)
        return flask.redirect("/page", 303)

    @app.post("/partial")
    def partial() -> Any:
        return "<p>done</p>"

    @app.get("/page")
    def page() -> Any:
        return "|".join(flask.get_flashed_messages())

    return app


def test_flask_htmx_delivers_what_flask_flash_stored() -> None:
    client = flask_app(htmx=True).test_client()
    client.post("/save?m=Saved.")
    response = client.post("/partial", headers={"HX-Request": "true"})
    [event] = json.loads(response.headers["HX-Trigger"])["flashmw"]
    assert event["message"] == "Saved."
    assert client.get("/page").text == ""


def test_flask_hooks_see_flask_flash() -> None:
    hooks = Recorder()
    client = flask_app(hooks=hooks).test_client()
    client.post("/save?m=Saved.")
    assert client.get("/page").text == "Saved."
    assert ("added", "Saved.") in hooks.events
    assert ("consumed", ["Saved."]) in hooks.events


def test_flask_per_message_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    app = flask_app()
    clock = [1_700_000_000.0]
    app.extensions["flashmw"].core.codec.clock = lambda: clock[0]
    client = app.test_client()
    client.post("/save?m=Kept.&ttl=1")
    clock[0] += 10  # past the ttl of 5 s, within max_age
    assert client.get("/page").text == "Kept."


def test_the_reader_sees_ttl_and_count() -> None:
    from flashmw.testing import FlashReader

    client = TestClient(starlette_app(coalesce=True))
    saved = client.post("/save?m=Saved.&m=Saved.", follow_redirects=False)
    [record] = FlashReader(KEY).stored_messages(saved) or []
    assert (record.text, record.count, record.ttl) == ("Saved.", 2, None)


def test_asgi_header_names_it_adds_are_lower_case() -> None:
    import asyncio

    sent: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        flash(scope, "Saved.")
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", b"/"), (b"cache-control", b"public")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(ASGIFlashMiddleware(app, secret_key=KEY)(scope, receive, send))
    names = [name for name, _ in sent[0]["headers"]]
    # ASGI header names are lower case (the spec; Falcon's client checks).
    assert names == [name.lower() for name in names]
    assert {b"set-cookie", b"vary", b"cache-control", b"location"} <= set(names)
