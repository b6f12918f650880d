"""Sphinx configuration of the flashmw documentation.

Build it with ``sphinx-build -W --keep-going -b html docs docs/_build/html``
after ``pip install -e ".[docs]"``: the API reference imports every
integration, so the docs extra installs the frameworks they import.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The package from this checkout, even when the build runs without an install.
sys.path.insert(0, str(ROOT))

import flashmw  # noqa: E402

project = "flashmw"
author = "flashmw contributors"
copyright = "flashmw contributors"
release = flashmw.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

# Markdown pages: headings get anchors for cross-page links ("page.md#anchor").
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# The API reference: members in source order, signatures without the
# annotations (they repeat in the description), the class docstring and the
# constructor's together.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autoclass_content = "both"
autodoc_default_options = {"members": True, "show-inheritance": True}


html_theme = "furo"
html_title = f"flashmw {release}"

# flashmw.django's members include Django's lazy settings object, which
# autodoc inspects; it needs configured settings to answer.
import django.conf  # noqa: E402

if not django.conf.settings.configured:
    django.conf.settings.configure()
