"""Runnable examples of flashmw; tests/test_examples.py and friends run them all.

Every example reads its signing key from the ``FLASHMW_SECRET_KEY``
environment variable (and older keys from ``FLASHMW_FALLBACK_KEYS``): the key
is the deployment's secret, never the code's, and flashmw never invents one.
"""

from __future__ import annotations
