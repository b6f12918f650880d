"""Templates call get_flashed_messages() as in Flask."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from werkzeug.test import Client

from flashmw import FlashMiddleware, NotInstalledError, flash
from flashmw.jinja import get_flashed_messages, install

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"

TEMPLATES = {
    "list.html": (
        "{% for category, message in get_flashed_messages(with_categories=true) %}"
        '<li class="{{ category }}">{{ message }}</li>'
        "{% endfor %}"
    ),
    "errors.html": (
        "{{ get_flashed_messages(category_filter=['error'])|join(',') }}"
        "/{{ get_flashed_messages()|join(',') }}"
    ),
    "plain.html": "{{ get_flashed_messages()|join(',') }}",
    "errors-only.html": (
        "{{ get_flashed_messages(category_filter='error', consume='returned')"
        "|join(',') }}"
    ),
}


@pytest.fixture
def env() -> Environment:
    return install(Environment(loader=DictLoader(TEMPLATES), autoescape=True))


def rendering_app(env: Environment, template: str) -> Callable[..., list[bytes]]:
    """An app that flashes ?m= messages, or renders *template* without passing
    anything about the request to it."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = environ.get("QUERY_STRING", "")
        if query:
            for part in query.split("&"):
                category, _, message = part.partition("=")
                flash(
                    environ,
                    message.replace("+", " ").replace("%3C", "<").replace("%3E", ">"),
                    category,
                )
            start_response("303 See Other", [("Location", "http://localhost/")])
            return [b""]
        body = env.get_template(template).render()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    return app


def test_install_returns_the_environment_and_replaces_the_global() -> None:
    env = Environment()
    env.globals["get_flashed_messages"] = lambda: ["Flask's own"]
    assert install(env) is env
    assert env.globals["get_flashed_messages"] is get_flashed_messages


def test_a_template_in_a_view_finds_the_request_by_itself(env: Environment) -> None:
    c = Client(FlashMiddleware(rendering_app(env, "list.html"), KEY))
    c.get("/?success=Saved.&error=%3Cscript%3Ealert(1)%3C/script%3E")
    body = c.get("/").text
    assert body == (
        '<li class="success">Saved.</li>'
        '<li class="error">&lt;script&gt;alert(1)&lt;/script&gt;</li>'
    )
    assert c.get("/").text == ""


def test_filtered_and_unfiltered_reads_in_one_template(env: Environment) -> None:
    c = Client(FlashMiddleware(rendering_app(env, "errors.html"), KEY))
    c.get("/?info=a&error=b")
    assert c.get("/").text == "b/a,b"


def test_markup_is_not_escaped_and_text_is(env: Environment) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        flashes = environ["flashmw.flashes"]
        flashes.now(Markup("<b>bold</b>"))
        flashes.now("<i>text</i>")
        body = env.get_template("plain.html").render()
        start_response("200 OK", [("Content-Type", "text/html")])
        return [body.encode()]

    assert (
        Client(FlashMiddleware(app, KEY)).get("/").text
        == "<b>bold</b>,&lt;i&gt;text&lt;/i&gt;"
    )


def test_an_explicit_environ_works_outside_the_application_call(
    env: Environment,
) -> None:
    """A streamed body renders after the middleware returned: pass environ."""

    def app(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        environ["flashmw.flashes"].now("streamed")
        start_response("200 OK", [("Content-Type", "text/html")])
        yield env.get_template("plain.html").render(environ=environ).encode()

    assert Client(FlashMiddleware(app, KEY)).get("/").text == "streamed"


def test_an_environ_without_flashmw_falls_back_to_the_request(env: Environment) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        environ["flashmw.flashes"].now("from the request")
        body = env.get_template("plain.html").render(environ={"PATH_INFO": "/"})
        start_response("200 OK", [("Content-Type", "text/html")])
        return [body.encode()]

    assert Client(FlashMiddleware(app, KEY)).get("/").text == "from the request"


def test_outside_a_request_without_environ_is_a_clear_error(env: Environment) -> None:
    with pytest.raises(
        NotInstalledError, match="rendered outside the application call"
    ):
        env.get_template("plain.html").render()


def test_concurrent_renders_see_their_own_request(env: Environment) -> None:
    middleware = FlashMiddleware(rendering_app(env, "plain.html"), KEY)
    barrier = threading.Barrier(6)

    def user(n: int) -> list[str]:
        c = Client(middleware)
        barrier.wait(timeout=10)
        seen = []
        for round_ in range(10):
            c.get(f"/?message=u{n}r{round_}")
            seen.append(c.get("/").text)
        return seen

    with ThreadPoolExecutor(6) as pool:
        for n, seen in enumerate(pool.map(user, range(6))):
            assert seen == [f"u{n}r{r}" for r in range(10)]


def test_importing_flashmw_does_not_import_jinja2() -> None:
    code = "import sys, flashmw; sys.exit('jinja2' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_template_can_consume_only_what_it_shows(env: Environment) -> None:
    c = Client(FlashMiddleware(rendering_app(env, "errors-only.html"), KEY))
    c.get("/?info=kept&error=shown")
    assert c.get("/").text == "shown"
    c.application.app = rendering_app(env, "plain.html")  # type: ignore[attr-defined]
    assert c.get("/").text == "kept"


def test_importing_without_jinja2_says_how_to_install_it() -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['jinja2'] = None\n"
        "try:\n"
        "    import flashmw.jinja\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc.name, '|', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == (
        "jinja2 | flashmw.jinja needs Jinja2: pip install 'flashmw[jinja]'"
    ), done.stderr
