"""Shared test configuration: keep it small and generic."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

# pytest's own fixture for running pytest on a made-up project, used to test
# flashmw's pytest plugin as a user's project would load it.
pytest_plugins = ["pytester"]

# --- examples/ -------------------------------------------------------------
# The examples are tested as a package next to flashmw. Appended, not
# prepended: an installed flashmw (tox's wheel) still wins over the tree.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


@pytest.fixture
def secret_key() -> str:
    """A fresh random signing key, as an application should have."""
    return secrets.token_hex(32)


@pytest.fixture
def current_event_loop() -> Iterator[None]:
    """A current event loop for the test, closed after it.

    Falcon's ASGI test client runs its coroutines on the policy's current
    loop under Python 3.10, which has none once an ``asyncio.run()`` (any
    earlier test's) has returned in this thread.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


# --- hypothesis profiles ---------------------------------------------------
# Register and load profiles here (e.g. a "ci" profile selected through an
# environment variable), so that every test module shares them.

# Hypothesis profiles (fuzzing/security helper). "ci" is the default and keeps
# every property test bounded so the whole suite stays fast; "fuzz" is for long
# local runs: FLASHMW_HYPOTHESIS_PROFILE=fuzz .venv/bin/pytest tests/test_fuzz.py
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("FLASHMW_HYPOTHESIS_PROFILE", "ci"))
