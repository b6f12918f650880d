"""The short soak under uvicorn (2 workers) through the ASGI driver, with the
same injected faults and accounting as tests/test_soak.py. The full run is
``python -m soak --server uvicorn``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("uvicorn")

from soak.run import run  # noqa: E402

pytestmark = pytest.mark.soak


def test_a_short_uvicorn_soak_loses_and_duplicates_nothing() -> None:
    report = run(
        requests=2000, duration=50, clients=32, workers=2, seed=7, server="uvicorn"
    )
    assert report.requests >= 2000, report.table
    assert report.flashed > 500, report.table
    assert (report.lost, report.duplicated, report.phantom, report.errors) == (
        0,
        0,
        0,
        0,
    ), report.table + "\n" + "\n".join(report.problems)
    assert report.exactly_once == report.flashed
    assert "uvicorn workers" in report.table


def test_the_uvicorn_soak_accounting_catches_lost_messages() -> None:
    """Self-test: with prefetch headers hidden from flashmw, prefetches
    consume messages and the soak must report them lost."""
    report = run(
        requests=1500,
        duration=40,
        clients=32,
        seed=7,
        sabotage="prefetch",
        server="uvicorn",
    )
    assert report.lost > 0, report.table
    assert not report.ok
