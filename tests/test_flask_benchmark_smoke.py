"""``python -m benchmarks.flask_ext`` still runs and prints a well-formed table.

Only the shape is checked, never a timing (a busy machine decides those);
the run is the quickest the module offers: two short rounds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("S0", "S0c", "S1", "S2", "S3", "S4")

pytest.importorskip("flask")


def test_quick_run_prints_every_scenario() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.flask_ext", "--quick", "--rounds", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # 1 only means a target was missed on this run, which is not judged here.
    assert result.returncode in (0, 1), result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("|")]
    header, separator, body = rows[0], rows[1], rows[2:]
    assert "ratio ext/own" in header
    assert set(separator) <= set("|-: ")
    assert [row.split("|")[1].strip() for row in body] == list(SCENARIOS)
    for row in body:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for cell in cells[2:5]:
            float(cell)
        assert cells[-1] in ("yes", "NO")
