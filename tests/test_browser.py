"""A real headless Chromium drives the demo served by gunicorn.

See ``chromium.py`` for what the browser needs and how it is kept to
loopback.
"""

from __future__ import annotations

import secrets
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
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    """A headless Chromium under chromedriver, with a fresh profile."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def demo() -> Iterator[Gunicorn]:
    """The demo, as the README starts it: gthread workers, two of them."""
    env = {"FLASHMW_SECRET_KEY": secrets.token_hex(32)}
    with Gunicorn(
        "examples.demo:app", env=env, worker_class="gthread", threads=4
    ) as server:
        yield server


def _submit(browser: Chrome) -> None:
    """Click the form's submit button and wait for the next page to load."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    # A mark on the current document: the next page is a new document
    # without it. (Waiting for the button to go stale races with the
    # navigation: chromedriver may then fail with "Node with given id does
    # not belong to the document" instead of reporting a stale element.)
    browser.execute_script("window.flashmwOldPage = true")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # A click, unlike get(), does not wait for the page after POST -> 303
    # -> GET to load; scripts may fail while the documents swap.
    WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script(
            "return window.flashmwOldPage === undefined"
            " && document.readyState === 'complete'"
        )
    )


def _shown(browser: Chrome) -> list[tuple[str, str, str]]:
    """(category, role, text) of each message on the page."""
    from selenium.webdriver.common.by import By

    return [
        (
            item.get_attribute("class") or "",
            span.get_attribute("role") or "",
            span.text,
        )
        for item in browser.find_elements(By.CSS_SELECTOR, "ul.flashes > li")
        for span in item.find_elements(By.CSS_SELECTOR, "[role]")
    ]


def _log_in(browser: Chrome, base: str, username: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/forms/login")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    _submit(browser)


def test_failed_login_shows_the_escaped_error_once(
    browser: Chrome, demo: Gunicorn
) -> None:
    name = "<script>window.flashmwInjected = 1</script>"
    _log_in(browser, demo.url, name, "wrong")
    assert browser.current_url == f"{demo.url}/forms/login"
    assert _shown(browser) == [
        ("error", "alert", f'Invalid credentials for user "{name}"')
    ]
    assert browser.execute_script("return window.flashmwInjected") is None
    browser.refresh()
    assert _shown(browser) == []


def test_successful_login_redirects_and_shows_success(
    browser: Chrome, demo: Gunicorn
) -> None:
    _log_in(browser, demo.url, "admin", "secret")
    assert browser.current_url == f"{demo.url}/forms/"
    assert _shown(browser) == [("success", "status", "You were successfully logged in")]
    browser.refresh()
    assert _shown(browser) == []


def test_upload_without_a_file_shows_its_error(browser: Chrome, demo: Gunicorn) -> None:
    browser.get(f"{demo.url}/forms/upload")
    _submit(browser)
    assert browser.current_url == f"{demo.url}/forms/upload"
    assert _shown(browser) == [("error", "alert", "No selected file")]


def test_upload_of_a_file_reports_its_safe_name(
    browser: Chrome, demo: Gunicorn, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    upload = tmp_path / "report 2024.txt"
    upload.write_bytes(b"x" * 42)
    browser.get(f"{demo.url}/forms/upload")
    browser.find_element(By.ID, "file").send_keys(str(upload))
    _submit(browser)
    assert _shown(browser) == [
        ("success", "status", "Uploaded report_2024.txt (42 bytes)")
    ]
