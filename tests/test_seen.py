"""Which responses a person sees: the rule every driver shares."""

from __future__ import annotations

import pytest

from flashmw._seen import NOT_SHOWN_DESTINATIONS, is_prefetch, is_seen


def headers(**values: str) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in values.items()}


def getter(values: dict[str, str]):  # type: ignore[no-untyped-def]
    return values.get


@pytest.mark.parametrize(
    ("method", "code", "seen"),
    [
        ("GET", 200, True),
        ("POST", 201, True),
        ("GET", 299, True),
        ("GET", 404, True),
        ("POST", 422, True),
        ("GET", 400, True),
        ("GET", 499, True),
        ("HEAD", 200, False),
        ("GET", 100, False),
        ("GET", 199, False),
        ("GET", 204, False),
        ("GET", 205, False),
        ("GET", 300, False),
        ("GET", 301, False),
        ("POST", 303, False),
        ("GET", 304, False),
        ("GET", 399, False),
        ("GET", 500, False),
        ("GET", 503, False),
        ("GET", 0, False),
    ],
)
def test_is_seen(method: str, code: int, seen: bool) -> None:
    assert is_seen(method, code, getter({})) is seen


@pytest.mark.parametrize(
    "values",
    [
        {"sec-purpose": "prefetch"},
        {"sec-purpose": "prefetch;prerender"},
        {"sec-purpose": " Prefetch ; prerender;x"},
        {"purpose": "Prefetch"},
        {"x-moz": "prefetch"},
        {"x-purpose": "preview"},
    ],
)
def test_prefetches_and_prerenders_are_not_seen(values: dict[str, str]) -> None:
    assert is_prefetch(getter(values))
    assert not is_seen("GET", 200, getter(values))


def test_other_purposes_are_seen() -> None:
    assert not is_prefetch(getter({"sec-purpose": "", "purpose": "other"}))
    assert is_seen("GET", 200, getter({"purpose": "other"}))


@pytest.mark.parametrize("destination", sorted(NOT_SHOWN_DESTINATIONS))
@pytest.mark.parametrize("code", [200, 404])
def test_subresources_are_never_seen(destination: str, code: int) -> None:
    assert not is_seen("GET", code, getter({"sec-fetch-dest": destination}))


@pytest.mark.parametrize(
    "destination", ["document", "iframe", "frame", "empty", "object", "embed"]
)
def test_pages_and_fetches_are_seen(destination: str) -> None:
    assert is_seen("GET", 200, getter({"sec-fetch-dest": destination}))
    assert is_seen("GET", 404, getter({"sec-fetch-dest": destination.upper()}))


def test_the_listed_destinations_are_what_the_issue_names() -> None:
    # The kinds a browser fetches by itself and never shows as a page.
    for destination in (
        "image",
        "script",
        "style",
        "font",
        "audio",
        "video",
        "track",
        "manifest",
        "worker",
        "sharedworker",
        "serviceworker",
    ):
        assert destination in NOT_SHOWN_DESTINATIONS
    assert headers(sec_fetch_dest="image") == {"sec-fetch-dest": "image"}
