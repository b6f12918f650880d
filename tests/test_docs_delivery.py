"""The docs' examples of htmx delivery, the JSON endpoint, hooks, and
per-message expiry and duplicates run, and do what the pages say."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: The pages, in the order of the tests below; each one's first Python block.
PAGES = [
    "recipes/htmx.md",
    "recipes/json.md",
    "recipes/hooks.md",
    "concepts/expiry.md",
]
BLOCKS = [
    re.findall(r"```python\n(.*?)```", (DOCS / page).read_text("utf-8"), re.DOTALL)[0]
    for page in PAGES
]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(
        "FLASHMW_SECRET_KEY", "readme-key-8e2a4c6f1b3d5e7a9c0b2d4f6a8e1c3b"
    )

    def run(index: int) -> dict[str, Any]:
        namespace: dict[str, Any] = {}
        exec(compile(BLOCKS[index], PAGES[index], "exec"), namespace)
        return namespace

    return run


def test_there_are_four_examples() -> None:
    assert len(BLOCKS) == 4


def test_the_htmx_example(run: Any) -> None:
    client = Client(run(0)["application"])
    response = client.post("/", headers={"HX-Request": "true"})
    expected = BLOCKS[0].split("# HX-Trigger: ", 1)[1].splitlines()[0]
    assert response.headers["HX-Trigger"] == expected
    assert "HX-Trigger" not in client.post("/").headers


def test_the_endpoint_example(run: Any) -> None:
    client = Client(run(1)["application"])
    client.post("/")
    page = client.get("/")
    assert page.headers["Cache-Control"] == "public, max-age=60"
    assert "Vary" not in page.headers
    assert json.loads(client.get("/_flashes").data) == [
        {"category": "success", "message": "Saved.", "html": False, "count": 1}
    ]
    assert client.get("/_flashes/flashmw.js").status_code == 200


def test_the_hooks_example(run: Any) -> None:
    namespace = run(2)
    client = Client(namespace["application"])
    client.set_cookie("flashmw", "forged")
    client.get("/")  # never reads: the cookie is not even looked at
    assert namespace["counters"].rejected_cookies == {}
    client.set_cookie("flashmw", "forged")
    flashes_app = namespace["application"]
    flashes_app.app = _reading(flashes_app.app)
    client.get("/")
    assert namespace["counters"].rejected_cookies == {"bad signature": 1}


def _reading(app: Any) -> Any:
    from flashmw import get_flashed_messages

    def reading(environ: dict[str, Any], start_response: Any) -> Any:
        get_flashed_messages(environ)
        return app(environ, start_response)

    return reading


def test_the_expiry_and_duplicates_example(run: Any) -> None:
    client = Client(run(3)["application"])
    client.get("/send")
    assert client.get("/").text == repr(
        [
            ("Code sent; it is valid for 5 minutes.", 1),
            ("Saved.", 2),
            ("Welcome!", 1),
        ]
    )
    assert client.get("/").text == "[]"
