"""Warnings that point at the application's code, not at flashmw's.

A warning is useful where the mistake is: the line of the view that read
flashes too late, or that called ``start_response`` with too many messages.
A fixed ``stacklevel`` cannot find that line, since flashmw reaches the
warning through different numbers of its own frames (a helper in ``api``,
the middleware's ``start_response``), so it is counted when warning.
"""

from __future__ import annotations

import os
import sys
import warnings

# As the code objects of the package's modules name their file: not made
# absolute, in case flashmw was imported through a relative sys.path entry.
_PACKAGE = os.path.dirname(__file__) + os.sep


def warn(message: str, category: type[Warning]) -> None:
    """:func:`warnings.warn` at the first caller outside the flashmw package."""
    level = 2  # the caller of warn()
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
