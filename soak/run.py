"""Soak flashmw under gunicorn with injected faults, and count every message.

::

    .venv/bin/python -m soak --requests 50000 --duration 600

It starts gunicorn (gthread, 2 workers, 8 threads each) on an ephemeral
127.0.0.1 port serving :mod:`soak.app`, runs many client threads, each with
its own cookie jar and one request at a time, stops at ``--requests`` or
``--duration`` (whichever comes first), drains every client and prints a
table. gunicorn is always stopped. The exit status is 0 only if no message
was lost, duplicated or shown where it should not be, and no server error
was caused by flashmw.

The accounting rules:

- A message counts as *flashed* only when its client received the response
  headers of the request that flashed it and the application did not raise:
  the cookie is the client's, so a change whose ``Set-Cookie`` never arrived
  (the app raised; the client hung up before reading) did not happen. Such
  messages are *unacknowledged* and must never be seen at all.
- A message is *shown* only by a committed page: a 200 from ``/show`` or
  ``/flashshow`` that read the messages before ``start_response``, whose
  ``SHOWN`` line the client read (also when it hangs up right after that line).
  Every flashed message must be shown exactly once: 0 is *lost*, 2+ is
  *duplicated*.
- Pages that are not committed may list messages without consuming them:
  prefetches, 5xx error pages, redirects in a chain, HEAD (no body), and
  reads inside a streamed body (too late to clear the cookie: at least once,
  with a ``FlashWarning``). Those are counted as *previews* / *streamed
  re-shows*; the messages must still be shown exactly once afterwards.
- A server error caused by flashmw is any 5xx the client did not ask for, any
  traceback in the server log other than the injected ``InjectedFault``, and
  any warning other than the expected streamed-read ``FlashWarning``.
- Each client sends one request at a time: tabs sharing a cookie overwrite
  each other's changes (last writer wins), which SECURITY.md describes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "flashmw"
NEIGHBOURS = 'theme=dark; analytics="a;b"; broken; flashmwx=nope'
PREFETCH_HEADERS = [
    {"Sec-Purpose": "prefetch"},
    {"Sec-Purpose": "prefetch;prerender"},
    {"Purpose": "prefetch"},
    {"X-Moz": "prefetch"},
    {"X-Purpose": "preview"},
]
#: Operations and their weights.
OPERATIONS = {
    "flash_redirect": 22,
    "flash_hops": 10,
    "flash_only": 8,
    "flash_raise": 5,
    "flash_500": 5,
    "flash_disconnect": 3,
    "flashshow": 5,
    "show": 8,
    "show_head": 5,
    "show_prefetch": 5,
    "show_500": 4,
    "show_raise": 4,
    "show_stream": 5,
    "show_slow_hangup": 4,
    "show_disconnect": 3,
    "plain": 4,
}
#: Above this many pending messages a client shows them: the cookie budget
#: is never reached, so no message is dropped for size.
MAX_PENDING = 8


class Budget:
    """The shared request count and deadline."""

    def __init__(self, requests: int, duration: float) -> None:
        self.limit = requests
        self.deadline = time.monotonic() + duration
        self.used = 0
        self._lock = threading.Lock()

    def spent(self) -> bool:
        """Whether no request is left."""
        return self.used >= self.limit or time.monotonic() >= self.deadline

    def take(self, force: bool = False) -> bool:
        """Count one request; ``False`` when the budget is spent."""
        with self._lock:
            if not force and self.spent():
                return False
            self.used += 1
            return True


@dataclass
class Response:
    """What a client read of one response."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Client:
    """One browser: a cookie jar, one request at a time, and its ledger."""

    index: int
    port: int
    budget: Budget
    rng: random.Random
    jar: str | None = None
    seq: int = 0
    pending: list[str] = field(default_factory=list)
    flashed: set[str] = field(default_factory=set)
    unacked: set[str] = field(default_factory=set)
    committed: Counter[str] = field(default_factory=Counter)
    previews: Counter[str] = field(default_factory=Counter)
    streamed: Counter[str] = field(default_factory=Counter)
    stats: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)

    # -- transport ---------------------------------------------------------

    def new_id(self) -> str:
        self.seq += 1
        return f"c{self.index:03d}-{self.seq:06d}"

    def request(
        self,
        method: str,
        path: str,
        extra: dict[str, str] | None = None,
        *,
        hangup: str = "",
        force: bool = False,
    ) -> Response | None:
        """Send one request; ``None`` if the budget is spent or the client
        hung up before reading (``hangup="early"``)."""
        if not self.budget.take(force):
            return None
        self.stats["requests"] += 1
        headers = {"Connection": "close", **(extra or {})}
        cookie = NEIGHBOURS + (f"; {COOKIE}={self.jar}" if self.jar else "")
        headers["Cookie"] = cookie
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, headers=headers)
            if hangup == "early":
                # Hang up before reading anything: whatever the server
                # answered, Set-Cookie included, never reaches this client.
                sock = conn.sock
                if sock is not None:
                    sock.setsockopt(
                        socket.SOL_SOCKET,
                        socket.SO_LINGER,
                        b"\x01\x00\x00\x00\x00\x00\x00\x00",
                    )
                self.stats["disconnect early"] += 1
                return None
            raw = conn.getresponse()
            self._apply_cookies(raw)
            if hangup == "mid":
                body = raw.readline()
                self.stats["disconnect mid-body"] += 1
            else:
                body = raw.read()
            response = Response(raw.status, raw.headers, body)
        except (OSError, http.client.HTTPException) as exc:
            self.stats["transport errors"] += 1
            self.problem(f"transport error on {method} {path}: {exc!r}")
            return None
        finally:
            conn.close()
        self.stats[f"status {response.status}"] += 1
        self.history = [
            *self.history[-7:],
            f"{method} {path} -> {response.status} jar={'set' if self.jar else '-'}",
        ]
        self._check_headers(path, response, sent=self.jar is not None)
        return response

    def _apply_cookies(self, raw: http.client.HTTPResponse) -> None:
        for line in raw.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            if name.strip() != COOKIE:
                self.problem(f"unexpected cookie set: {line[:80]}")
                continue
            value = rest.split(";", 1)[0].strip()
            attributes = [a.strip().lower() for a in rest.split(";")[1:]]
            for needed in ("httponly", "samesite=lax", "path=/"):
                if needed not in attributes:
                    self.stats["header violations"] += 1
                    self.problem(f"cookie without {needed}: {line[:120]}")
            self.jar = None if not value or "max-age=0" in attributes else value

    def _check_headers(self, path: str, response: Response, *, sent: bool) -> None:
        headers = response.headers
        vary = ",".join(headers.get_all("Vary") or []).lower()
        cache = ",".join(headers.get_all("Cache-Control") or []).lower()
        sets = headers.get_all("Set-Cookie") or []
        if path.startswith("/plain"):
            # A page that never touches flashes leaves the cookie alone; it
            # is untouched when no cookie was sent, and varies on the cookie
            # and is private when one was (a streamed read could show it).
            untouched = "cookie" not in vary and "private" not in cache
            private = "cookie" in vary and "private" in cache
            if sets or not (private if sent else untouched):
                self.stats["header violations"] += 1
                self.problem(f"/plain carries wrong flash headers: {dict(headers)}")
            return
        if sets and "cookie" not in vary:
            self.stats["header violations"] += 1
            self.problem(f"Set-Cookie without Vary: Cookie on {path}")
        shown = response.body.startswith(b"SHOWN ") and len(response.body.split()) > 1
        if shown and ("cookie" not in vary or "private" not in cache):
            self.stats["header violations"] += 1
            self.problem(
                f"shown messages without Vary/private on {path}: {dict(headers)}"
            )

    def problem(self, text: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(f"client {self.index}: {text}")

    # -- the ledger ----------------------------------------------------------

    def listed(self, response: Response, prefix: bytes) -> list[str]:
        """The ids a body lists after *prefix*, checked to be ours and known."""
        lines = [line for line in response.body.split(b"\n") if line.startswith(prefix)]
        if not lines:
            return []
        ids = lines[0][len(prefix) :].decode().split()
        mine = f"c{self.index:03d}-"
        for ident in ids:
            if not ident.startswith(mine):
                self.stats["cross-talk"] += 1
                self.problem(f"saw another client's message {ident}")
            elif ident not in self.flashed:
                self.stats["phantom"] += 1
                self.problem(f"saw a message never acknowledged: {ident}")
        return ids

    def commit(self, response: Response | None, expected: list[str]) -> None:
        """Record a committed page: every listed id is shown once more."""
        if response is None:
            return
        if response.status != 200:
            self.unexpected(response, "committed page")
            return
        ids = self.listed(response, b"SHOWN")
        self.committed.update(ids)
        self.stats["committed pages"] += 1
        if ids != expected:
            self.stats["order/set mismatches"] += 1
            self.problem(f"expected {expected}, page showed {ids}; {self.history}")
        self.pending = []

    def preview(self, response: Response | None, status: int, prefix: bytes) -> None:
        """Record a page that may list messages but must not consume them."""
        if response is None:
            return
        if response.status != status:
            self.unexpected(response, f"expected {status}")
            return
        ids = self.listed(response, prefix)
        (self.streamed if prefix == b"STREAMED" else self.previews).update(ids)
        if ids and ids != self.pending:
            self.stats["order/set mismatches"] += 1
            self.problem(f"preview expected {self.pending}, showed {ids}")

    def unexpected(self, response: Response, what: str) -> None:
        if response.status >= 500:
            self.stats["unexpected 5xx"] += 1
        else:
            self.stats["unexpected status"] += 1
        self.problem(f"{what}: got {response.status} {response.body[:100]!r}")

    def acked(self, response: Response | None, ids: list[str]) -> bool:
        """Whether the flashing response reached us; files the ids."""
        if response is None:
            self.unacked.update(ids)
            return False
        self.flashed.update(ids)
        self.pending.extend(ids)
        return True

    # -- operations ------------------------------------------------------------

    def follow(self, response: Response | None) -> None:
        """Follow a redirect chain to the committed /show page at its end."""
        while response is not None and response.status in (302, 303):
            location = response.headers["Location"]
            if location.startswith("/show"):
                self.commit(self.request("GET", location), list(self.pending))
                return
            ident = self.new_id() if self.rng.random() < 0.3 else ""
            path = f"{location}&m={ident}" if ident else location
            response = self.request("GET", path)
            if ident:
                self.acked(response, [ident])
        if response is not None:
            self.unexpected(response, "redirect chain")

    def step(self) -> None:
        """Run one randomly chosen operation."""
        if len(self.pending) > MAX_PENDING:
            operation = "show"
        else:
            operation = self.rng.choices(list(OPERATIONS), list(OPERATIONS.values()))[0]
        self.stats[f"op {operation}"] += 1
        getattr(self, operation)()

    def _flash(self, query: str = "", **kw: Any) -> tuple[Response | None, list[str]]:
        ids = [self.new_id() for _ in range(self.rng.randint(1, 2))]
        response = self.request("POST", f"/flash?m={','.join(ids)}{query}", **kw)
        return response, ids

    def flash_redirect(self) -> None:
        response, ids = self._flash()
        if self.acked(response, ids):
            self.follow(response)

    def flash_hops(self) -> None:
        response, ids = self._flash(f"&hops={self.rng.randint(2, 4)}")
        if self.acked(response, ids):
            self.follow(response)

    def flash_only(self) -> None:
        response, ids = self._flash()
        if (
            self.acked(response, ids)
            and response is not None
            and response.status != 303
        ):
            self.unexpected(response, "flash")

    def flash_raise(self) -> None:
        response, ids = self._flash("&f=raise")
        self.unacked.update(ids)  # the app raised: nothing may be stored
        if response is not None:
            if response.status != 500 or response.headers.get_all("Set-Cookie"):
                self.unexpected(response, "flash then raise")
            self.stats["injected raise"] += 1

    def flash_500(self) -> None:
        response, ids = self._flash("&f=500")
        if self.acked(response, ids) and response is not None:
            if response.status != 500:
                self.unexpected(response, "flash then 500")
            self.stats["injected 500"] += 1

    def flash_disconnect(self) -> None:
        response, ids = self._flash(hangup="early")
        self.acked(response, ids)

    def flashshow(self) -> None:
        ident = self.new_id()
        expected = [*self.pending, ident]
        response = self.request("GET", f"/flashshow?m={ident}")
        if self.acked(response, [ident]):
            self.commit(response, expected)

    def show(self) -> None:
        self.commit(self.request("GET", "/show"), list(self.pending))

    def show_head(self) -> None:
        response = self.request("HEAD", "/show")
        if response is not None and (response.status != 200 or response.body):
            self.unexpected(response, "HEAD")

    def show_prefetch(self) -> None:
        headers = self.rng.choice(PREFETCH_HEADERS)
        self.preview(self.request("GET", "/show", headers), 200, b"SHOWN")

    def show_500(self) -> None:
        response = self.request("GET", "/show?f=500")
        self.preview(response, 500, b"ERROR-PAGE")
        if response is not None:
            self.stats["injected 500"] += 1

    def show_raise(self) -> None:
        response = self.request("GET", "/show?f=raise")
        if response is not None:
            if response.status != 500 or response.headers.get_all("Set-Cookie"):
                self.unexpected(response, "read then raise")
            self.stats["injected raise"] += 1

    def show_stream(self) -> None:
        response = self.request("GET", "/show?f=stream")
        self.preview(response, 200, b"STREAMED")
        if response is not None and response.body.count(b"\n") == 2:
            self.stats["streamed reads"] += 1
            if len(response.body.split(b"\n")[1].split()) > 1:
                self.stats["streamed reads with messages"] += 1

    def show_slow_hangup(self) -> None:
        expected = list(self.pending)
        self.commit(self.request("GET", "/show?f=slow", hangup="mid"), expected)

    def show_disconnect(self) -> None:
        self.request("GET", "/show", hangup="early")

    def plain(self) -> None:
        response = self.request("GET", "/plain")
        if response is not None and response.status != 200:
            self.unexpected(response, "plain")

    def drain(self) -> None:
        """Show whatever is still pending, outside the budget."""
        for _ in range(3):
            response = self.request("GET", "/show", force=True)
            self.commit(response, list(self.pending))
            if response is not None and self.jar is None:
                return
        self.problem("could not drain the cookie")

    def run(self) -> None:
        try:
            while not self.budget.spent():
                self.step()
            self.drain()
        except Exception as exc:  # a bug in the soak itself: report it
            self.stats["client crashes"] += 1
            self.problem(f"client crashed: {exc!r}")


# -- the server --------------------------------------------------------------


class Server:
    """gunicorn on an ephemeral loopback port; a context manager that always
    stops it."""

    def __init__(
        self,
        workers: int,
        threads: int,
        log: Path,
        deadline: float = 30,
        sabotage: str = "",
    ) -> None:
        self.sabotage = sabotage
        self.workers = workers
        self.threads = threads
        self.log = log
        self.deadline = deadline
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> Server:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1024)
        listener.set_inheritable(True)
        self.port = listener.getsockname()[1]
        env = {**os.environ, "SOAK_FLASH_KEY": secrets.token_hex(32)}
        env["SOAK_SABOTAGE"] = self.sabotage
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), env.get("PYTHONPATH")])
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"fd://{listener.fileno()}",
            "--backlog",
            "1024",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
            "soak.app:application",
        ]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()],
            )
        listener.close()
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        limit = time.monotonic() + self.deadline
        while time.monotonic() < limit:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/plain")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {self.deadline} s")

    def __exit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


