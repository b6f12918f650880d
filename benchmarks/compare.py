"""flashmw against an earlier flashmw, in one run: what a change costs.

.. code-block:: sh

    git worktree add /tmp/flashmw-before <commit>
    .venv/bin/python -m benchmarks.compare --before /tmp/flashmw-before
    .venv/bin/python -m benchmarks.compare --before /tmp/flashmw-before --quick

The earlier package is imported from ``<tree>/flashmw`` under another name
(flashmw imports itself relatively, so both copies live side by side in one
process). Each copy wraps the same plain WSGI application of
``benchmarks.apps``; for each scenario, each copy's overhead over the bare
application is the median of paired batches (``harness.paired``), and the
two copies are also timed against each other directly, which is the figure
that says whether the change made a scenario slower. Each copy's S2 and S3
cookie is one it wrote itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .apps import SECRET_KEY, _bare_wsgi
from .harness import OTHER_COOKIES, base_environ, cookie_of, paired, request
from .run import US

SCENARIOS = ("S0", "S0c", "S1", "S2", "S3", "S4")
_PATHS = {"S0": "/s0", "S0c": "/s0", "S1": "/s1", "S2": "/s2", "S3": "/s0", "S4": "/s4"}


def load_copy(tree: Path, name: str) -> ModuleType:
    """Import the package ``<tree>/flashmw`` as *name*."""
    init = tree / "flashmw" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(init.parent)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"no flashmw package in {tree}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def wrap(package: ModuleType) -> Any:
    """The benchmark application with *package*'s middleware around it."""

    def read(environ: dict[str, Any]) -> Any:
        return package.get_flashed_messages(environ, with_categories=True)

    return package.FlashMiddleware(_bare_wsgi(package.flash, read), SECRET_KEY)


def environ_for(app: Any, scenario: str) -> dict[str, Any]:
    """The request of *scenario*, with a cookie *app* wrote where it needs one."""
    cookie = None
    if scenario == "S0c":
        cookie = OTHER_COOKIES
    elif scenario in ("S2", "S3"):
        cookie = cookie_of(request(app, base_environ("/prime")), "flashmw")
    return base_environ(_PATHS[scenario], cookie)


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table: overhead of each copy, and after − before."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare")
    parser.add_argument("--before", required=True, type=Path, help="earlier tree")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--rounds", type=int, help="rounds of paired batches")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 41)
    target = 0.002 if args.quick else 0.005

    import flashmw

    before = wrap(load_copy(args.before.resolve(), "flashmw_before"))
    after = wrap(flashmw)
    bare = _bare_wsgi(None, None)
    rows = [
        "| scenario | before, µs | after, µs | after − before, µs (IQR) |",
        "|---|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        env_before = environ_for(before, scenario)
        env_after = environ_for(after, scenario)
        was = paired(before, bare, env_before, rounds, target)
        now = paired(after, bare, env_after, rounds, target)
        if scenario in ("S2", "S3"):
            # Each copy needs a cookie it wrote itself: compare the medians.
            delta = (now.diff - was.diff) * US
            spread = "difference of the medians"
        else:
            # Head to head on the very same request: less noise than the
            # difference of two medians.
            direct = paired(after, before, env_after, rounds, target)
            delta = direct.diff * US
            spread = f"{direct.q1 * US:+.2f}..{direct.q3 * US:+.2f}"
        rows.append(
            f"| {scenario} | {was.diff * US:.2f} | {now.diff * US:.2f} "
            f"| {delta:+.2f} ({spread}) |"
        )
        print(f"  {scenario} done", file=sys.stderr)
    print(f"Medians of {rounds} rounds; flashmw {flashmw.__version__}.")
    print("\n".join(rows))
    print("Times are thread CPU time per request (benchmarks/README.md).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
