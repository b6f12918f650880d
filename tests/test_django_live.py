"""The Django example on real servers: gunicorn (WSGI), uvicorn (ASGI), and a
headless Chromium walking through the admin.

Each server runs ``examples/frameworks/django_app.py`` on an ephemeral
127.0.0.1 port (see ``live.py``); the browser comes from ``chromium.py``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import pytest
from chromium import WAIT, chromium
from live import Client, Gunicorn
from live_asgi import Uvicorn
from test_browser import _submit
from test_frameworks import check_scenario

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = pytest.mark.live

APP = "examples.frameworks.django_app"
ADMIN_PASSWORD = secrets.token_urlsafe(16)


def _env() -> dict[str, str]:
    return {"FLASHMW_SECRET_KEY": secrets.token_hex(32)}


def _scenario(url: str) -> None:
    """The framework examples' scenario, with Django's CSRF token."""
    client = Client()
    token = ""

    def get(path: str) -> tuple[int, str]:
        nonlocal token
        reply = client.get(url + path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reply.text)
        if found:
            token = found.group(1)
        return reply.status, reply.text

    def post(path: str, form: Mapping[str, str]) -> tuple[int, str]:
        reply = client.post(url + path, {**form, "csrfmiddlewaretoken": token})
        if reply.status == 303:
            (field,) = [f for f in reply.set_cookies if f.startswith("flashmw=")]
            # Exactly the core's field: Django adds no attribute of its own.
            assert field.endswith("; Max-Age=3600; HttpOnly; Path=/; SameSite=Lax")
        return reply.status, reply.location if reply.status == 303 else ""

    check_scenario("Django", get, post)


def test_the_example_under_gunicorn() -> None:
    with Gunicorn(f"{APP}:app", env=_env(), workers=2) as server:
        _scenario(server.url)


def test_the_example_under_uvicorn() -> None:
    with Uvicorn(f"{APP}:asgi", env=_env()) as server:
        _scenario(server.url)


@pytest.fixture(scope="module")
def admin_site() -> Iterator[Gunicorn]:
    """The example with a superuser; one worker, since each worker has its
    own database (and so its own password hash, which the session checks)."""
    env = {**_env(), "DJANGO_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with Gunicorn(f"{APP}:app", env=env, workers=1, worker_class="gthread") as s:
        yield s


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    """A headless Chromium with a fresh profile (see chromium.py)."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.mark.browser
def test_the_admins_success_message_is_shown_once(
    browser: Chrome, admin_site: Gunicorn
) -> None:
    from selenium.webdriver.common.by import By

    def shown() -> list[str]:
        return [
            item.text
            for item in browser.find_elements(By.CSS_SELECTOR, "ul.messagelist li")
        ]

    base = admin_site.url
    browser.get(f"{base}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys("admin")
    browser.find_element(By.ID, "id_password").send_keys(ADMIN_PASSWORD)
    _submit(browser)
    assert browser.current_url == f"{base}/admin/"
    assert shown() == []

    browser.get(f"{base}/admin/auth/group/add/")
    browser.find_element(By.ID, "id_name").send_keys("Editors")
    browser.find_element(By.CSS_SELECTOR, "input[name=_save]").click()
    _wait_for(browser, f"{base}/admin/auth/group/")
    assert shown() == ["The group “Editors” was added successfully."]
    item = browser.find_element(By.CSS_SELECTOR, "ul.messagelist li")
    assert item.get_attribute("class") == "success"
    assert browser.get_cookie("messages") is None

    browser.refresh()
    assert shown() == []
    assert "Editors" in browser.page_source


def _wait_for(driver: Chrome, url: str) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: (
            driver.current_url == url
            and driver.execute_script("return document.readyState") == "complete"
        )
    )
