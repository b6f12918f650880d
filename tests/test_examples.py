"""The plain-WSGI examples and the demo, in process, through werkzeug's Client.

Each seed's documented outputs are asserted here, so an example that drifts
from its tutorial, or from flashmw, fails the suite.
"""

from __future__ import annotations

import ast
import html
import importlib
import io
import re
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment
from live import ROOT, Shown, shown_messages
from markupsafe import Markup
from werkzeug.test import Client, TestResponse

import flashmw
import flashmw.jinja
from examples import demo, forms, seed000, seed001
from examples._support import fallback_keys_from_env, secret_key_from_env
from flashmw import FlashMiddleware

_OUTPUT = re.compile(r'<pre id="(?:output|messages)">(.*?)</pre>', re.S)
_ACCESS = re.compile(r"access at \d+(\.\d+)?")


def output(response: TestResponse) -> Any:
    """The Python value a seed 000 page printed, as the tutorial shows it."""
    assert response.status_code == 200, response.text
    match = _OUTPUT.search(response.text)
    assert match, response.text
    return ast.literal_eval(html.unescape(match.group(1)))


@pytest.fixture(params=["alone", "in the demo"])
def mount(request: pytest.FixtureRequest, secret_key: str) -> Callable[[str], Client]:
    """A client for one example, served alone or at its prefix in the demo."""

    def client_for(name: str) -> Client:
        if request.param == "alone":
            module = {"seed000": seed000, "seed001": seed001, "forms": forms}[name]
            return _Mounted(module.make_app(secret_key), "")
        return _Mounted(demo.make_app(secret_key), f"/{name}")

    return client_for


class _Mounted(Client):
    """A werkzeug Client whose paths are relative to where the example is
    mounted; paths the application made (redirects) already include it."""

    def __init__(self, app: FlashMiddleware, prefix: str) -> None:
        super().__init__(app)
        self.prefix = prefix

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if args and isinstance(args[0], str) and not args[0].startswith(self.prefix):
            args = (self.prefix + args[0], *args[1:])
        return super().open(*args, **kwargs)


# -- seed 000 -----------------------------------------------------------------


def test_seed000_gen_twice_then_show1_lists_both_then_nothing(
    mount: Callable[[str], Client],
) -> None:
    client = mount("seed000")
    first = output_text(client.get("/gen"))
    second = output_text(client.get("/gen"))
    assert _ACCESS.fullmatch(first) and _ACCESS.fullmatch(second)
    assert output(client.get("/show1")) == [first, second]
    assert output(client.get("/show1")) == []
    assert output(client.get("/show2")) == []


def output_text(response: TestResponse) -> str:
    """What ``/gen`` printed: ``access at <time>``."""
    match = _OUTPUT.search(response.text)
    assert response.status_code == 200 and match, response.text
    return html.unescape(match.group(1))


def test_seed000_filtered_show1_consumes_show2_as_flask_does(
    mount: Callable[[str], Client],
) -> None:
    client = mount("seed000")
    info = output_text(client.get("/categories/gen"))
    assert output(client.get("/categories/show1")) == [f"show1 {info}"]
    # Flask's default: the filtered read consumed the show2 message too.
    assert output(client.get("/categories/show2")) == []


def test_seed000_consume_returned_keeps_the_other_category(
    mount: Callable[[str], Client],
) -> None:
    client = mount("seed000")
    info = output_text(client.get("/keep/gen"))
    assert output(client.get("/keep/show1")) == [f"show1 {info}"]
    assert output(client.get("/keep/show2")) == [f"show2 {info}"]
    assert output(client.get("/keep/show2")) == []


def test_seed000_index_does_not_consume(mount: Callable[[str], Client]) -> None:
    client = mount("seed000")
    info = output_text(client.get("/gen"))
    assert client.get("/").status_code == 200
    assert output(client.get("/show2")) == [info]


# -- seed 001 -----------------------------------------------------------------


