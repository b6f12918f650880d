"""The flashmw fuzz harness (``harness``) and its runner (``run``); see README."""

from __future__ import annotations