class UvicornServer(Server):
    """uvicorn serving :mod:`soak.asgi_app` with *workers* processes on an
    ephemeral loopback port (*threads* is unused: one event loop each)."""

    _LISTENING = re.compile(rb"Uvicorn running on http://127\.0\.0\.1:(\d+)")

    def __enter__(self) -> Server:
        env = {**os.environ, "SOAK_FLASH_KEY": secrets.token_hex(32)}
        env["SOAK_SABOTAGE"] = self.sabotage
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), env.get("PYTHONPATH")])
        )
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            # Port 0: the kernel picks a free one; uvicorn logs which.
            "--port",
            "0",
            "--workers",
            str(self.workers),
            "--backlog",
            "1024",
            "--timeout-graceful-shutdown",
            "5",
            # info: the line that gives the port; no access log.
            "--log-level",
            "info",
            "--no-access-log",
            "--lifespan",
            "off",
            "soak.asgi_app:application",
        ]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group: SIGTERM reaches the workers too.
                start_new_session=True,
            )
        try:
            limit = time.monotonic() + self.deadline
            while not self.port:
                found = self._LISTENING.search(self.log.read_bytes())
                if found:
                    self.port = int(found.group(1))
                elif self.proc.poll() is not None or time.monotonic() > limit:
                    raise RuntimeError(f"uvicorn: {self.log.read_text()[-2000:]}")
                else:
                    time.sleep(0.05)
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if self.proc is not None:
            # Workers left behind by a parent that had to be killed: they
            # are in the process group made for this server alone.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


