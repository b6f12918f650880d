"""Every code block of the documentation runs, or says why it does not.

Each fenced block in ``docs/`` is preceded by a MyST comment line that says
what becomes of it:

- ``% run``: this test executes it (Python, with ``FLASHMW_SECRET_KEY`` set);
- ``% run: <check>``: this test executes it, then the check of that name
  below drives what it built with the framework's own test client (an ini
  block is not executed: its check loads it with PasteDeploy);
- ``% tested: tests/<file>.py``: that test module executes it (and names the
  page);
- ``% not run: <reason>``: shell commands, ini files, templates, with why.

Directives (```` ```{toctree} ````, ```` ```{eval-rst} ````) are not code.
"""

from __future__ import annotations

import importlib
import re
import sys
import tempfile
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

import flashmw

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
MARKER = re.compile(
    r"% (?:(?P<run>run)(?:: (?P<check>[a-z-]+))?"
    r"|tested: (?P<tested>tests/\w+\.py)"
    r"|not run: (?P<reason>\S.{9,}))"
)
# WebOb 1.8 (under Pyramid and WebTest) imports the cgi module, deprecated
# since Python 3.11. Not about flashmw.
pytestmark = pytest.mark.filterwarnings("ignore:'cgi' is deprecated:DeprecationWarning")

KEY = "docs-key-6f1e3d5b7a9c2e4f6a8b0c1d3e5f7a9b"


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    language: str
    code: str
    marker: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_of(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = re.match(r"^(`{3,}|~{3,})(\S*)", lines[index])
        if opening is None:
            index += 1
            continue
        fence, language = opening.groups()
        end = index + 1
        while not lines[end].startswith(fence):
            end += 1
        if not language.startswith("{"):  # a directive, not an example
            marker = lines[index - 1] if index else ""
            found.append(
                Block(
                    str(page.relative_to(DOCS)),
                    index + 1,
                    language,
                    "\n".join(lines[index + 1 : end]) + "\n",
                    marker,
                )
            )
        index = end + 1
    return found


BLOCKS = [block for page in PAGES for block in blocks_of(page)]
RUN = [b for b in BLOCKS if (m := MARKER.fullmatch(b.marker)) and m["run"]]


def test_the_docs_have_pages_and_examples() -> None:
    assert len(PAGES) >= 25 and len(RUN) >= 10


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.id)
def test_every_block_runs_or_says_why_not(block: Block) -> None:
    marker = MARKER.fullmatch(block.marker)
    assert marker is not None, (
        f"{block.id}: put '% run', '% run: <check>', '% tested: tests/<file>.py' "
        f"or '% not run: <reason>' on the line before the block, not "
        f"{block.marker!r}"
    )
    if marker["tested"] or (marker["run"] and not marker["check"]):
        assert block.language == "python", block.id
    if marker["run"]:
        assert block.language in ("python", "ini"), block.id
    if marker["tested"]:
        # The module that runs it reads the page.
        tester = (ROOT / marker["tested"]).read_text(encoding="utf-8")
        assert block.page in tester, f"{marker['tested']} does not read {block.page}"


def test_every_check_belongs_to_one_block() -> None:
    named = [MARKER.fullmatch(b.marker)["check"] for b in RUN]  # type: ignore[index]
    used = [name for name in named if name]
    assert sorted(used) == sorted(CHECKS), "a check without a block, or the reverse"
    assert len(used) == len(set(used))


