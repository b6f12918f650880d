"""The README's commands and example stay true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_opens_with_the_demo_and_the_test_command() -> None:
    demo, tests = blocks("sh")[:2]
    assert "gunicorn" in demo and "127.0.0.1:8000" in README.split(demo)[0]
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    command = blocks("sh")[1].strip()
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_usage_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FLASHMW_SECRET_KEY", "readme-key-3c1f9a7e5b2d4c6e8a0b1d3f5e7c9a2b"
    )
    namespace: dict[str, Any] = {}
    exec(compile(blocks("python")[0], "README.md", "exec"), namespace)
    client = Client(namespace["application"])
    assert client.post("/").status_code == 303
    assert client.get("/").text == "[('success', 'Saved.')]"
    assert client.get("/").text == "[]"
