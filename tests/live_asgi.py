"""A real uvicorn server on 127.0.0.1, for the ASGI live tests.

:class:`Uvicorn` is :class:`live.Gunicorn` with uvicorn's command line: the
same ephemeral port, start deadline, log capture and sure stop (its own
process group, ``SIGTERM`` then ``SIGKILL``). gunicorn with uvicorn workers
needs no helper of its own: it is :class:`live.Gunicorn` with
``worker_class=UVICORN_WORKER``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence

from live import HOST, Gunicorn

#: gunicorn's worker class that runs an ASGI application under uvicorn.
UVICORN_WORKER = "uvicorn_worker.UvicornWorker"


class Uvicorn(Gunicorn):
    """``python -m uvicorn`` serving *app* on an ephemeral 127.0.0.1 port.

    :param app: the application, ``"module:attribute"``.
    :param env: variables added to this process's environment.
    :param workers: worker processes (1: a single process, no supervisor).
    :param args: further command-line options.
    """

    listening = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")

    def __init__(
        self,
        app: str,
        *,
        env: Mapping[str, str],
        workers: int = 1,
        args: Sequence[str] = (),
    ) -> None:
        super().__init__(app, env=env)
        self.command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            HOST,
            # Port 0: the kernel picks a free port; uvicorn logs which.
            "--port",
            "0",
            "--workers",
            str(workers),
            "--timeout-graceful-shutdown",
            "5",
            *args,
            app,
        ]
