"""Real Chromium, real cookies: several cookies of flashmw's name, and the
browser's own favicon request.

Chromium keeps a cookie per name, domain and path and sends every one that
matches, the longer path first, then the older. A stale cookie of an earlier
path or a parent domain's cookie must neither show, hide nor delete the
messages of the site's own cookie; and the favicon request Chromium makes by
itself, answered by a 404 in the site's layout, must not eat them.
"""

from __future__ import annotations

import secrets
import time
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from chromium import WAIT, chromium
from live import Gunicorn

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture(scope="module")
def site() -> Iterator[Gunicorn]:
    """tests/cookie_site.py in one worker process (it counts favicon hits)."""
    env = {
        "FLASHMW_SECRET_KEY": secrets.token_hex(32),
        "FLASHMW_FOREIGN_KEY": secrets.token_hex(32),
    }
    with Gunicorn(
        "tests.cookie_site:app", env=env, worker_class="gthread", workers=1, threads=4
    ) as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    with chromium(
        tmp_path_factory.mktemp("chromium-profile"),
        loopback_names=["*.flashmw.test"],
    ) as driver:
        yield driver


def at(site: Gunicorn, host: str, path: str) -> str:
    """The URL of *path* on *host* (a name under flashmw.test), same port."""
    port = site.url.rsplit(":", 1)[1]
    return f"http://{host}.flashmw.test:{port}{path}"


def shown(browser: Chrome) -> list[str]:
    from selenium.webdriver.common.by import By

    return [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#flashes li")]


def cookies(browser: Chrome) -> list[dict[str, object]]:
    """Every flashmw cookie the browser holds, from the DevTools protocol
    (``document.cookie`` cannot see HttpOnly ones)."""
    found = browser.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return [c for c in found if c["name"] == "flashmw"]


def test_a_stale_cookie_on_a_longer_path_neither_shows_nor_eats_ours(
    browser: Chrome, site: Gunicorn
) -> None:
    browser.get(at(site, "stale", "/old/make?m=stale"))
    browser.get(at(site, "stale", "/flash?m=fresh"))
    paths = sorted(
        str(c["path"]) for c in cookies(browser) if "stale" in str(c["domain"])
    )
    assert paths == ["/", "/old"]
    # Under /old Chromium sends the stale cookie first.
    browser.get(at(site, "stale", "/old/page"))
    assert shown(browser) == ["fresh"]
    browser.get(at(site, "stale", "/old/page"))
    assert shown(browser) == []
    # A new message beside the stale cookie reaches the next page there.
    browser.get(at(site, "stale", "/flash?m=again"))
    browser.get(at(site, "stale", "/old/other"))
    assert shown(browser) == ["again"]


def test_a_parent_domain_cookie_with_another_key_cannot_delete_ours(
    browser: Chrome, site: Gunicorn
) -> None:
    # Another application of the parent domain sets its cookie first.
    browser.get(at(site, "other", "/foreign?m=theirs"))
    domains = {str(c["domain"]) for c in cookies(browser)}
    assert ".flashmw.test" in domains
    browser.get(at(site, "app", "/flash?m=Saved."))
    # The redirect's page reads nothing: Chromium sends both cookies, theirs
    # first (older); ours must survive it.
    assert browser.find_element("id", "quiet")
    browser.get(at(site, "app", "/page"))
    assert shown(browser) == ["Saved."]
    browser.get(at(site, "app", "/page"))
    assert shown(browser) == []
    # Theirs is still there, untouched.
    assert any(str(c["domain"]) == ".flashmw.test" for c in cookies(browser))


def test_the_favicon_404_in_the_site_layout_eats_no_message(
    browser: Chrome, site: Gunicorn
) -> None:
    def hits() -> int:
        with urllib.request.urlopen(f"{site.url}/favicon-hits", timeout=WAIT) as reply:
            return int(reply.read())

    before = hits()
    # Chromium sends Sec-Fetch-Dest to trustworthy origins only (HTTPS,
    # localhost, 127.0.0.1), as a site in production is; this browser has
    # not asked 127.0.0.1 for its favicon yet.
    browser.get(f"{site.url}/flash?m=Saved.&to=bare")
    deadline = time.monotonic() + WAIT
    while hits() == before:
        assert time.monotonic() < deadline, "Chromium never asked for /favicon.ico"
        time.sleep(0.05)
    browser.get(f"{site.url}/page")
    assert shown(browser) == ["Saved."]
