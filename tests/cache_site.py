"""examples.cacheable behind a shared cache, for the browser test.

The cache is ``test_security.SharedCache`` (RFC 9111, simplified) in the
same process, in front of the example as shipped (``streamed_reads=False``).
``/_purge`` empties it and ``/_hits`` says how many responses it served
from its store. Served by one gunicorn worker, so that one store serves
every request. The key comes from ``FLASHMW_SECRET_KEY``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from examples import cacheable
from tests.test_security import SharedCache

cache = SharedCache(cacheable.make_app())


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The cache, and its two test-only paths."""
    path = environ.get("PATH_INFO", "")
    if path in ("/_purge", "/_hits"):
        if path == "/_purge":
            cache.store.clear()
        body = str(cache.hits).encode()
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Cache-Control", "no-store")]
        )
        return [body]
    return cache(environ, start_response)
