"""flashmw.falcon: the middleware component, through Falcon's own test client,
for ``falcon.App`` and ``falcon.asgi.App``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi
import pytest
from falcon import testing

from flashmw import FlashMiddleware
from flashmw.falcon import FlashComponent

# Falcon's ASGI client needs a current event loop (see the fixture).
pytestmark = pytest.mark.usefixtures("current_event_loop")

BOTH = [("message", "Saved."), ("error", "Oops.")]


class Browser:
    """Falcon's client with a cookie jar, a browser's job the client leaves
    to the test."""

    def __init__(self, app: Any) -> None:
        self.client = testing.TestClient(app)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: Any) -> testing.Result:
        result = self.client.simulate_request(
            method, path, cookies=self.cookies, **kwargs
        )
        for name, cookie in result.cookies.items():
            if cookie.value and cookie.max_age != 0:
                self.cookies[name] = cookie.value
            else:
                self.cookies.pop(name, None)
        return result

    def get(self, path: str, **kwargs: Any) -> testing.Result:
        return self.request("GET", path, **kwargs)


Responder = Callable[[Any, Any], Any]


class Resource:
    """One responder for GET and HEAD."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder

    def on_get(self, req: Any, resp: Any) -> None:
        self.responder(req, resp)

    on_head = on_get


class AsyncResource(Resource):
    """The same responder, for falcon.asgi."""

    async def on_get(self, req: Any, resp: Any) -> None:  # type: ignore[override]
        self.responder(req, resp)

    on_head = on_get  # type: ignore[assignment]


def save(req: Any, resp: Any) -> None:
    req.context.flashes.flash("Saved.")
    req.context.flashes.flash("Oops.", "error")


def save_and_redirect(req: Any, resp: Any) -> None:
    save(req, resp)
    raise falcon.HTTPSeeOther("/show")


def show(req: Any, resp: Any) -> None:
    resp.text = repr(req.context.flashes.get_flashed_messages(with_categories=True))


def make(
    secret_key: str,
    routes: dict[str, Responder],
    *,
    asgi: bool = False,
    middleware: list[Any] | None = None,
    **options: Any,
) -> Browser:
    component = FlashComponent(secret_key, **options)
    app_type = falcon.asgi.App if asgi else falcon.App
    app = app_type(middleware=[*(middleware or []), component])
    resource = AsyncResource if asgi else Resource
    for name, responder in routes.items():
        app.add_route(f"/{name}", resource(responder))
    return Browser(app)


