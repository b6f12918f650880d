"""The ASGI driver under Starlette and FastAPI, through their own clients.

Starlette's ``TestClient`` (and httpx's ``ASGITransport`` for concurrent
requests in one event loop) run the real framework stack: routing, the
threadpool for sync views, ``Jinja2Templates``, ``StreamingResponse``,
``ServerErrorMiddleware``, websockets and lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping

import httpx
import jinja2
import pytest
from live import Shown, shown_messages
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient
from starlette.websockets import WebSocket
from test_frameworks import Get, Post, check_scenario

import flashmw.jinja
from flashmw import (
    ENVIRON_KEY,
    FlashWarning,
    HeadersSentError,
    flash,
    get_flashed_messages,
    get_flashes,
)
from flashmw.api import _current
from flashmw.asgi import FlashMiddleware

KEY = "asgi-key-4b7e1c9a3f5d8e2b6a0c4f7e1d3b5a9c"


def client_for(app: Starlette) -> tuple[TestClient, Get, Post]:
    client = TestClient(app)

    def get(path: str) -> tuple[int, str]:
        response = client.get(path)
        return response.status_code, response.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        response = client.post(path, data=dict(form), follow_redirects=False)
        return response.status_code, response.headers.get("location", "")

    return client, get, post


@pytest.mark.parametrize("name", ["starlette_app", "fastapi_app"])
def test_the_examples_with_their_test_client(name: str, secret_key: str) -> None:
    import importlib

    module = importlib.import_module(f"examples.asgi.{name}")
    app = module.make_app(secret_key)
    client, get, post = client_for(app)
    check_scenario("FastAPI" if name == "fastapi_app" else "Starlette", get, post)
    # No session: the only cookie ever set was flashmw's.
    assert set(client.cookies.keys()) <= {"flashmw"}


# -- a Starlette site with every kind of view ------------------------------------------

PAGE = "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.DictLoader({"page.html": PAGE + "{% endfor %}"}),
        autoescape=True,
    )
)
# As the README says: install the global on the templates' environment.
flashmw.jinja.install(TEMPLATES.env)


async def flash_view(request: Request) -> Response:
    flash(request.scope, request.query_params.get("m", "hello"), "info")
    return RedirectResponse("/show", 303)


async def show_async(request: Request) -> Response:
    return TEMPLATES.TemplateResponse(request, "page.html")


def show_sync(request: Request) -> Response:
    # Starlette runs a sync view in a worker thread with a copy of the
    # request's context: the template global still finds the messages.
    return TEMPLATES.TemplateResponse(request, "page.html")


async def flash_and_show(request: Request) -> Response:
    """Flash a message unique to this request, yield to the others, then
    render: each page must show its own message and no other."""
    flash(request.scope, request.path_params["n"])
    await asyncio.sleep(0.001)
    if request.query_params.get("sync"):
        return await asyncio.to_thread(lambda: show_sync(request))
    return await show_async(request)


def flash_and_show_sync(request: Request) -> Response:
    flash(request.scope, request.path_params["n"])
    time.sleep(0.001)
    return show_sync(request)


async def streamed(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"<"
        yield "|".join(get_flashed_messages(request.scope)).encode()  # type: ignore[arg-type]

    return StreamingResponse(chunks())


async def late_flash(request: Request) -> Response:
    errors: list[BaseException] = []

    def task() -> None:
        try:
            flash(request.scope, "after the response")
        except HeadersSentError as error:
            errors.append(error)

    LATE.append(errors)
    return PlainTextResponse("ok", background=BackgroundTask(task))


LATE: list[list[BaseException]] = []


async def broken(request: Request) -> Response:
    get_flashed_messages(request.scope)
    flash(request.scope, "never stored")
    raise RuntimeError("boom")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(str(ENVIRON_KEY in websocket.scope))
    await websocket.close()


STARTED: list[bool] = []


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    STARTED.append(True)
    yield


def site(**options: object) -> Starlette:
    return Starlette(
        routes=[
            Route("/flash", flash_view, methods=["GET", "POST"]),
            Route("/show", show_async),
            Route("/show-sync", show_sync),
            Route("/each/{n}", flash_and_show),
            Route("/each-sync/{n}", flash_and_show_sync),
            Route("/streamed", streamed),
            Route("/late", late_flash),
            Route("/broken", broken),
            WebSocketRoute("/ws", socket),
        ],
        middleware=[Middleware(FlashMiddleware, secret_key=KEY, **options)],
        lifespan=lifespan,
    )


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(site()) as started:
        yield started


@pytest.mark.parametrize("path", ["/show", "/show-sync"])
def test_post_redirect_get_in_async_and_sync_views(
    client: TestClient, path: str
) -> None:
    posted = client.post("/flash?m=<b>hi</b>", follow_redirects=False)
    assert posted.status_code == 303
    assert posted.headers["set-cookie"].startswith("flashmw=")
    page = client.get(path)
    assert page.text == "[info:&lt;b&gt;hi&lt;/b&gt;]"
    assert "private" in page.headers["cache-control"]
    assert "Cookie" in page.headers["vary"]
    assert client.get(path).text == ""


def test_lifespan_and_websockets_pass_through(client: TestClient) -> None:
    assert STARTED
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "False"


def test_an_unhandled_error_stores_nothing(client: TestClient) -> None:
    client.get("/flash?m=kept", follow_redirects=False)
    failing = TestClient(client.app, raise_server_exceptions=False)
    failing.cookies = client.cookies
    response = failing.get("/broken")
    # Starlette's ServerErrorMiddleware sent the 500 outside flashmw.
    assert response.status_code == 500
    assert "set-cookie" not in response.headers
    assert client.get("/show").text == "[info:kept]"


def test_a_read_in_a_streamed_body_warns_and_shows_again(client: TestClient) -> None:
    client.get("/flash?m=again", follow_redirects=False)
    for _ in range(2):
        with pytest.warns(FlashWarning, match="show again"):
            assert client.get("/streamed").text == "<again"


def test_a_flash_in_a_background_task_raises(client: TestClient) -> None:
    assert client.get("/late").text == "ok"
    [errors] = LATE[-1:]
    [error] = errors
    assert isinstance(error, HeadersSentError)


def test_the_request_object_reaches_the_flashes(client: TestClient) -> None:
    seen: list[object] = []

    async def view(request: Request) -> Response:
        seen.append(get_flashes(request.scope))
        seen.append(_current.get())
        return PlainTextResponse("")

    app = Starlette(
        routes=[Route("/", view)],
        middleware=[Middleware(FlashMiddleware, secret_key=KEY)],
    )
    TestClient(app).get("/")
    assert seen[0] is seen[1] is not None


@pytest.mark.parametrize("kind", ["each", "each-sync", "each?sync=1"])
def test_many_concurrent_requests_each_see_only_their_own(kind: str) -> None:
    app = site()
    path, _, query = kind.partition("?")

    async def one(n: int, http: httpx.AsyncClient) -> str:
        response = await http.get(f"/{path}/{n}" + (f"?{query}" if query else ""))
        return response.text

    async def many() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as http:
            return await asyncio.gather(*(one(n, http) for n in range(60)))

    assert asyncio.run(many()) == [f"[message:{n}]" for n in range(60)]


def test_many_users_post_redirect_get_concurrently() -> None:
    app = site()

    async def user(n: int) -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as http:
            pages = []
            for r in range(3):
                posted = await http.post(f"/flash?m=u{n}-{r}")
                assert posted.status_code == 303
                pages.append((await http.get("/show")).text)
            return pages

    async def all_users() -> list[list[str]]:
        return await asyncio.gather(*(user(n) for n in range(30)))

    for n, pages in enumerate(asyncio.run(all_users())):
        assert pages == [f"[info:u{n}-{r}]" for r in range(3)]


def test_the_examples_page_shows_messages_accessibly(secret_key: str) -> None:
    from examples.asgi import fastapi_app

    client = TestClient(fastapi_app.make_app(secret_key))
    page = client.post("/save", data={"item": "tea"})
    # The client followed the 303 to the page, which showed the message once.
    assert shown_messages(page.text) == [Shown("success", "status", "Saved tea.")]
    assert shown_messages(client.get("/").text) == []
    client.post("/save", data={"item": "tea"}, follow_redirects=False)
    assert shown_messages(client.get("/").text) == [
        Shown("success", "status", "Saved tea.")
    ]


def test_the_quart_example_with_its_test_client(secret_key: str) -> None:
    """Quart's client calls ``app`` and so ``app.asgi_app``, the wrapped one;
    it sends each cookie in a field of its own, which the driver joins."""
    pytest.importorskip("quart")
    from examples.asgi import quart_app

    app = quart_app.make_app(secret_key)
    client = app.test_client()
    loop = asyncio.new_event_loop()

    def get(path: str) -> tuple[int, str]:
        async def go() -> tuple[int, str]:
            response = await client.get(path)
            return response.status_code, await response.get_data(as_text=True)

        return loop.run_until_complete(go())

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        async def go() -> tuple[int, str]:
            response = await client.post(path, form=dict(form))
            return response.status_code, response.headers.get("Location", "")

        return loop.run_until_complete(go())

    try:
        check_scenario("Quart", get, post)
    finally:
        loop.close()
    # Quart's session was never used: its cookie was never set.
    assert all(cookie.name == "flashmw" for cookie in client.cookie_jar or ())
    assert (
        app.jinja_env.globals["get_flashed_messages"]
        is flashmw.jinja.get_flashed_messages
    )


def test_the_litestar_example_with_its_test_client(secret_key: str) -> None:
    """Litestar takes the pure ASGI middleware through ``DefineMiddleware``."""
    pytest.importorskip("litestar")
    from litestar.testing import TestClient as LitestarClient

    from examples.asgi import litestar_app

    with LitestarClient(litestar_app.make_app(secret_key)) as client:

        def get(path: str) -> tuple[int, str]:
            response = client.get(path)
            return response.status_code, response.text

        def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
            response = client.post(path, data=dict(form), follow_redirects=False)
            return response.status_code, response.headers.get("location", "")

        check_scenario("Litestar", get, post)
        assert set(client.cookies.keys()) <= {"flashmw"}
