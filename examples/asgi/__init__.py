"""ASGI examples: Starlette and FastAPI with :mod:`flashmw.asgi`."""

from __future__ import annotations
