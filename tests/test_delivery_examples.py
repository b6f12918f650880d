"""examples/htmx.py and examples/cacheable.py in process, alone and in the
demo, through werkzeug's client."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from examples import cacheable, demo, htmx
from examples.htmx import STATIC

HX = {"HX-Request": "true"}


@pytest.mark.parametrize("where", ["alone", "in the demo"])
def test_the_htmx_example_delivers_in_hx_trigger(where: str, secret_key: str) -> None:
    if where == "alone":
        client, prefix = Client(htmx.make_app(secret_key)), ""
    else:
        client, prefix = Client(demo.make_app(secret_key)), "/htmx"
    page = client.get(f"{prefix}/").text
    assert f'src="{prefix}/static/htmx.min.js"' in page
    assert 'src="/_flashes/flashmw.js"' in page
    # Buffered: the file's body is read and closed at once.
    script = client.get(f"{prefix}/static/htmx.min.js", buffered=True)
    assert script.status_code == 200 and script.data.startswith(b"/*! htmx 2.0.11")
    assert client.get("/_flashes/flashmw.js").status_code == 200
    response = client.post(f"{prefix}/save", data={"item": "x"}, headers=HX)
    assert response.text.strip() == '<p class="result">Last saved: x</p>'
    assert json.loads(response.headers["HX-Trigger"]) == {
        "flashmw": [
            {"category": "success", "message": "Saved x.", "html": False, "count": 1}
        ]
    }
    oob = client.post(f"{prefix}/save-oob", data={"item": "y"}, headers=HX)
    assert '<div id="flashes" hx-swap-oob="true">' in oob.text
    assert "Saved y (out of band)." in oob.text and "HX-Trigger" not in oob.headers


def test_the_htmx_example_without_javascript_redirects(secret_key: str) -> None:
    client = Client(htmx.make_app(secret_key))
    response = client.post("/save", data={"item": ""})
    assert response.status_code == 303
    assert "Nothing to save: type a name first." in client.get("/").text


def test_the_vendored_htmx_names_its_version_and_licence() -> None:
    head = (STATIC / "htmx.min.js").read_text("utf-8")[:1200]
    assert "htmx.org@2.0.11" in head and "Zero-Clause BSD" in head


def test_the_cacheable_example_is_public_and_fetches_its_messages(
    secret_key: str,
) -> None:
    client = Client(cacheable.make_app(secret_key))
    client.post("/say", data={"text": "hello"})
    page = client.get("/")
    assert page.headers["Cache-Control"] == "public, max-age=60"
    assert "Vary" not in page.headers
    assert "hello" not in page.text and 'src="/_flashes/flashmw.js"' in page.text
    assert [m["message"] for m in client.get("/_flashes").json] == ["hello"]  # type: ignore[union-attr]
    assert client.get("/_flashes").json == []
