"""Real gunicorn servers and a browser-like HTTP client, on loopback only.

:class:`Gunicorn` starts ``python -m gunicorn`` with ``examples/gunicorn.conf.py``
on an ephemeral ``127.0.0.1`` port, waits for it under a hard deadline, and
always stops it (``SIGTERM``, then ``SIGKILL`` of its process group). Its
output goes to a file whose text every failure message includes.

:class:`Client` keeps cookies with :mod:`http.cookiejar`, as a browser would
(cookies ignore the port, so one client can alternate between two servers on
the same host), and never follows redirects by itself, so the tests see each
``303``. It refuses any host but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from http.cookiejar import Cookie, CookieJar
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "gunicorn.conf.py"
HOST = "127.0.0.1"
#: Seconds a server may take from spawn to answering its first request.
START_DEADLINE = 20.0
#: Seconds a server may take to stop after SIGTERM before it is killed.
STOP_DEADLINE = 10.0

_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


class ServerError(RuntimeError):
    """A server did not start, or misbehaved; the message holds its log."""


def _check_loopback(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname
    if host != HOST:
        raise ValueError(f"the live tests talk to {HOST} only, not {host!r}")


class Gunicorn:
    """One gunicorn master and its workers serving *app* on 127.0.0.1.

    :param app: the application, ``"module:attribute"``.
    :param env: variables added to this process's environment, such as
        ``FLASHMW_SECRET_KEY``.
    :param worker_class: ``"sync"`` or ``"gthread"``.
    :param workers: worker processes.
    :param threads: threads per worker (gthread only).
    :param args: further command-line options.
    """

    #: What the server logs once it has bound its port (group 1: the port);
    #: a subclass for another server sets its own.
    listening: re.Pattern[str] = _LISTENING

    def __init__(
        self,
        app: str,
        *,
        env: Mapping[str, str],
        worker_class: str = "sync",
        workers: int = 2,
        threads: int = 1,
        args: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(CONFIG),
            # Port 0: the kernel picks a free port at bind time, so parallel
            # runs never collide; gunicorn logs which one it got.
            "--bind",
            f"{HOST}:0",
            "--worker-class",
            worker_class,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--graceful-timeout",
            "5",
            *args,
            app,
        ]
        # Only what the test says: a developer's own FLASHMW_* or
        # FORWARDED_ALLOW_IPS must not change what the server does.
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("FLASHMW_", "FORWARDED_ALLOW_IPS", "GUNICORN_"))
        }
        self.env = {**inherited, **env}
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._final_log = ""

    def start(self) -> None:
        """Spawn the server; :meth:`wait` for it before using :attr:`url`."""
        fd, name = tempfile.mkstemp(prefix="flashmw-gunicorn-", suffix=".log")
        self._log_path = Path(name)
        with os.fdopen(fd, "wb") as log:
            self._process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # Its own process group, so that stop() can reach workers
                # left behind by a master that died.
                start_new_session=True,
            )

    @property
    def log(self) -> str:
        """Everything the server wrote so far (error and access logs)."""
        if self._log_path is None:
            return self._final_log
        try:
            return self._log_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def fail(self, why: str) -> ServerError:
        """An error saying *why*, with the server's command and log."""
        return ServerError(
            f"gunicorn {self.app}: {why}\n"
            f"command: {' '.join(self.command)}\n--- log ---\n{self.log}"
        )

    def wait(self, deadline: float | None = None) -> None:
        """Wait until the server answers ``GET /``, by *deadline*
        (``time.monotonic()``; default: :data:`START_DEADLINE` from now).

        :raises ServerError: it exited, or did not answer in time.
        """
        if deadline is None:
            deadline = time.monotonic() + START_DEADLINE
        process = self._process
        if process is None:
            raise self.fail("not started")
        port = 0
        while not port:
            match = self.listening.search(self.log)
            if match:
                port = int(match.group(1))
            elif process.poll() is not None:
                raise self.fail(f"exited with status {process.returncode}")
            elif time.monotonic() > deadline:
                raise self.fail("did not bind a port in time")
            else:
                time.sleep(0.05)
        self.url = f"http://{HOST}:{port}"
        # The socket is open as soon as the master binds it, but requests
        # wait in its backlog until a worker has imported the application.
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.fail("did not answer GET / in time")
            if process.poll() is not None:
                raise self.fail(f"exited with status {process.returncode}")
            connection = http.client.HTTPConnection(HOST, port, timeout=remaining)
            try:
                connection.request("GET", "/")
                status = connection.getresponse().status
            except OSError:
                time.sleep(0.05)
                continue
            finally:
                connection.close()
            if status >= 500:
                raise self.fail(f"GET / answered {status}")
            return

    def stop(self) -> None:
        """Stop the server and its workers; idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                # The master is still alive, so its pid is still its process
                # group's id: the group start() created for this server alone.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_DEADLINE)
        if self._log_path is not None:
            self._final_log = self.log
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def __enter__(self) -> Gunicorn:
        self.start()
        try:
            self.wait()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def serving(*servers: Gunicorn) -> Iterator[tuple[Gunicorn, ...]]:
    """Start *servers* together, wait for all under one deadline, and stop
    them all on the way out, whatever happens."""
    try:
        for server in servers:
            server.start()
        deadline = time.monotonic() + START_DEADLINE
        for server in servers:
            server.wait(deadline)
        yield servers
    finally:
        for server in servers:
            server.stop()


@dataclass(frozen=True)
class Reply:
    """One HTTP response, read in full."""

    url: str
    status: int
    headers: Message
    text: str

    @property
    def location(self) -> str:
        """The absolute URL a redirect points to."""
        return urllib.parse.urljoin(self.url, str(self.headers["Location"]))

    @property
    def set_cookies(self) -> list[str]:
        """The ``Set-Cookie`` field values, in order."""
        return self.headers.get_all("Set-Cookie") or []


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Client:
    """A cookie-keeping HTTP client for 127.0.0.1 that does not follow
    redirects; :meth:`follow` does, when a test asks."""

    def __init__(self) -> None:
        self.jar = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()
        )

    def request(
        self,
        url: str,
        *,
        method: str = "GET",
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        """Send one request; any status comes back as a :class:`Reply`."""
        _check_loopback(url)
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(
            url, data=data, headers=dict(headers or {}), method=method
        )
        try:
            response = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            # 3xx (not followed), 4xx and 5xx arrive as HTTPError.
            response = error
        with response:
            body = response.read()
            return Reply(url, response.status, response.headers, body.decode())

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Reply:
        """``GET`` *url*."""
        return self.request(url, headers=headers)

    def post(
        self,
        url: str,
        form: Mapping[str, str],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """``POST`` *form*, url-encoded, to *url*."""
        return self.request(url, method="POST", form=form, headers=headers)

    def follow(self, reply: Reply) -> Reply:
        """``GET`` the URL that the redirect *reply* points to."""
        if not 300 <= reply.status < 400:
            raise AssertionError(f"{reply.url} answered {reply.status}, not 3xx")
        return self.get(reply.location)

    def cookie(self, name: str) -> Cookie | None:
        """The stored cookie called *name*, if any."""
        return next((c for c in self.jar if c.name == name), None)


@dataclass(frozen=True)
class Shown:
    """A flash message as ``flashmw/messages.html`` rendered it."""

    category: str
    role: str
    text: str


class _MessagesParser(HTMLParser):
    """Collects ``ul.flashes > li[class] > span[role]`` items."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Shown] = []
        self._in_list = False
        self._category: str | None = None
        self._role: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "ul" and "flashes" in (attributes.get("class") or "").split():
            self._in_list = True
        elif tag == "li" and self._in_list:
            self._category = attributes.get("class") or ""
        elif tag == "span" and self._category is not None:
            self._role = attributes.get("role") or ""
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._role is not None and self._category is not None:
            self.shown.append(Shown(self._category, self._role, "".join(self._text)))
            self._role = None
        elif tag == "li":
            self._category = None
        elif tag == "ul":
            self._in_list = False

    def handle_data(self, data: str) -> None:
        if self._role is not None:
            self._text.append(data)


def shown_messages(html: str) -> list[Shown]:
    """The flash messages a page shows, with entities decoded, in order."""
    parser = _MessagesParser()
    parser.feed(html)
    parser.close()
    return parser.shown