@pytest.mark.parametrize("block", RUN, ids=lambda b: b.id)
def test_the_block_runs(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHMW_SECRET_KEY", KEY)
    # A module of its own, as a user's file would be (Pyramid's Configurator
    # looks its caller up in sys.modules).
    module = types.ModuleType("docs_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    if block.language == "python":
        exec(compile(block.code, f"docs/{block.page}", "exec"), namespace)
    marker = MARKER.fullmatch(block.marker)
    assert marker is not None
    if marker["check"]:
        CHECKS[marker["check"]](namespace, block)


def following(block: Block) -> Block:
    """The block after *block* on its page."""
    page = [b for b in BLOCKS if b.page == block.page]
    return page[page.index(block) + 1]


def post_redirect_get(client: Any, shown: str, *, post: str = "post") -> None:
    """POST /save answers 303 (or 302); then / shows *shown*, then nothing."""
    saved = getattr(client, post)("/save")
    assert saved.status_code in (302, 303)
    assert client.get("/").text == shown
    assert client.get("/").text == "[]"


# --- the checks ---------------------------------------------------------------


def check_wsgi_usage(ns: dict[str, Any], block: Block) -> None:
    post_redirect_get(Client(ns["application"]), "[('success', 'Saved.')]")


def check_jinja_install(ns: dict[str, Any], block: Block) -> None:
    from flashmw.testing import install_flashes

    environ: dict[str, Any] = {}
    install_flashes(environ, [("success", "Saved.")])
    template = ns["jinja_env"].from_string(following(block).code)
    assert '<li class="success">Saved.</li>' in template.render(environ=environ)


def check_flask_app(ns: dict[str, Any], block: Block) -> None:
    client = ns["app"].test_client()
    post_redirect_get(client, "[('success', 'Saved.')]")


def check_django_settings(ns: dict[str, Any], block: Block) -> None:
    module, _, name = ns["MESSAGE_STORAGE"].rpartition(".")
    django_module = importlib.import_module(module)
    assert getattr(django_module, name).__name__ == "FlashStorage"
    assert set(ns["FLASHMW"]) <= django_module.OPTIONS


def check_django_after_read(ns: dict[str, Any], block: Block) -> None:
    from django.conf import settings
    from django.test import Client as DjangoClient
    from django.test import override_settings

    from examples.frameworks import django_app

    # The example's project, as tests/test_django.py sets it up; its key is
    # kept when another test set it up first (settings are process-wide).
    django_app.make_app(settings.SECRET_KEY if settings.configured else KEY)
    with override_settings(
        ROOT_URLCONF=ns["__name__"],
        MIDDLEWARE=["django.contrib.messages.middleware.MessageMiddleware"],
    ):
        client = DjangoClient()
        assert client.get("/").content == b"[]"
        assert client.get("/").content == b"['Later.', 'Later.']"


def check_pyramid_app(ns: dict[str, Any], block: Block) -> None:
    from webtest import TestApp

    app = TestApp(ns["application"])
    assert app.post("/save").status_int == 303
    assert app.get("/").text == "['Saved.']"
    assert app.get("/").text == "[]"


def pyramid_main(global_config: dict[str, str], **settings: Any) -> Any:
    """The application ``use = egg:myapp`` stands for in the ini blocks."""
    from pyramid.config import Configurator
    from pyramid.httpexceptions import HTTPSeeOther
    from pyramid.response import Response

    def save(request: Any) -> Any:
        flashmw.flash(request.environ, "Saved.")
        return HTTPSeeOther("/")

    def index(request: Any) -> Any:
        return Response(repr(flashmw.get_flashed_messages(request.environ)))

    with Configurator(settings=settings) as config:
        config.add_route("save", "/save")
        config.add_view(save, route_name="save")
        config.add_route("index", "/")
        config.add_view(index, route_name="index")
    return config.make_wsgi_app()


def load_ini(block: Block, tmp: Path) -> Any:
    """The ini block as PasteDeploy loads it, with this module's application."""
    from paste.deploy import loadapp

    text = block.code.replace("egg:myapp", f"call:{__name__}:pyramid_main")
    if "[app:myapp]" not in text and "pipeline = flashmw myapp" in text:
        text += f"\n[app:myapp]\nuse = call:{__name__}:pyramid_main\n"
    path = tmp / "docs.ini"
    path.write_text(text, encoding="utf-8")
    return loadapp(f"config:{path}")


def check_pyramid_ini(ns: dict[str, Any], block: Block) -> None:
    from webtest import TestApp

    with tempfile.TemporaryDirectory() as tmp:
        app = TestApp(load_ini(block, Path(tmp)))
    saved = app.post("/save")
    assert saved.status_int == 303
    assert "Max-Age=600" in saved.headers["Set-Cookie"]  # flashmw.max_age
    assert app.get("/").text == "['Saved.']"
    assert app.get("/").text == "[]"


def check_paste_filter(ns: dict[str, Any], block: Block) -> None:
    from webtest import TestApp

    with tempfile.TemporaryDirectory() as tmp:
        app = TestApp(load_ini(block, Path(tmp)))
    assert app.post("/save").status_int == 303
    assert app.get("/").text == "['Saved.']"
    assert app.get("/").text == "[]"


def check_bottle_app(ns: dict[str, Any], block: Block) -> None:
    post_redirect_get(Client(ns["app"]), "[('success', 'Saved.')]")


def check_falcon_app(ns: dict[str, Any], block: Block) -> None:
    post_redirect_get(Client(ns["app"]), "[('success', 'Saved.')]")


def check_consumption(ns: dict[str, Any], block: Block) -> None:
    client = Client(ns["application"])
    assert client.post("/save").status_code == 303
    assert client.get("/bounce").status_code == 302
    assert client.head("/").status_code == 200
    assert client.get("/").text == "['Saved.']"
    assert client.get("/").text == "[]"


def check_partial(ns: dict[str, Any], block: Block) -> None:
    lines = following(block).code.splitlines()
    source = lines[0] + "\n" + lines[-1].split("{#")[0]
    page = ns["env"].from_string(source).render(pairs=[("error", "Bad <input>")])
    assert 'role="alert"' in page and "Bad &lt;input&gt;" in page


def check_rotation(ns: dict[str, Any], block: Block) -> None:
    def cookie_from(app: Any) -> str:
        client = Client(app)
        client.post("/")
        cookie = client.get_cookie("flashmw")
        assert cookie is not None
        return cookie.value

    def shown(app: Any, cookie: str) -> str:
        client = Client(app)
        client.set_cookie("flashmw", cookie)
        return client.get("/").text

    old_cookie, new_cookie = cookie_from(ns["before"]), cookie_from(ns["step2"])
    assert shown(ns["step1"], old_cookie) == shown(ns["step2"], old_cookie)
    assert shown(ns["step2"], old_cookie) == "['Saved.']"
    assert shown(ns["step1"], new_cookie) == shown(ns["step3"], new_cookie)
    assert shown(ns["step3"], new_cookie) == "['Saved.']"
    assert shown(ns["before"], new_cookie) == "[]"


def check_testing(ns: dict[str, Any], block: Block) -> None:
    ns["test_save_flashes"]()
    ns["test_the_view_alone"]()


def check_flask_filter(ns: dict[str, Any], block: Block) -> None:
    assert Client(ns["application"]).post("/").text == "['Disk full.']"


def check_pyramid_queues(ns: dict[str, Any], block: Block) -> None:
    from webtest import TestApp

    app = TestApp(ns["application"])
    assert app.get("/save").status_int == 302
    assert app.get("/").text == "['Saved.', 'Disk almost full.']"
    assert app.get("/").text == "['Later.', 'Disk almost full.']"


def check_starlette_migration(ns: dict[str, Any], block: Block) -> None:
    from starlette.testclient import TestClient

    with TestClient(ns["app"]) as client:
        assert client.post("/save", follow_redirects=False).status_code == 303
        assert client.get("/errors").text == "['Check the form.']"
        assert client.get("/").text == "[('success', 'Saved.')]"
        assert client.get("/").text == "[]"


CHECKS: dict[str, Callable[[dict[str, Any], Block], None]] = {
    "wsgi-usage": check_wsgi_usage,
    "jinja-install": check_jinja_install,
    "flask-app": check_flask_app,
    "django-settings": check_django_settings,
    "django-after-read": check_django_after_read,
    "pyramid-app": check_pyramid_app,
    "pyramid-ini": check_pyramid_ini,
    "paste-filter": check_paste_filter,
    "bottle-app": check_bottle_app,
    "falcon-app": check_falcon_app,
    "consumption": check_consumption,
    "partial": check_partial,
    "rotation": check_rotation,
    "testing": check_testing,
    "flask-filter": check_flask_filter,
    "pyramid-queues": check_pyramid_queues,
    "starlette-migration": check_starlette_migration,
}


def test_ci_builds_the_docs_with_warnings_as_errors() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ".venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html" in ci
    assert any("pip install" in line and "docs]" in line for line in ci)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^docs = \[(.*?)^\]", pyproject, re.M | re.S)
    assert extra is not None
    for name in ("sphinx", "myst-parser", "furo"):
        # Pinned to a minor series: an upper bound on every requirement.
        pins = re.findall(rf'"{name}>=[^"]*<[^"]*"', extra.group(1))
        assert pins, name


# --- the API reference ----------------------------------------------------------

#: Modules whose public names the package ``flashmw`` re-exports, so that the
#: reference documents them once, as ``flashmw.<name>``.
REEXPORTED = {"api", "errors", "flashes", "hooks", "message"}


def test_the_api_reference_covers_every_public_module() -> None:
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. automodule:: flashmw\.(\w+)", api, re.M))
    package = ROOT / "flashmw"
    public = {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    public |= {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    assert public - documented - REEXPORTED == set()
    assert "automodule:: flashmw\n" in api
    for name in REEXPORTED:
        # Each skipped module is there because flashmw re-exports from it.
        module = f"flashmw.{name}"
        assert any(
            getattr(getattr(flashmw, n), "__module__", None) == module
            or n in vars(importlib.import_module(module))
            for n in flashmw.__all__
            if n != "__version__"
        ), module
