"""ASGI examples: Starlette and FastAPI with :mod:`flashmw.asgi`, and
``falcon.asgi`` with :mod:`flashmw.falcon`'s component."""

from __future__ import annotations
