"""Mutation testing of flashmw's core, on demand (not in CI: it takes minutes).

    .venv/bin/pip install -e ".[test,mutation]"
    .venv/bin/python mutation/score.py            # run mutmut, then score
    .venv/bin/python mutation/score.py --no-run   # score the last run again

mutmut's settings (which modules, which tests) are in pyproject.toml under
[tool.mutmut]. The score of a module counts killed and timed-out mutants out
of those not listed in mutation/EQUIVALENT.md; the survivors left are printed
and are real gaps, unless a change to the code renamed a listed mutant (mutmut
numbers the mutants of each function): judge those again and update the list.
It exits with 1 when the score is under 97 % overall or 95 % for a module.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTED = re.compile(r"`(flashmw\.[^`]+__mutmut_\d+)`")
UNPINNED = "## Not pinned on purpose"
CAUGHT = ("killed", "timeout")


def listed() -> tuple[set[str], set[str]]:
    """The equivalent mutants, and those left unpinned on purpose."""
    text = (ROOT / "mutation" / "EQUIVALENT.md").read_text(encoding="utf-8")
    equivalent, _, unpinned = text.partition(UNPINNED)
    return set(LISTED.findall(equivalent)), set(LISTED.findall(unpinned))


def run(children: int) -> float:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # stale copies of tests
    mutmut = Path(sys.executable).with_name("mutmut")
    start = time.monotonic()
    subprocess.run(
        [str(mutmut), "run", "--max-children", str(children)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def results() -> dict[str, str]:
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    status = {}
    for line in out.splitlines():
        name, _, state = line.strip().partition(": ")
        if name:
            status[name] = state.strip()
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-run", action="store_true", help="score the last run")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--fail-under", type=float, default=97.0)
    parser.add_argument("--module-fail-under", type=float, default=95.0)
    args = parser.parse_args()
    if not args.no_run:
        print(f"mutmut run took {run(args.max_children):.0f} s")
    status = results()
    equivalent, unpinned = listed()
    stale = sorted((equivalent | unpinned) - status.keys())
    # Per module: mutants, equivalent, unpinned, caught.
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    survivors = []
    for name, state in sorted(status.items()):
        row = rows[name.split(".")[1]]
        row[0] += 1
        if name in equivalent:
            row[1] += 1
        elif name in unpinned:
            row[2] += 1
        elif state in CAUGHT:
            row[3] += 1
        else:
            survivors.append(f"{name}: {state}")
    print(
        f"{'module':<12} {'mutants':>7} {'equiv':>6} {'unpinned':>8} {'killed':>6} "
        f"{'score':>7}"
    )
    totals = [0, 0, 0, 0]
    failed = False
    for module, row in sorted(rows.items()):
        totals = [t + r for t, r in zip(totals, row, strict=True)]
        count, equiv, out, caught = row
        score = 100 * caught / max(count - equiv - out, 1)
        failed |= score < args.module_fail_under
        print(f"{module:<12} {count:>7} {equiv:>6} {out:>8} {caught:>6} {score:>6.1f}%")
    count, equiv, out, caught = totals
    score = 100 * caught / max(count - equiv - out, 1)
    failed |= score < args.fail_under
    print(f"{'all':<12} {count:>7} {equiv:>6} {out:>8} {caught:>6} {score:>6.1f}%")
    strict = 100 * caught / max(count - equiv, 1)
    print(f"(counting the unpinned as survivors: {strict:.1f}%)")
    if survivors:
        print("\nNot killed nor listed in mutation/EQUIVALENT.md (mutmut show NAME):")
        print("\n".join(survivors))
    if stale:
        print("\nListed but no longer generated (renamed by a code change?):")
        print("\n".join(stale))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
