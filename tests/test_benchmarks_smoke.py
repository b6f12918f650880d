"""The benchmark suite still runs and prints a well-formed table.

Only the shape of the report is checked, never a timing: timing targets live
in ``benchmarks/run.py`` and are judged by a person on a quiet machine, not by
a test on a busy one. The suite runs in a subprocess because it configures
Django's global settings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("S0", "S0c", "S1", "S2", "S3", "S4")

pytest.importorskip("flask")
pytest.importorskip("django")


def _table(lines: list[str], header_start: str) -> list[list[str]]:
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_quick_inprocess_run_prints_a_well_formed_table() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--no-e2e",
            "--no-memory",
            "--rounds",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "## flashmw benchmark"

    table = _table(lines, "| Scenario | flashmw µs")
    header, separator, body = table[0], table[1], table[2:]
    assert all(set(cell) <= set("-:") for cell in separator)
    assert [row[0] for row in body] == list(SCENARIOS)
    for row in body:
        assert len(row) == len(header), row
        # Every system was measured, and the overhead is a number.
        for cell in row[1:4]:
            float(cell)
        assert row[-1] in ("yes", "NO")

    floor = _table(lines, "| Primitive")
    assert {f"floor {s}" for s in SCENARIOS} <= {
        row[0].split("**")[1] for row in floor[2:] if row[0].startswith("**")
    }


def test_django_storage_run_prints_a_well_formed_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.django_storage", "--quick", "--rounds", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = _table(result.stdout.splitlines(), "| Scenario | FlashStorage µs")
    header, body = table[0], table[2:]
    assert [row[0] for row in body] == list(SCENARIOS)
    for row in body:
        assert len(row) == len(header), row
        # Each storage was measured: three overheads, and two ratios ("n/a"
        # when two quick rounds put Django's overhead at or below zero; the
        # figures of such a short run may have any sign).
        for cell in row[1:4]:
            float(cell)
        for cell in row[4:6]:
            assert cell == "n/a" or isinstance(float(cell), float), cell
        # The direct pairs: a median and its inter-quartile range.
        for cell in row[6:8]:
            median, spread = cell.split(" [")
            float(median)
            assert spread.endswith("]") and ".." in spread, cell
        assert row[-1] in ("yes", "NO")