def test_seed001_post_foo_redirects_and_bar_lists_it_once(
    mount: Callable[[str], Client],
) -> None:
    client = mount("seed001")
    posted = client.post("/foo")
    assert posted.status_code == 303
    assert posted.location.endswith("/bar")
    assert any(v.startswith("flashmw=") for v in posted.headers.getlist("Set-Cookie"))
    bar = client.get(posted.location)
    assert shown_messages(bar.text) == [Shown("success", "status", "This is a message")]
    assert '<ul class="flashes">' in bar.text
    assert output(bar) == [("success", "This is a message")]
    again = client.get(posted.location)
    assert shown_messages(again.text) == []
    assert output(again) == []


def test_seed001_several_messages_keep_their_order(
    mount: Callable[[str], Client],
) -> None:
    client = mount("seed001")
    bar = client.post("/many", follow_redirects=True)
    assert output(bar) == [
        ("success", "first message"),
        ("success", "second message"),
        ("error", "first message"),
        ("error", "another message"),
    ]
    assert [(m.category, m.role, m.text) for m in shown_messages(bar.text)] == [
        ("success", "status", "first message"),
        ("success", "status", "second message"),
        ("error", "alert", "first message"),
        ("error", "alert", "another message"),
    ]


# -- seeds 003 and 004: the forms ---------------------------------------------


def test_login_failure_shows_the_escaped_error_once(
    mount: Callable[[str], Client],
) -> None:
    client = mount("forms")
    name = "<script>alert(1)</script>"
    posted = client.post("/login", data={"username": name, "password": "nope"})
    assert posted.status_code == 303
    assert posted.location.endswith("/login")
    page = client.get(posted.location)
    assert shown_messages(page.text) == [
        Shown("error", "alert", f'Invalid credentials for user "{name}"')
    ]
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert shown_messages(client.get(posted.location).text) == []


def test_login_without_a_name_says_invalid_credentials(
    mount: Callable[[str], Client],
) -> None:
    client = mount("forms")
    page = client.post("/login", data={}, follow_redirects=True)
    assert shown_messages(page.text) == [Shown("error", "alert", "Invalid credentials")]


def test_login_success_redirects_to_the_index_with_the_message(
    mount: Callable[[str], Client],
) -> None:
    client = mount("forms")
    posted = client.post("/login", data={"username": "admin", "password": "secret"})
    assert posted.status_code == 303
    index = client.get(posted.location)
    assert "Welcome!" in index.text
    assert shown_messages(index.text) == [
        Shown("success", "status", "You were successfully logged in")
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({}, "No file part", id="no-file-field"),
        pytest.param({"file": (b"", "")}, "No selected file", id="empty"),
        pytest.param(
            {"file": (b"x", "run.exe")}, "run.exe is not an allowed file", id="type"
        ),
    ],
)
def test_upload_errors(
    mount: Callable[[str], Client],
    files: dict[str, tuple[bytes, str]],
    expected: str,
) -> None:
    client = mount("forms")
    data = {key: (io.BytesIO(body), name) for key, (body, name) in files.items()}
    posted = client.post("/upload", data=data, content_type="multipart/form-data")
    assert posted.status_code == 303
    page = client.get(posted.location)
    assert shown_messages(page.text) == [Shown("error", "alert", expected)]


def test_upload_over_the_limit_is_refused_with_a_message(secret_key: str) -> None:
    # A small limit keeps the test's own request body in memory.
    client = Client(FlashMiddleware(forms.make_site(max_upload=1000), secret_key))
    assert "at most 1000 bytes" in client.get("/upload").text
    posted = client.post("/upload", data={"file": (io.BytesIO(b"x" * 1001), "a.txt")})
    assert posted.status_code == 303
    page = client.get(posted.location)
    assert shown_messages(page.text) == [
        Shown("error", "alert", "The file is larger than 1000 bytes")
    ]


