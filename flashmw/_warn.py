"""Warnings reported at the caller's line, not at a line of flashmw."""

from __future__ import annotations

import os
import sys

# As the code objects spell it (the path it was imported from), with the
# separator so that a sibling "flashmw_extra" does not count.
_PACKAGE = os.path.dirname(__file__) + os.sep


def caller_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that points at the first
    frame outside flashmw, counted from the function that calls this one.

    A warning about how an application used flashmw (messages dropped when
    it called ``start_response``, a read after the headers were sent) is
    only useful at the application's line.
    """
    level = 1
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
