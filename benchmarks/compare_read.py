"""S2 and S3 head to head against an earlier flashmw, on one cookie.

.. code-block:: sh

    git worktree add /tmp/flashmw-before <commit>
    .venv/bin/python -m benchmarks.compare_read --before /tmp/flashmw-before

``benchmarks.compare`` gives each copy a cookie it wrote itself, so its S2
and S3 figures are a difference of two medians. When both copies read the
same cookie format (the earlier copy's, which a later one still reads),
this times them against each other on the very same request instead, as
``compare`` does for the other scenarios: the paired figure is less noisy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .compare import environ_for, load_copy, wrap
from .harness import paired
from .run import US


def main(argv: list[str] | None = None) -> int:
    """Print after − before for S2 and S3, with the interquartile range."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_read")
    parser.add_argument("--before", required=True, type=Path, help="earlier tree")
    parser.add_argument("--rounds", type=int, default=41)
    args = parser.parse_args(argv)

    import flashmw

    before = wrap(load_copy(args.before.resolve(), "flashmw_before"))
    after = wrap(flashmw)
    print("| scenario | after − before, µs (IQR) |")
    print("|---|---:|")
    for scenario in ("S2", "S3"):
        # The earlier copy writes the cookie: the later one must read it too.
        environ = environ_for(before, scenario)
        direct = paired(after, before, environ, args.rounds, 0.005)
        print(
            f"| {scenario} | {direct.diff * US:+.2f} "
            f"({direct.q1 * US:+.2f}..{direct.q3 * US:+.2f}) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
