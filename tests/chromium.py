"""A real headless Chromium for the browser tests.

It needs Debian's ``chromium`` and ``chromium-driver`` packages (or
``FLASHMW_CHROMIUM`` and ``FLASHMW_CHROMEDRIVER`` pointing at a browser and
its driver) and selenium. Without them a test skips and says why; with
``FLASHMW_REQUIRE_BROWSER=1`` (set by .ci/run) it fails instead, so CI
always runs them. Selenium is given both paths and ``SE_OFFLINE``, so its
driver manager never downloads anything; the browser's host resolver sends
every name to 127.0.0.1 or nowhere, so it cannot reach anywhere else.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

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


@contextmanager
def chromium(profile: Path, *, loopback_names: Sequence[str] = ()) -> Iterator[Chrome]:
    """A headless Chromium under chromedriver, with a fresh *profile*.

    :param loopback_names: host names (``*`` wildcards allowed) that resolve
        to 127.0.0.1, for tests that need cookies of several hosts and a
        parent domain; every other name resolves to nothing.
    """
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

    rules = [f"MAP {name} 127.0.0.1" for name in loopback_names]
    rules.append("MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        # Running as root (containers, CI) needs these two.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        # Nothing but the page under test: no update checks, no sync, no
        # first-run work, and no name resolution but to loopback.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        f"--host-resolver-rules={', '.join(rules)}",
        f"--user-data-dir={profile}",
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
