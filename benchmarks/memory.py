"""Memory: peak allocation per request, and growth over many requests.

The peak is measured with :mod:`tracemalloc`: the traced-memory peak during
one request minus the traced memory just before it, the median over many
requests. Growth is measured without tracing (it would slow the loop down
tenfold): ``sys.getallocatedblocks()`` and the resident set size after a full
collection, before and after a long run that cycles through every scenario.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tracemalloc
from dataclasses import dataclass

from .harness import Case, call


def _rss_kib() -> int:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:  # not Linux
        return 0
    import resource

    return pages * resource.getpagesize() // 1024


def peak_per_request(case: Case, which: str = "system", requests: int = 200) -> int:
    """Median bytes allocated at the peak of one request."""
    app = case.app if which == "system" else case.base_app
    for _ in range(20):
        call(app, case.environ)
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(requests):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            call(app, case.environ)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    return int(statistics.median(peaks))


@dataclass
class Growth:
    requests: int
    blocks: list[int]  # allocated blocks after warm-up, half-way, end
    rss_kib: list[int]

    @property
    def grew(self) -> int:
        """Blocks gained in the second half: zero-ish unless something leaks."""
        return self.blocks[2] - self.blocks[1]


def growth(cases: list[Case], requests: int) -> Growth:
    """Cycle through *cases* for *requests* requests; sample memory."""
    apps = [(c.app, c.environ) for c in cases]
    for i in range(2000):
        app, environ = apps[i % len(apps)]
        call(app, environ)
    blocks, rss = [], []
    half = requests // 2
    for stage in range(3):
        gc.collect()
        blocks.append(sys.getallocatedblocks())
        rss.append(_rss_kib())
        if stage == 2:
            break
        for i in range(half):
            app, environ = apps[i % len(apps)]
            call(app, environ)
    return Growth(half * 2, blocks, rss)
