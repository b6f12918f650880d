"""The ASGI getting-started page stays true: its command and its example
(docs/getting-started/asgi.md)."""

from __future__ import annotations

import re
import secrets
import shlex
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = "getting-started/asgi.md"
# The page after its title.
SECTION = (ROOT / "docs" / PAGE).read_text(encoding="utf-8").split("\n", 1)[1]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SECTION, flags=re.DOTALL)


def command() -> list[str]:
    """The first command of the section, split into its ``&&`` steps."""
    return [step.strip() for step in blocks("sh")[0].strip().split("&&")]


def server_words() -> list[str]:
    """The last step's server command line, after the key's assignment."""
    run = command()[-1]
    key = re.fullmatch(r"FLASHMW_SECRET_KEY=\$\(python3 -c '([^']*)'\) (.*)", run)
    assert key is not None, run
    assert key.group(1) == "import secrets; print(secrets.token_hex(32))"
    return shlex.split(key.group(2))


def test_the_section_opens_with_the_fastapi_command() -> None:
    assert SECTION.lstrip().startswith("Run the FastAPI example")
    venv, install, run = command()
    assert venv == "python3 -m venv .venv"
    assert "127.0.0.1:8000" in SECTION.split("```")[0]
    assert server_words() == [
        ".venv/bin/uvicorn",
        "examples.asgi.fastapi_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
    ]


def test_the_extra_it_installs_holds_what_the_example_imports() -> None:
    _, install, _ = command()
    [extra] = re.findall(r'-e "\.\[([a-z-]+)\]"', install)
    # Not tomllib: it is Python 3.11+, and the suite runs on 3.10.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(rf"^{extra} = \[(.*?)^\]", pyproject, re.M | re.S)
    assert found is not None, extra
    requirements = re.findall(r'^\s*"([^"]+)"', found.group(1), re.M)
    names = {re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower() for r in requirements}
    # uvicorn serves; FastAPI, Jinja2 and python-multipart (the form) are
    # what examples/asgi/fastapi_app.py needs beyond flashmw itself.
    assert {"uvicorn", "fastapi", "jinja2", "python-multipart"} <= names


@pytest.mark.live
def test_the_command_serves_the_example() -> None:
    from live import Client, Shown, shown_messages
    from live_asgi import Uvicorn

    words = server_words()
    app, options = words[1], words[2:]
    # The README's options, on an ephemeral port instead of 8000.
    assert options[:2] == ["--host", "127.0.0.1"]
    key = {"FLASHMW_SECRET_KEY": secrets.token_hex(32), "FLASHMW_FALLBACK_KEYS": ""}
    with Uvicorn(app, env=key) as server:
        client = Client()
        page = client.follow(client.post(f"{server.url}/save", {"item": "tea"}))
        assert shown_messages(page.text) == [Shown("success", "status", "Saved tea.")]


def test_the_starlette_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    monkeypatch.setenv("FLASHMW_SECRET_KEY", secrets.token_hex(32))
    namespace: dict[str, Any] = {}
    exec(compile(blocks("python")[0], PAGE, "exec"), namespace)
    client = TestClient(namespace["app"])
    saved = client.post("/save", follow_redirects=False)
    assert saved.status_code == 303
    assert client.get("/").text == "[('success', 'Saved.')]"
    assert client.get("/").text == "[]"


def test_the_readme_gives_the_same_fastapi_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## ASGI\n", 1)[1].split("\n## ", 1)[0]
    assert section.lstrip().startswith("Run the FastAPI example")
    [readme_command] = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert readme_command.strip() == blocks("sh")[0].strip()
