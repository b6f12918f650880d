"""The demo under real gunicorn processes on 127.0.0.1.

Sync and gthread workers (two of each), Post/Redirect/Get, many clients at
once, two instances sharing a key, a key rotation across instances, the
Secure attribute behind a TLS-terminating proxy, and the header-size limits.
Every server is started with a deadline and always stopped (tests/live.py).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from live import CONFIG, ROOT, Client, Gunicorn, Shown, serving, shown_messages

pytestmark = pytest.mark.live

DEMO = "examples.demo:app"


def _key_env(key: str, *fallbacks: str) -> dict[str, str]:
    return {"FLASHMW_SECRET_KEY": key, "FLASHMW_FALLBACK_KEYS": ",".join(fallbacks)}


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("sync", 1), id="sync"),
        pytest.param(("gthread", 4), id="gthread"),
    ],
)
def server(request: pytest.FixtureRequest) -> Iterator[Gunicorn]:
    """The demo with two workers of one kind."""
    worker_class, threads = request.param
    with Gunicorn(
        DEMO,
        env=_key_env(secrets.token_hex(32)),
        worker_class=worker_class,
        workers=2,
        threads=threads,
    ) as started:
        assert f"Using worker: {worker_class}" in started.log
        yield started


def _login_error(client: Client, base: str, user: str) -> list[Shown]:
    """Fail a login as *user*, follow the 303, return what the page shows."""
    posted = client.post(f"{base}/forms/login", {"username": user, "password": "x"})
    assert posted.status == 303, posted.text
    return shown_messages(client.follow(posted).text)


def test_post_redirect_get_shows_the_message_exactly_once(server: Gunicorn) -> None:
    client = Client()
    posted = client.post(f"{server.url}/seed001/foo", {})
    assert posted.status == 303
    assert posted.location == f"{server.url}/seed001/bar"
    assert any(c.startswith("flashmw=") for c in posted.set_cookies)
    page = client.follow(posted)
    assert page.status == 200
    assert shown_messages(page.text) == [
        Shown("success", "status", "This is a message")
    ]
    assert "private" in page.headers["Cache-Control"]
    refreshed = client.get(page.url)
    assert shown_messages(refreshed.text) == []
    assert client.cookie("flashmw") is None


def test_many_clients_at_once_each_see_only_their_own_message(
    server: Gunicorn,
) -> None:
    def visit(number: int) -> list[list[Shown]]:
        client = Client()
        return [
            _login_error(client, server.url, f"user-{number}-{r}") for r in range(3)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(visit, range(16)))
    for number, rounds in enumerate(seen):
        texts = [[shown.text for shown in page] for page in rounds]
        assert texts == [
            [f'Invalid credentials for user "user-{number}-{r}"'] for r in range(3)
        ]


def test_head_does_not_consume(server: Gunicorn) -> None:
    client = Client()
    client.post(f"{server.url}/seed001/foo", {})
    assert client.request(f"{server.url}/seed001/bar", method="HEAD").status == 200
    assert shown_messages(client.get(f"{server.url}/seed001/bar").text) == [
        Shown("success", "status", "This is a message")
    ]


def test_secure_follows_the_proxy_only_when_gunicorn_trusts_it(
    server: Gunicorn,
) -> None:
    client = Client()
    https = {"X-Forwarded-Proto": "https"}
    # gunicorn trusts X-Forwarded-Proto from 127.0.0.1 (forwarded_allow_ips),
    # sets wsgi.url_scheme to https, and flashmw marks its cookie Secure.
    behind_proxy = client.post(f"{server.url}/seed001/foo", {}, headers=https)
    (cookie,) = [c for c in behind_proxy.set_cookies if c.startswith("flashmw=")]
    assert "; Secure" in cookie
    direct = Client().post(f"{server.url}/seed001/foo", {})
    (cookie,) = [c for c in direct.set_cookies if c.startswith("flashmw=")]
    assert "Secure" not in cookie


def test_an_untrusted_forwarded_proto_does_not_make_it_secure() -> None:
    # The same header from an address gunicorn does not trust is ignored.
    env = {**_key_env(secrets.token_hex(32)), "FORWARDED_ALLOW_IPS": "192.0.2.1"}
    with Gunicorn(DEMO, env=env, workers=1) as untrusting:
        posted = Client().post(
            f"{untrusting.url}/seed001/foo", {}, headers={"X-Forwarded-Proto": "https"}
        )
    (cookie,) = [c for c in posted.set_cookies if c.startswith("flashmw=")]
    assert "Secure" not in cookie


def test_the_cookie_stays_under_the_header_limits(server: Gunicorn) -> None:
    client = Client()
    # Incompressible names, far more than one cookie can hold.
    names = [secrets.token_urlsafe(900) for _ in range(8)]
    for name in names:
        posted = client.post(
            f"{server.url}/forms/login", {"username": name, "password": "x"}
        )
        assert posted.status == 303
        for value in posted.set_cookies:
            assert len(value) <= 4093
    shown = shown_messages(client.get(f"{server.url}/forms/login").text)
    # The oldest were dropped to fit (and logged); the newest is there.
    assert 1 <= len(shown) < len(names)
    assert shown[-1].text == f'Invalid credentials for user "{names[-1]}"'
    assert "did not fit" in server.log
    # gunicorn itself refuses a Cookie field over 8190 bytes: flashmw's
    # budget leaves room for the site's other cookies under that limit.
    too_big = {"Cookie": "other=" + "x" * 8200}
    assert client.get(f"{server.url}/forms/login", headers=too_big).status in (
        400,
        431,
    )


@pytest.fixture(scope="module")
def fleet() -> Iterator[tuple[str, str, Gunicorn, Gunicorn, Gunicorn, Gunicorn]]:
    """Hosts for the sharing and rotation tests, started together.

    ``a`` and ``b`` share the old key. ``new`` signs with a new key and keeps
    the old one as fallback; ``ready`` still signs with the old key but has
    the new one as fallback (the first step of a rotation).
    """
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    hosts = (
        Gunicorn(DEMO, env=_key_env(old), workers=2),
        Gunicorn(DEMO, env=_key_env(old), workers=2),
        Gunicorn(DEMO, env=_key_env(new, old), workers=1),
        Gunicorn(DEMO, env=_key_env(old, new), workers=1),
    )
    with serving(*hosts):
        yield old, new, *hosts


def test_two_instances_sharing_a_key(
    fleet: tuple[str, str, Gunicorn, Gunicorn, Gunicorn, Gunicorn],
) -> None:
    _, _, a, b, _, _ = fleet
    client = Client()
    posted = client.post(f"{a.url}/seed001/foo", {})
    assert posted.status == 303
    assert shown_messages(client.get(f"{b.url}/seed001/bar").text) == [
        Shown("success", "status", "This is a message")
    ]
    assert shown_messages(client.get(f"{a.url}/seed001/bar").text) == []
    client.post(f"{b.url}/seed001/many", {})
    texts = [m.text for m in shown_messages(client.get(f"{a.url}/seed001/bar").text)]
    assert texts == [
        "first message",
        "second message",
        "first message",
        "another message",
    ]
    assert shown_messages(client.get(f"{b.url}/seed001/bar").text) == []


def test_key_rotation_across_hosts(
    fleet: tuple[str, str, Gunicorn, Gunicorn, Gunicorn, Gunicorn],
) -> None:
    _, _, a, _, new, ready = fleet
    expected = [Shown("success", "status", "This is a message")]
    # A cookie signed with the old key is read by a host that has moved to
    # the new key and keeps the old one as fallback...
    client = Client()
    client.post(f"{a.url}/seed001/foo", {})
    assert shown_messages(client.get(f"{new.url}/seed001/bar").text) == expected
    # ...and one signed with the new key by a host that already lists the new
    # key as fallback: why every host gets the new key as fallback first.
    client.post(f"{new.url}/seed001/foo", {})
    assert shown_messages(client.get(f"{ready.url}/seed001/bar").text) == expected
    # A host that was skipped drops it (no error page), logs one line, and
    # deletes the cookie.
    client.post(f"{new.url}/seed001/foo", {})
    page = client.get(f"{a.url}/seed001/bar")
    assert page.status == 200
    assert shown_messages(page.text) == []
    assert client.cookie("flashmw") is None
    assert "ignored the 'flashmw' cookie" in a.log


def _start_demo(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Start the demo as the README does; return once gunicorn has exited."""
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--bind", "127.0.0.1:0"]
        + [DEMO],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_gunicorn_refuses_to_start_without_a_key() -> None:
    env = dict(os.environ)
    env.pop("FLASHMW_SECRET_KEY", None)
    result = _start_demo(env)
    assert result.returncode != 0
    assert "FLASHMW_SECRET_KEY is not set" in result.stderr


