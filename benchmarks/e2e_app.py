"""The WSGI entry point gunicorn serves: ``benchmarks.e2e_app:application``.

The system comes from the ``FLASHMW_BENCH_SYSTEM`` environment variable (set
by :mod:`.e2e` for the server it starts), so every system runs the very
application the in-process timings call.
"""

from __future__ import annotations

import os

from .apps import make_app

application = make_app(os.environ["FLASHMW_BENCH_SYSTEM"])
