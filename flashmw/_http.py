"""Pure HTTP helpers: find a cookie, merge ``Vary`` and ``Cache-Control``,
read a status line.

No state, no WSGI objects: plain strings and header lists in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

Headers = list[tuple[str, str]]

_BLANK = " \t"
_SEPARATORS = ";,"


def find_cookies(header: str, name: str) -> Iterator[str]:
    """Yield the value of every cookie called *name* in a ``Cookie`` header,
    in the order they appear.

    It follows how browsers and RFC 6265 §5.4 write the header (pairs split
    by ``;``, names compared exactly), and it tolerates what they do not
    write: malformed neighbours, pairs without ``=``, stray spaces, non-ASCII
    bytes, a quoted value (the quotes are removed). A ``,`` also ends a pair:
    servers join repeated ``Cookie`` fields with ``", "`` (gunicorn does, for
    HTTP/1.1 and HTTP/2), and a flash token never holds a comma, so cutting
    a value there never misreads one of ours.

    Browsers send every cookie of the name that matches the request, the one
    with the longer ``Path`` first, then the older: the caller decides which
    is its own.

    It scans for the one name with ``str.find`` instead of parsing every
    cookie: werkzeug's ``parse_cookie`` builds all pairs, which costs tens of
    microseconds on a header with analytics cookies, and
    :class:`http.cookies.SimpleCookie` drops every cookie after a malformed
    one.
    """
    key = name + "="
    start = 0
    while True:
        at = header.find(key, start)
        if at < 0:
            return
        start = at + 1
        # A match counts only where a pair begins: at the start of the header
        # or after ";" or "," and optional blanks, so "xflashmw=" is not one.
        before = at - 1
        while before >= 0 and header[before] in _BLANK:
            before -= 1
        if before < 0 or header[before] in _SEPARATORS:
            begin = at + len(key)
            # Two bounded str.find calls (memchr) rather than a regex, which
            # scans character by character: the "," is looked for only up
            # to the ";", so many pairs never make the scan quadratic.
            end = header.find(";", begin)
            if end < 0:
                end = len(header)
            comma = header.find(",", begin, end)
            if comma >= 0:
                end = comma
            value = header[begin:end].strip(_BLANK)
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            start = end
            yield value


def has_cookie(header: str, name: str) -> bool:
    """Whether a ``Cookie`` header holds a cookie called *name*, as
    :func:`find_cookies` would find it, without reading any value."""
    key = name + "="
    at = header.find(key)
    while at >= 0:
        before = at - 1
        while before >= 0 and header[before] in _BLANK:
            before -= 1
        if before < 0 or header[before] in _SEPARATORS:
            return True
        at = header.find(key, at + 1)
    return False


def find_cookie(header: str, name: str) -> str | None:
    """Return the value of the first cookie called *name* in a ``Cookie``
    header, or ``None``; see :func:`find_cookies`."""
    return next(find_cookies(header, name), None)


def _tokens(value: str) -> list[str]:
    """Lower-cased directive names of a comma-separated header value."""
    return [part.split("=", 1)[0].strip().lower() for part in value.split(",")]


def add_vary_cookie(headers: Headers) -> None:
    """Make *headers* vary on ``Cookie``, in place.

    The first ``Vary`` field gets ``Cookie`` appended to its value; one is
    added only when there is none. Nothing changes when any ``Vary`` field
    already lists ``Cookie`` (in any case) or ``*``, so calling it twice is
    harmless. Fields keep their order (RFC 9110 §12.5.5).
    """
    first = -1
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            tokens = _tokens(value)
            if "cookie" in tokens or "*" in tokens:
                return
            if first < 0:
                first = index
    if first < 0:
        headers.append(("Vary", "Cookie"))
    else:
        name, value = headers[first]
        headers[first] = (name, f"{value}, Cookie" if value.strip() else "Cookie")


# One Cache-Control directive: anything up to a comma, except that a quoted
# string (private="Set-Cookie, X-Id") may hold commas (RFC 9111 §5.2).
_DIRECTIVE = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*"?)+')


def _directives(value: str) -> list[str]:
    return [d.strip() for d in _DIRECTIVE.findall(value) if d.strip()]


def _directive_name(directive: str) -> str:
    """The lower-cased name, with "=" kept for the field-qualified forms of
    ``private`` and ``no-cache``: ``private="Set-Cookie"`` hides one header
    from shared caches but lets them store the page (RFC 9111 §5.2.2.7), so
    it must not count as ``private``."""
    name, equals, _ = directive.partition("=")
    name = name.strip().lower()
    return name + "=" if equals and name in ("private", "no-cache") else name


@lru_cache(maxsize=16)
def _directive_list(directives: str) -> tuple[str, ...]:
    return tuple(_directives(directives))


def add_cache_control(headers: Headers, directives: str) -> None:
    """Merge the comma-separated *directives* into ``Cache-Control``, in place.

    Directives already present are not repeated. When ``private`` or
    ``no-store`` is added, a conflicting ``public`` is removed, since it would
    let a shared cache store what one user was shown. Nothing changes when
    the response is already ``no-store``.
    """
    # The middleware passes the same string on every response: split it once.
    wanted = _directive_list(directives)
    fields = [
        i for i, (name, _) in enumerate(headers) if name.lower() == "cache-control"
    ]
    if not fields:
        headers.append(("Cache-Control", ", ".join(wanted)))
        return
    present = {_directive_name(d) for i in fields for d in _directives(headers[i][1])}
    missing = [d for d in wanted if _directive_name(d) not in present]
    restricts = any(d.lower() in ("private", "no-store") for d in wanted)
    if "no-store" in present or (
        not missing and not (restricts and "public" in present)
    ):
        return
    emptied = []
    for position, index in enumerate(fields):
        name, value = headers[index]
        parts = _directives(value)
        if restricts:
            parts = [p for p in parts if _directive_name(p) != "public"]
        if position == 0:
            parts.extend(missing)
        if not parts:
            # It held only "public": an empty field would be sent as one.
            emptied.append(index)
        headers[index] = (name, ", ".join(parts))
    for index in reversed(emptied):
        del headers[index]


def status_code(status: str) -> int:
    """The numeric code of a WSGI status line, or 0 when it has none."""
    try:
        return int(status[:3])
    except ValueError:
        return 0
