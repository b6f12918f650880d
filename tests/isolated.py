"""Run a snippet in a fresh interpreter, for what can be set up once per
process only (Django's settings: the Django example configures them its own
way)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Minimal Django settings for snippets that need only Django's utilities.
DJANGO_SETUP = """
from django.conf import settings
settings.configure(USE_I18N=True, LANGUAGE_CODE="en", SECRET_KEY="x" * 50)
import django
django.setup()
"""


def run_isolated(script: str) -> None:
    """Run *script* with the project root as working directory; it must print
    ``ok`` as its last line, or the test fails with its error output."""
    # The tests' own helpers import each other as pytest lets them: from the
    # tests folder, put on the path here too.
    path = os.pathsep.join(
        filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1] == "ok", done.stdout[-2000:] + done.stderr[-3000:]
