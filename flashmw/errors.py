"""The exceptions and warnings flashmw raises.

There is one root, :class:`FlashmwError`, so callers can catch everything the
library raises on purpose. Untrusted input (a tampered, expired or oversized
cookie) never raises: it counts as "no messages". Only programming and
configuration mistakes raise.
"""

from __future__ import annotations


class FlashmwError(Exception):
    """Base class of every exception raised by flashmw."""


class NotInstalledError(FlashmwError, LookupError):
    """The environ has no flash object: :class:`~flashmw.FlashMiddleware` does
    not wrap the application that is handling this request.

    It is a :class:`LookupError`, like the ``KeyError`` a missing environ key
    would give, so ``except LookupError`` keeps working.
    """


class HeadersSentError(FlashmwError, RuntimeError):
    """The flash state was changed after the response headers were produced.

    The cookie travels in the headers, so a change made afterwards (typically
    ``flash()`` inside a streamed body) cannot reach the browser. Change the
    flashes before returning or calling ``start_response``.
    """


class FlashOverflowError(FlashmwError, ValueError):
    """A message does not fit in the cookie budget and the overflow policy is
    ``"raise"``.

    :param dropped: how many messages would have had to be dropped.
    """

    def __init__(self, message: str, dropped: int) -> None:
        super().__init__(message)
        #: How many messages would have had to be dropped to fit the budget.
        self.dropped = dropped


class FlashWarning(UserWarning):
    """Flashes were mishandled in a way that can still be served: messages
    were dropped to fit the cookie budget, or they were read after the
    response headers were sent (they will show again on the next request).
    """
