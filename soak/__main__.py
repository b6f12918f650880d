"""``python -m soak``: run the soak test; see :mod:`soak.run`."""

from __future__ import annotations

import sys

from soak.run import main

sys.exit(main())