#: The servers a soak can run under, by name.
SERVERS: dict[str, type[Server]] = {"gunicorn": Server, "uvicorn": UvicornServer}


_TRACEBACK = "Traceback (most recent call last):"


def server_errors(log_text: str) -> tuple[Counter[str], list[str]]:
    """Count tracebacks and warnings in the gunicorn log."""
    counts: Counter[str] = Counter()
    examples: list[str] = []
    for block in log_text.split(_TRACEBACK)[1:]:
        lines = [
            line for line in block.splitlines() if line and not line.startswith(" ")
        ]
        last = lines[0] if lines else ""
        if "InjectedFault" in last:
            counts["injected tracebacks"] += 1
        else:
            counts["unexpected tracebacks"] += 1
            examples.append(_TRACEBACK + block[:1500])
    for match in re.finditer(r"^SOAK-WARNING (\S+) (.*)$", log_text, re.MULTILINE):
        counts[f"warning {match.group(1)}"] += 1
        if match.group(1) not in ("streamed-read",):
            examples.append(match.group(0))
    for line in log_text.splitlines():
        if (
            "[CRITICAL]" in line
            or ("[ERROR]" in line and "Error handling request" not in line)
            # uvicorn's format; its line before each traceback is counted
            # with the traceback above.
            or line.startswith("CRITICAL:")
            or (
                line.startswith("ERROR:")
                and "Exception in ASGI application" not in line
            )
        ):
            counts["unexpected server log errors"] += 1
            examples.append(line)
    return counts, examples


