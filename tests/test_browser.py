"""A real headless Chromium drives the demo served by gunicorn.

It needs Debian's ``chromium`` and ``chromium-driver`` packages (or
``FLASHMW_CHROMIUM`` and ``FLASHMW_CHROMEDRIVER`` pointing at a browser and
its driver) and selenium. Without them the tests skip and say why; with
``FLASHMW_REQUIRE_BROWSER=1`` (set by .ci/run) they fail instead, so CI
always runs them. Selenium is given both paths and ``SE_OFFLINE``, so its
driver manager never downloads anything; the browser's host resolver fails
every name and address but 127.0.0.1, so it cannot reach anywhere else.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from live import Gunicorn

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = [pytest.mark.live, pytest.mark.browser]

#: Seconds to wait for a page to change after a click.
WAIT = 10.0


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("FLASHMW_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FLASHMW_REQUIRE_BROWSER=1, but {reason}", pytrace=False)
    pytest.skip(reason)


def _find(variable: str, *names: str) -> str | None:
    configured = os.environ.get(variable)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return next((found for n in names if (found := shutil.which(n))), None)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    """A headless Chromium under chromedriver, with a fresh profile."""
    binary = _find("FLASHMW_CHROMIUM", "chromium", "chromium-browser")
    driver_path = _find("FLASHMW_CHROMEDRIVER", "chromedriver")
    if binary is None or driver_path is None:
        _unavailable(
            "no Chromium and chromedriver found (apt-get install chromium "
            "chromium-driver, or set FLASHMW_CHROMIUM and FLASHMW_CHROMEDRIVER)"
        )
    try:
        from selenium import webdriver
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        # Running as root (containers, CI) needs these two.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        # Nothing but the page under test: no update checks, no sync, no
        # first-run work, and no name resolution at all.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=driver_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()


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