def test_upload_saves_under_a_secure_filename(secret_key: str, tmp_path: Path) -> None:
    client = Client(forms.make_app(secret_key, upload_dir=tmp_path))
    evil = "../../../../home/username/.bashrc.txt"
    page = client.post(
        "/upload",
        data={"file": (io.BytesIO(b"hello"), evil)},
        follow_redirects=True,
    )
    assert shown_messages(page.text) == [
        Shown("success", "status", "Uploaded home_username_.bashrc.txt (5 bytes)")
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["home_username_.bashrc.txt"]


def test_upload_without_a_folder_keeps_nothing(mount: Callable[[str], Client]) -> None:
    client = mount("forms")
    page = client.post(
        "/upload",
        data={"file": (io.BytesIO(b"12345678"), "notes.txt")},
        follow_redirects=True,
    )
    assert shown_messages(page.text) == [
        Shown("success", "status", "Uploaded notes.txt (8 bytes)")
    ]


def test_name_change_flashes_only_when_the_name_changed(
    mount: Callable[[str], Client],
) -> None:
    client = mount("forms")
    page = client.post("/name", data={"name": "Alice"}, follow_redirects=True)
    assert "Hello, Alice!" in page.text
    assert shown_messages(page.text) == []
    page = client.post("/name", data={"name": "Bob"}, follow_redirects=True)
    assert "Hello, Bob!" in page.text
    assert shown_messages(page.text) == [
        Shown("message", "status", "Looks like you have changed your name!")
    ]
    page = client.post("/name", data={"name": "Bob"}, follow_redirects=True)
    assert shown_messages(page.text) == []
    page = client.post("/name", data={"name": " "}, follow_redirects=True)
    assert shown_messages(page.text) == [Shown("error", "alert", "Please enter a name")]


# -- the demo -----------------------------------------------------------------


def test_demo_links_all_resolve(secret_key: str) -> None:
    client = Client(demo.make_app(secret_key))
    index = client.get("/")
    links = set(re.findall(r'href="(/[^"]*)"', index.text))
    assert {"/seed000/", "/seed001/", "/forms/", "/forms/login"} <= links
    for page in sorted(links):
        response = client.get(page)
        assert response.status_code == 200, page
        for link in re.findall(r'href="(/[^"]*)"', response.text):
            assert client.get(link).status_code == 200, (page, link)


def test_demo_messages_cross_from_one_scenario_to_another(secret_key: str) -> None:
    client = Client(demo.make_app(secret_key))
    client.post("/seed001/foo")
    assert shown_messages(client.get("/forms/").text) == [
        Shown("success", "status", "This is a message")
    ]


@pytest.mark.parametrize("module", ["demo", "seed000", "seed001", "forms"])
def test_app_attribute_reads_the_key_from_the_environment(
    module: str, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = importlib.import_module(f"examples.{module}")
    monkeypatch.delenv("FLASHMW_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FLASHMW_SECRET_KEY is not set"):
        example.app  # noqa: B018
    monkeypatch.setenv("FLASHMW_SECRET_KEY", secret_key)
    assert isinstance(example.app, FlashMiddleware)
    with pytest.raises(AttributeError):
        example.nothing  # noqa: B018


def test_the_tutorial_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Seed 003's key: copied into the environment, the demo still refuses it.
    monkeypatch.setenv("FLASHMW_SECRET_KEY", "ahfkkalahp9qnofnovna")
    with pytest.raises(ValueError, match="well-known"):
        demo.app  # noqa: B018


def test_fallback_keys_come_from_the_environment(secret_key: str) -> None:
    assert fallback_keys_from_env({}) == []
    assert fallback_keys_from_env({"FLASHMW_FALLBACK_KEYS": "a, b c"}) == [
        "a",
        "b",
        "c",
    ]
    assert secret_key_from_env({"FLASHMW_SECRET_KEY": f" {secret_key}\n"}) == (
        secret_key
    )


# WebOb 1.8 (under Pyramid) imports the cgi module, deprecated since 3.11.
@pytest.mark.filterwarnings("ignore:'cgi' is deprecated:DeprecationWarning")
def test_the_readme_names_only_runnable_examples() -> None:
    # The README and the documentation pages the examples' tables moved to.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    text = "\n".join(p.read_text("utf-8") for p in pages if "_build" not in p.parts)
    targets = set(re.findall(r"\b(examples(?:\.\w+)+):(\w+)", text))
    assert ("examples.demo", "app") in targets
    assert ("examples.asgi.quart_app", "app") in targets  # from docs/
    for module, attribute in targets:
        assert hasattr(importlib.import_module(module), f"make_{attribute}"), module


def test_gunicorn_config_defaults_to_the_readme_address(
    secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("FLASHMW_BIND", "FLASHMW_WORKERS", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("FLASHMW_SECRET_KEY", secret_key)
    config = runpy.run_path(str(ROOT / "examples" / "gunicorn.conf.py"))
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] >= 2
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["limit_request_field_size"] == 8190
    monkeypatch.delenv("FLASHMW_SECRET_KEY")
    with pytest.raises(SystemExit, match="FLASHMW_SECRET_KEY is not set"):
        runpy.run_path(str(ROOT / "examples" / "gunicorn.conf.py"))


# -- the partial --------------------------------------------------------------


def _templates(source: str, autoescape: bool = True) -> Environment:
    """An environment with ``page.html`` (*source*) and flashmw's partial."""
    return Environment(
        loader=ChoiceLoader(
            [DictLoader({"page.html": source}), flashmw.jinja.loader()]
        ),
        autoescape=autoescape,
    )


def _render(source: str, autoescape: bool, **context: Any) -> str:
    return _templates(source, autoescape).get_template("page.html").render(**context)


_IMPORT = '{% from "flashmw/messages.html" import flashed_messages %}'


@pytest.mark.parametrize("autoescape", [True, False])
def test_partial_escapes_text_and_category_even_without_autoescape(
    autoescape: bool,
) -> None:
    page = _render(
        _IMPORT + "{{ flashed_messages(pairs) }}",
        autoescape,
        pairs=[
            ('error" onclick="x', "<script>alert(1)</script>"),
            ("success", Markup("<b>Saved</b>")),
            ("warning", "Disk almost full"),
            ("info", "a & b"),
        ],
    )
    assert "<script>" not in page
    assert 'class="error&#34; onclick=&#34;x"' in page
    assert "<b>Saved</b>" in page
    assert [(m.category, m.role, m.text) for m in shown_messages(page)] == [
        ('error" onclick="x', "status", "<script>alert(1)</script>"),
        ("success", "status", "Saved"),
        ("warning", "alert", "Disk almost full"),
        ("info", "status", "a & b"),
    ]


def test_partial_renders_nothing_without_messages() -> None:
    assert _render(_IMPORT + "[{{ flashed_messages([]) }}]", True) == "[]"


def test_partial_options_choose_the_alert_categories_and_list_class() -> None:
    page = _render(
        _IMPORT + "{{ flashed_messages(pairs, alert=['oops'], list_class='flashes"
        " box') }}",
        True,
        pairs=[("oops", "a"), ("error", "b")],
    )
    assert '<ul class="flashes box">' in page
    assert [m.role for m in shown_messages(page)] == ["alert", "status"]


def test_partial_reads_the_request_through_the_global(secret_key: str) -> None:
    env = _templates(_IMPORT + "{{ flashed_messages(category_filter='error') }}")
    flashmw.jinja.install(env)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        flashmw.flash(environ, "kept out", "success")
        flashmw.flash(environ, "shown", "error")
        body = env.get_template("page.html").render().encode()
        start_response("200 OK", [("Content-Type", "text/html")])
        return [body]

    response = Client(FlashMiddleware(app, secret_key)).get("/")
    assert shown_messages(response.text) == [Shown("error", "alert", "shown")]


def test_partial_imported_with_context_reads_a_passed_environ() -> None:
    """Outside the application call, the page's ``environ`` reaches the macro
    when it is imported ``with context`` (as the partial's header says)."""
    flashes = flashmw.Flashes()
    flashes.flash("from the environ", "info")
    env = _templates(
        _IMPORT.replace(" %}", " with context %}") + "{{ flashed_messages() }}"
    )
    flashmw.jinja.install(env)
    page = env.get_template("page.html").render(environ={"flashmw.flashes": flashes})
    assert shown_messages(page) == [Shown("info", "status", "from the environ")]
    without = _templates(_IMPORT + "{{ flashed_messages() }}")
    flashmw.jinja.install(without)
    with pytest.raises(flashmw.NotInstalledError):
        without.get_template("page.html").render(environ={"flashmw.flashes": flashes})
