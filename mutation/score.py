"""Mutation testing of flashmw's core, on demand (not in CI: it takes minutes).

    .venv/bin/pip install -e ".[test,mutation]"
    .venv/bin/python mutation/score.py            # run mutmut, then score
    .venv/bin/python mutation/score.py --no-run   # score the last run again

mutmut's settings (which modules, which tests) are in pyproject.toml under
[tool.mutmut]. The score of a module counts killed, timed-out and crashed
mutants out of those not listed in mutation/EQUIVALENT.md; the survivors left
are printed and are real gaps, unless a change to the code renamed a listed
mutant (mutmut numbers the mutants of each function): judge those again and
update the list. A listed mutant that the tests now catch is printed too: its
name has moved to another mutant. It exits with 1 when the score is under
97 % overall or 95 % for a module.

Every process of the run (mutmut, and the test process it forks for each
mutant) may take at most --memory-limit MB of address space (RLIMIT_AS; 3072
by default, about twice what the unmutated suite takes: 1.6 GB at most in
mutmut's processes). A mutant that makes a loop allocate forever, such as a
cookie scan that yields its first match again and again, then makes its
tests fail with MemoryError within seconds (mutmut: killed), or crash
(mutmut: segfault), instead of taking the machine's memory and failing the
tests of the mutants that run beside it. Raise the limit if the clean run
ever fails for want of memory.

Before the run, the tests are collected twice in one process, as mutmut
does (its statistics run, then a run per mutant forked from that process):
if a test's id changes the second time, the run stops. mutmut would not
find that test in its forked runs, and would count every mutant it covers
as killed. (pytest reuses the ids it made for stacked parametrize marks,
escaping them again: keep such ids to characters it leaves alone.)
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTED = re.compile(r"`(flashmw\.[^`]+__mutmut_\d+)`")
UNPINNED = "## Not pinned on purpose"
# mutmut calls "segfault" a test process killed by SIGSEGV or SIGKILL (the
# kernel's, when memory runs out): the tests crashed on the mutant, where they
# pass on the code as it is (mutmut's clean run checks that first), so the
# mutant is detected as surely as a killed one.
CAUGHT = ("killed", "timeout", "segfault")


def listed() -> tuple[set[str], set[str]]:
    """The equivalent mutants, and those left unpinned on purpose."""
    text = (ROOT / "mutation" / "EQUIVALENT.md").read_text(encoding="utf-8")
    equivalent, _, unpinned = text.partition(UNPINNED)
    return set(LISTED.findall(equivalent)), set(LISTED.findall(unpinned))


# Collects the tests twice in one process and prints the ids that changed.
_COLLECT_TWICE = """
import contextlib, io, json, sys
import pytest

class Ids:
    def pytest_collection_finish(self, session):
        self.ids = [item.nodeid for item in session.items]

runs = []
for _ in range(2):
    ids = Ids()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(["--collect-only", "-q", *sys.argv[1:]], plugins=[ids])
    runs.append(ids.ids)
print(json.dumps(sorted(set(runs[0]) - set(runs[1]))))
"""


def unstable_test_ids() -> list[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pytest's own dependency
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as file:
        settings = tomllib.load(file)["tool"]["mutmut"]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _COLLECT_TWICE,
            *settings["pytest_add_cli_args_test_selection"],
            *settings.get("pytest_add_cli_args", []),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    changed: list[str] = json.loads(out.splitlines()[-1])
    return changed


def run(children: int, memory_limit_mb: int) -> float:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # stale copies of tests
    mutmut = Path(sys.executable).with_name("mutmut")
    limit = memory_limit_mb * 1024 * 1024

    def limit_memory() -> None:
        # In the child, before mutmut starts: inherited by every process it
        # forks, each of which may take this much.
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.monotonic()
    subprocess.run(
        [str(mutmut), "run", "--max-children", str(children)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        preexec_fn=limit_memory,
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
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=3072,
        metavar="MB",
        help="address space each process of the run may take",
    )
    parser.add_argument("--fail-under", type=float, default=97.0)
    parser.add_argument("--module-fail-under", type=float, default=95.0)
    args = parser.parse_args()
    if not args.no_run:
        unstable = unstable_test_ids()
        if unstable:
            print("These test ids change when collected again in one process;")
            print("mutmut would count every mutant they cover as killed:")
            print("\n".join(unstable))
            return 2
        took = run(args.max_children, args.memory_limit)
        print(f"mutmut run took {took:.0f} s")
    status = results()
    equivalent, unpinned = listed()
    stale = sorted((equivalent | unpinned) - status.keys())
    moved = sorted(n for n in equivalent | unpinned if status.get(n) in CAUGHT)
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
    if moved:
        print("\nListed but caught by the tests (renamed by a code change?):")
        print("\n".join(moved))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