@pytest.fixture(params=[False, True], ids=["wsgi", "asgi"])
def asgi(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_redirect_then_page_shows_once(secret_key: str, asgi: bool) -> None:
    browser = make(secret_key, {"save": save_and_redirect, "show": show}, asgi=asgi)
    redirect = browser.get("/save")
    assert redirect.status_code == 303
    assert redirect.cookies["flashmw"].value
    assert redirect.headers["Vary"] == "Cookie"
    assert redirect.headers["Cache-Control"] == "private"
    page = browser.get("/show")
    assert page.text == repr(BOTH)
    assert page.headers["Cache-Control"] == "private"
    assert page.cookies["flashmw"].max_age == 0
    assert browser.get("/show").text == "[]"


def test_untouched_responses_are_left_alone(secret_key: str, asgi: bool) -> None:
    def plain(req: Any, resp: Any) -> None:
        resp.text = "hi"

    result = make(secret_key, {"plain": plain}, asgi=asgi).get("/plain")
    assert "set-cookie" not in result.headers
    assert "vary" not in result.headers
    assert "cache-control" not in result.headers


@pytest.mark.parametrize("status", [302, 500, 304])
def test_unseen_responses_keep_what_they_read(
    secret_key: str, asgi: bool, status: int
) -> None:
    def read(req: Any, resp: Any) -> None:
        req.context.flashes.get_flashed_messages()
        resp.status = status

    browser = make(secret_key, {"save": save, "read": read, "show": show}, asgi=asgi)
    browser.get("/save")
    assert "set-cookie" not in browser.get("/read").headers
    assert "set-cookie" not in browser.request("HEAD", "/show").headers
    assert browser.get("/show").text == repr(BOTH)


def test_vary_is_merged_into_the_apps(secret_key: str) -> None:
    def look(req: Any, resp: Any) -> None:
        resp.set_header("Vary", "Accept")
        resp.set_header("Cache-Control", "max-age=60")
        resp.text = repr(req.context.flashes.get_flashed_messages())

    browser = make(secret_key, {"save": save, "look": look})
    browser.get("/save")
    page = browser.get("/look")
    assert page.headers["Vary"] == "Accept, Cookie"
    assert "private" in page.headers["Cache-Control"]
    assert page.text == repr(["Saved.", "Oops."])


def test_a_responder_that_raises_stores_nothing(secret_key: str, asgi: bool) -> None:
    def crash(req: Any, resp: Any) -> None:
        req.context.flashes.flash("Saved.")
        raise RuntimeError("boom")

    def missing(req: Any, resp: Any) -> None:
        req.context.flashes.flash("Not there.")
        raise falcon.HTTPNotFound()

    browser = make(
        secret_key, {"crash": crash, "missing": missing, "show": show}, asgi=asgi
    )
    # Falcon turns the error into a 500 (and logs it).
    assert "set-cookie" not in browser.get("/crash").headers
    assert browser.get("/show").text == "[]"
    # An HTTP error is an answer: its flashes are kept.
    assert browser.get("/missing").status_code == 404
    assert browser.get("/show").text == repr([("message", "Not there.")])


def test_a_component_answering_first_is_left_alone(secret_key: str) -> None:
    class Gate:
        def process_request(self, req: Any, resp: Any) -> None:
            resp.status = falcon.HTTP_403
            resp.complete = True

    result = make(secret_key, {"show": show}, middleware=[Gate()]).get("/show")
    assert result.status_code == 403
    assert "set-cookie" not in result.headers


def test_an_outer_middleware_owns_the_cookie(secret_key: str) -> None:
    app = falcon.App(middleware=[FlashComponent(secret_key)])
    app.add_route("/save", Resource(save_and_redirect))
    app.add_route("/show", Resource(show))
    browser = Browser(FlashMiddleware(app, secret_key, max_age=60))
    redirect = browser.get("/save")
    assert redirect.cookies["flashmw"].max_age == 60
    assert browser.get("/show").text == repr(BOTH)


def test_options_reach_the_cookie_and_bad_ones_are_refused(secret_key: str) -> None:
    browser = make(secret_key, {"save": save}, cookie_name="notes", max_age=60)
    assert browser.get("/save").cookies["notes"].max_age == 60
    with pytest.raises(ValueError, match="max_age"):
        FlashComponent(secret_key, max_age=0)


def test_asgi_example_with_falcons_client(secret_key: str) -> None:
    import urllib.parse

    from test_frameworks import check_scenario

    from examples.asgi import falcon_app

    browser = Browser(falcon_app.make_app(secret_key))

    def get(path: str) -> tuple[int, str]:
        result = browser.get(path)
        return result.status_code, result.text

    def post(path: str, form: dict[str, str]) -> tuple[int, str]:
        result = browser.request(
            "POST",
            path,
            body=urllib.parse.urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        return result.status_code, result.headers.get("Location", "")

    check_scenario("Falcon ASGI", get, post)


def test_the_asgi_driver_around_falcon_asgi_owns_the_cookie(secret_key: str) -> None:
    import asyncio

    import httpx

    from flashmw.asgi import FlashMiddleware as FlashASGIMiddleware

    app = falcon.asgi.App(middleware=[FlashComponent(secret_key)])
    app.add_route("/save", AsyncResource(save_and_redirect))
    app.add_route("/show", AsyncResource(show))
    wrapped = FlashASGIMiddleware(app, secret_key, max_age=60)

    async def visit() -> tuple[list[str], str, str]:
        # httpx, not Falcon's client: Falcon's ASGI simulation refuses the
        # driver's header names, which are not lower case.
        transport = httpx.ASGITransport(app=wrapped)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1"
        ) as client:
            saved = await client.get("/save")
            shown = await client.get("/show")
            again = await client.get("/show")
        return saved.headers.get_list("set-cookie"), shown.text, again.text

    cookies, shown, again = asyncio.run(visit())
    (cookie,) = cookies
    assert "Max-Age=60" in cookie
    assert shown == repr(BOTH)
    assert again == "[]"