# -- running -------------------------------------------------------------------


@dataclass
class Report:
    """The outcome of a soak run."""

    requests: int
    seconds: float
    flashed: int
    exactly_once: int
    lost: int
    duplicated: int
    phantom: int
    errors: int
    table: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Zero lost, duplicated, phantom and errors, and enough traffic."""
        return not (self.lost or self.duplicated or self.phantom or self.errors)


def run(
    requests: int = 50_000,
    duration: float = 600,
    clients: int = 32,
    workers: int = 2,
    threads: int = 8,
    seed: int = 1,
    sabotage: str = "",
    server: str = "gunicorn",
) -> Report:
    """Run one soak and return its report.

    *sabotage* ``"prefetch"`` hides prefetch headers from flashmw, so the
    run must report lost messages: a self-test of the accounting.
    *server* ``"uvicorn"`` runs the ASGI driver (:mod:`soak.asgi_app`)
    under uvicorn instead of the WSGI one under gunicorn.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="flashmw-soak-") as tmp:
        log = Path(tmp) / "server.log"
        with SERVERS[server](workers, threads, log, sabotage=sabotage) as host:
            budget = Budget(requests, duration)
            team = [
                Client(i, host.port, budget, random.Random(seed * 1000 + i))
                for i in range(clients)
            ]
            threads_ = [
                threading.Thread(target=c.run, name=f"client-{c.index}") for c in team
            ]
            for thread in threads_:
                thread.start()
            for thread in threads_:
                thread.join(duration + 120)
        log_text = log.read_text(errors="replace")
    seconds = time.monotonic() - started

    stats: Counter[str] = Counter()
    problems: list[str] = []
    outcome: Counter[str] = Counter()
    for client in team:
        stats.update(client.stats)
        problems.extend(client.problems)
        for ident in client.flashed:
            shown = client.committed[ident]
            outcome[
                "shown exactly once"
                if shown == 1
                else "lost"
                if shown == 0
                else "duplicated"
            ] += 1
            if client.streamed[ident]:
                outcome["of which re-shown after a streamed read"] += 1
            if client.previews[ident]:
                outcome["of which previewed first (prefetch/5xx)"] += 1
        for ident in client.unacked - client.flashed:
            outcome["unacknowledged (app raised / client hung up)"] += 1
            if (
                client.committed[ident]
                or client.previews[ident]
                or client.streamed[ident]
            ):
                outcome["phantom"] += 1
    log_counts, log_examples = server_errors(log_text)
    problems.extend(log_examples[:10])
    phantom = outcome["phantom"] + stats["phantom"] + stats["cross-talk"]
    errors = (
        stats["unexpected 5xx"]
        + stats["unexpected status"]
        + stats["header violations"]
        + stats["client crashes"]
        + log_counts["unexpected tracebacks"]
        + log_counts["unexpected server log errors"]
        + sum(
            v
            for k, v in log_counts.items()
            if k.startswith("warning ") and "streamed" not in k
        )
    )
    flashed = sum(len(c.flashed) for c in team)
    rows: list[tuple[str, object]] = [
        ("requests", stats["requests"]),
        ("wall clock", f"{seconds:.1f} s ({stats['requests'] / seconds:,.0f} req/s)"),
        (
            "clients / workers x threads",
            f"{clients} / {workers} x {threads} gthread"
            if server == "gunicorn"
            else f"{clients} / {workers} uvicorn workers",
        ),
        ("messages flashed (acknowledged)", flashed),
        ("shown exactly once", outcome["shown exactly once"]),
        ("lost", outcome["lost"]),
        ("duplicated", outcome["duplicated"]),
        ("phantom or cross-talk", phantom),
        ("server errors caused by flashmw", errors),
        ("", ""),
        (
            "unacknowledged, never shown",
            outcome["unacknowledged (app raised / client hung up)"],
        ),
        (
            "re-shown after a streamed read",
            outcome["of which re-shown after a streamed read"],
        ),
        (
            "previewed first (prefetch/5xx)",
            outcome["of which previewed first (prefetch/5xx)"],
        ),
        ("committed pages", stats["committed pages"]),
        (
            "injected raise / 500",
            f"{stats['injected raise']} / {stats['injected 500']}",
        ),
        (
            "HEAD / prefetch requests",
            f"{stats['op show_head']} / {stats['op show_prefetch']}",
        ),
        ("redirect chains (2-4 hops)", stats["op flash_hops"]),
        (
            "streamed reads (with messages)",
            f"{stats['streamed reads']} ({stats['streamed reads with messages']})",
        ),
        (
            "hang-ups early / mid-body",
            f"{stats['disconnect early']} / {stats['disconnect mid-body']}",
        ),
        ("FlashWarnings: streamed reads", log_counts["warning streamed-read"]),
        ("FlashWarnings: overflow drops", log_counts["warning overflow"]),
        (
            "tracebacks: injected / other",
            f"{log_counts['injected tracebacks']} / "
            f"{log_counts['unexpected tracebacks']}",
        ),
        ("order/set mismatches", stats["order/set mismatches"]),
        ("transport errors", stats["transport errors"]),
    ]
    width = max(len(name) for name, _ in rows)
    table = "\n".join(
        f"{name:<{width}}  {value}" if name else "" for name, value in rows
    )
    return Report(
        requests=stats["requests"],
        seconds=seconds,
        flashed=flashed,
        exactly_once=outcome["shown exactly once"],
        lost=outcome["lost"],
        duplicated=outcome["duplicated"],
        phantom=phantom,
        errors=errors + stats["order/set mismatches"] + stats["transport errors"],
        table=table,
        problems=problems,
    )


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--requests", type=int, default=50_000, help="stop after this many"
    )
    parser.add_argument(
        "--duration", type=float, default=600, help="or after this many seconds"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default="gunicorn",
        help="uvicorn: the ASGI driver (soak/asgi_app.py)",
    )
    options = parser.parse_args(argv)
    report = run(
        options.requests,
        options.duration,
        options.clients,
        options.workers,
        options.threads,
        options.seed,
        server=options.server,
    )
    print(report.table)
    for problem in report.problems[:30]:
        print("PROBLEM:", problem)
    print("RESULT:", "PASS" if report.ok else "FAIL")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
