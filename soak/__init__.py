"""A soak test of flashmw under gunicorn with injected faults; see soak.run."""

from __future__ import annotations