def test_gunicorn_refuses_a_weak_key_in_one_line() -> None:
    result = _start_demo({**os.environ, "FLASHMW_SECRET_KEY": "dev"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "FLASHMW_SECRET_KEY is refused: secret_key is 3 bytes long; use at least "
        "16 random bytes, for example secrets.token_hex(32)"
    ]


def test_repeated_cookie_fields_that_gunicorn_joins_with_a_comma(
    server: Gunicorn,
) -> None:
    """A client may send its cookies in several ``Cookie`` fields; gunicorn
    joins them with a comma into one environ value, and the flash cookie
    after that comma is still found."""
    import socket
    from urllib.parse import urlsplit

    client = Client()
    posted = client.post(f"{server.url}/seed001/foo", {})
    value = client.cookie("flashmw")
    assert value is not None
    address = urlsplit(server.url)
    request = (
        "GET /seed001/bar HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\n"
        "Cookie: analytics=1; theme=dark\r\n"
        f"Cookie: flashmw={value.value}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    assert posted.status == 303
    with socket.create_connection((address.hostname, address.port), timeout=10) as s:
        s.sendall(request)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert shown_messages(body.decode()) == [
        Shown("success", "status", "This is a message")
    ]
    # Shown, so consumed: the cookie is deleted.
    assert b"Set-Cookie: flashmw=;" in head


def test_the_test_helpers_read_a_requests_response(server: Gunicorn) -> None:
    """flashmw.testing reads what a real server flashed, from ``requests``."""
    requests = pytest.importorskip("requests")
    from flashmw.testing import FlashReader, assert_flashed

    reader = FlashReader(server.env["FLASHMW_SECRET_KEY"])
    with requests.Session() as session:
        session.trust_env = False  # loopback only: no proxy from the environment
        posted = session.post(f"{server.url}/seed001/foo", allow_redirects=False)
        assert_flashed(posted, [("success", "This is a message")], reader=reader)
        shown = session.get(f"{server.url}/seed001/bar", allow_redirects=False)
        assert reader.stored(shown) == []
