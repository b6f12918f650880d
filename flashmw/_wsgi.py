"""Reading request headers from a WSGI environ, for the integrations that
run inside a WSGI application (Pyramid's tween, Falcon's WSGI component)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class _EnvironNames(dict[str, str]):
    """Header names as the environ spells them ("sec-purpose":
    "HTTP_SEC_PURPOSE"), each made once: the rules ask for the same few on
    every response."""

    def __missing__(self, name: str) -> str:
        key = self[name] = "HTTP_" + name.upper().replace("-", "_")
        return key


_ENVIRON_NAMES = _EnvironNames()


def header_reader(environ: Mapping[str, Any]) -> Callable[[str], str | None]:
    """A reader of *environ*'s request headers by lower-case name, for
    :class:`~flashmw.core.Request`.

    Frameworks' own header views (WebOb's ``request.headers``, Falcon's
    ``get_header``) raise and catch a ``KeyError`` for each header that is
    missing, and the rules ask for several on every response.
    """

    def header(name: str) -> str | None:
        value = environ.get(_ENVIRON_NAMES[name])
        return value if isinstance(value, str) else None

    return header
