"""``python -m benchmarks.asgi`` still runs and prints a well-formed table.

Only the report's shape is checked, never a timing (see
tests/test_benchmarks_smoke.py): the targets live in benchmarks/asgi.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["S0", "S0c", "S1", "S2", "S3", "S4"]

pytest.importorskip("starlette_flash")


def test_quick_inprocess_run_prints_a_well_formed_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.asgi", "--quick", "--no-e2e"]
        + ["--rounds", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "## flashmw ASGI benchmark"
    start = lines.index(next(x for x in lines if x.startswith("| Scenario | flashmw")))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    header, body = rows[0], rows[2:]
    assert [row[0] for row in body] == SCENARIOS
    for row in body:
        assert len(row) == len(header), row
        float(row[1])  # flashmw's overhead
        float(row[4])  # starlette-flash's, measured in the same run
        assert row[-1] in ("yes", "NO", "–")
    judged = {row[0]: row[-1] for row in body}
    assert all(judged[s] in ("yes", "NO") for s in ("S0", "S1", "S2", "S3"))
    # S3's own floor is measured in the same run, against the same floor.
    (s3_floor,) = [x for x in lines if x.startswith("S3's own floor")]
    microseconds, ratio = s3_floor.rsplit(": ", 1)[1].split(" µs, ")
    float(microseconds)
    float(ratio.removesuffix("× the floor."))
