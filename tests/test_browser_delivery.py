"""Real headless Chromium: messages delivered to htmx after an ``hx-post``,
and a page shared by everyone from a cache whose messages are fetched as
JSON (issue 12, parts 1 and 2).

See ``chromium.py`` for what the browser needs and how it is kept to
loopback.
"""

from __future__ import annotations

import secrets
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from chromium import WAIT, chromium
from live import Gunicorn

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chromium-profiles")


@pytest.fixture(scope="module")
def alice(profiles: Path) -> Iterator[Chrome]:
    with chromium(profiles / "alice") as driver:
        yield driver


def _server(app: str) -> Gunicorn:
    env = {"FLASHMW_SECRET_KEY": secrets.token_hex(32)}
    # One worker: the cache site keeps its store in that process.
    return Gunicorn(app, env=env, worker_class="gthread", workers=1, threads=4)


def _messages(browser: Chrome) -> list[tuple[str, str, str]]:
    """(category, role, text) of each message in #flashes."""
    from selenium.webdriver.common.by import By

    return [
        (
            item.get_attribute("class") or "",
            span.get_attribute("role") or "",
            span.text,
        )
        for item in browser.find_elements(By.CSS_SELECTOR, "#flashes li")
        for span in item.find_elements(By.CSS_SELECTOR, ":scope > [role]")
    ]


def _wait_for(browser: Chrome, count: int) -> list[tuple[str, str, str]]:
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(browser, WAIT).until(lambda b: len(_messages(b)) >= count)
    return _messages(browser)


# -- htmx ------------------------------------------------------------------------


def test_an_hx_post_shows_its_message_without_a_page_load(alice: Chrome) -> None:
    from selenium.webdriver.common.by import By

    with _server("examples.htmx:app") as server:
        alice.get(f"{server.url}/")
        alice.execute_script("window.flashmwSamePage = true")
        alice.find_element(By.ID, "item").send_keys("a <widget>")
        alice.find_element(By.ID, "save").click()
        assert _wait_for(alice, 1) == [("success", "status", "Saved a <widget>.")]
        # htmx swapped the fragment into this same document.
        assert alice.execute_script("return window.flashmwSamePage") is True
        assert alice.find_element(By.CSS_SELECTOR, "#result .result").text == (
            "Last saved: a <widget>"
        )
        alice.find_element(By.ID, "item").clear()
        alice.find_element(By.ID, "save").click()
        assert _wait_for(alice, 2)[1] == (
            "error",
            "alert",
            "Nothing to save: type a name first.",
        )
        # Delivered means consumed: a reload shows none of them.
        alice.refresh()
        assert _messages(alice) == []
        # The other delivery: the fragment carries them, swapped out of band.
        alice.find_element(By.ID, "save-oob").click()
        assert _wait_for(alice, 1) == [
            ("success", "status", "Saved a draft (out of band).")
        ]
        alice.refresh()
        assert _messages(alice) == []


# -- a cached page, messages fetched as JSON -----------------------------------------


def _visit_and_say(
    browser: Chrome, base: str, text: str, *, purge: bool = False
) -> tuple[str, str]:
    """Post *text* from the shared page (emptying the cache first with
    *purge*); return the rendering numbers of that page and of the page the
    redirect lands on, once its messages were fetched."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{base}/")
    before = browser.find_element(By.ID, "render").text
    if purge:
        _get(f"{base}/_purge")
    browser.execute_script("window.flashmwOldPage = true")
    browser.find_element(By.ID, "text").send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, WAIT).until(
        lambda b: b.execute_script(
            "return window.flashmwOldPage === undefined"
            " && document.readyState === 'complete'"
        )
    )
    return before, _rendering_after_fetch(browser)


def _rendering_after_fetch(browser: Chrome) -> str:
    from selenium.webdriver.common.by import By

    browser.set_script_timeout(WAIT)
    browser.execute_async_script("window.flashmw.ready.then(arguments[0])")
    return browser.find_element(By.ID, "render").text


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=WAIT) as response:  # noqa: S310
        return str(response.read().decode())


def test_one_cached_page_two_users_each_sees_only_their_own_message_once(
    alice: Chrome, profiles: Path
) -> None:
    with _server("tests.cache_site:app") as server, chromium(profiles / "bob") as bob:
        base = server.url
        # Alice flashes, and the cache is emptied before she lands on the
        # page: it is rendered for her request, which carries her flash
        # cookie, and stored for everyone.
        before, rendering = _visit_and_say(alice, base, "alice-secret", purge=True)
        assert rendering != before
        assert _messages(alice) == [("success", "status", "alice-secret")]
        hits = int(_get(f"{base}/_hits"))
        # Bob gets that very page from the cache, with his own message only.
        assert _visit_and_say(bob, base, "bob-secret") == (rendering, rendering)
        assert _messages(bob) == [("success", "status", "bob-secret")]
        assert int(_get(f"{base}/_hits")) > hits
        # Once: reloads show the cached page and no message, for both.
        for browser in (alice, bob):
            browser.refresh()
            assert _rendering_after_fetch(browser) == rendering
            assert _messages(browser) == []
