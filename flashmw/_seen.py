"""Which responses show their body to a person, so that reading messages in
them may consume the messages.

One rule for every host: the drivers pass the method, the status code and a
way to read one request header, and get a yes or no. No state, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

#: Reads one request header by its lower-case name; ``None`` when absent.
HeaderGetter = Callable[[str], "str | None"]

# Fetch destinations (the Fetch standard's RequestDestination, sent as
# Sec-Fetch-Dest) whose response a browser never shows as a page: the
# browser asks for them on its own (a favicon, a stylesheet, a worker
# script) and a 404 page rendered with the site's layout there would eat the
# messages unseen. "document", "iframe", "frame", "object", "embed" and
# "empty" (fetch/XHR, as htmx uses) can show a page or a message, so they are
# not here.
NOT_SHOWN_DESTINATIONS = frozenset(
    {
        "audio",
        "audioworklet",
        "font",
        "image",
        "json",
        "manifest",
        "paintworklet",
        "report",
        "script",
        "serviceworker",
        "sharedworker",
        "style",
        "track",
        "video",
        "webidentity",
        "worker",
        "xslt",
    }
)

# Chromium sends "Sec-Purpose: prefetch" (or "prefetch;prerender") and, before
# that, "Purpose: prefetch"; Firefox sends "X-Moz: prefetch" and Safari
# "X-Purpose: preview".
_PURPOSE_HEADERS = ("sec-purpose", "purpose", "x-moz", "x-purpose")
_SPECULATIVE = ("prefetch", "preview")


def is_prefetch(header: HeaderGetter) -> bool:
    """Whether the browser is fetching the page speculatively.

    A prefetched page may never be shown. A prerendered one
    (``Sec-Purpose: prefetch;prerender``) counts as a prefetch too: Chrome
    may activate it later or never, and nothing tells the server which, so
    its messages stay for the next page rather than risk losing them.
    """
    for name in _PURPOSE_HEADERS:
        value = header(name)
        if value and value.split(";", 1)[0].strip(" \t").lower() in _SPECULATIVE:
            return True
    return False


def is_subresource(header: HeaderGetter) -> bool:
    """Whether the browser asked for something it never shows as a page
    (``Sec-Fetch-Dest`` of an image, a script, a style, a font, a worker,
    ...). Requests without ``Sec-Fetch-Dest`` are not."""
    destination = header("sec-fetch-dest")
    return (
        destination is not None
        and destination.strip(" \t").lower() in NOT_SHOWN_DESTINATIONS
    )


def is_seen(method: str, code: int, header: HeaderGetter) -> bool:
    """Whether a response with this method and status shows its body to a
    person, so that messages it read may be consumed.

    Not seen: ``HEAD``; 1xx, 204, 205 and 304 (no body); 3xx (the page the
    redirect leads to still needs the messages); 5xx (an error page replaces
    the page); speculative prefetches and prerenders; sub-resources the
    browser fetches on its own, whatever their status. Every other 2xx and
    every 4xx is seen.
    """
    if method == "HEAD":
        return False
    if 200 <= code < 300:
        if code in (204, 205):
            return False
    elif not 400 <= code < 500:
        return False
    return not (is_subresource(header) or is_prefetch(header))
