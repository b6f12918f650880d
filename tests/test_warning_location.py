"""A FlashWarning points at the application's line, never at flashmw's.

These tests are left out of mutation testing (pyproject.toml): mutmut calls
every mutated function through a wrapper of its own, which puts frames
outside flashmw between flashmw's frames.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder

import flashmw
from flashmw import FlashMiddleware, FlashWarning

KEY = "test-key-5f2b7c4e9a1d3f6b8c0e2a4d6f8b0c1e"


def _call(app: Callable[..., Any], cookie: str | None = None) -> list[str]:
    headers = {"Cookie": cookie} if cookie else {}
    environ = EnvironBuilder(headers=headers).get_environ()
    sent: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
        sent.extend(v for k, v in headers if k == "Set-Cookie")
        return lambda data: None

    for _chunk in FlashMiddleware(app, KEY)(environ, start_response):
        pass
    return sent


def _line_of(marker: str) -> int:
    with open(__file__, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            if line.rstrip().endswith(f"# {marker}"):
                return number
    raise AssertionError(marker)


def test_the_overflow_warning_points_at_the_start_response_call() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        for _ in range(3):
            flashmw.flash(environ, secrets.token_hex(1000))
        start_response("302 Found", [("Location", "/")])  # overflow
        return []

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _call(app)
    [warning] = caught
    assert warning.category is FlashWarning
    assert (warning.filename, warning.lineno) == (__file__, _line_of("overflow"))


def _late_reader(read: Callable[[dict[str, Any]], object]) -> list[str]:
    def flashing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        flashmw.flash(environ, "Saved.")
        start_response("302 Found", [("Location", "/")])
        return []

    [cookie] = _call(flashing)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        read(environ)
        return [b""]

    return _call(app, cookie.split(";", 1)[0])


def test_a_late_read_through_the_helper_points_at_the_caller() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _late_reader(lambda env: flashmw.get_flashed_messages(env))  # helper
    [warning] = caught
    assert warning.category is FlashWarning
    assert (warning.filename, warning.lineno) == (__file__, _line_of("helper"))


def test_a_late_read_through_the_flashes_points_at_the_caller() -> None:
    def read(environ: dict[str, Any]) -> object:
        return environ[flashmw.ENVIRON_KEY].get_flashed_messages()  # method

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _late_reader(read)
    [warning] = caught
    assert warning.category is FlashWarning
    assert (warning.filename, warning.lineno) == (__file__, _line_of("method"))
