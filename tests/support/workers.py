"""Which pytest-xdist worker this process is, so workers never share a database or a key.

Without xdist (or in xdist's controller) the id is "main" and the index 0.
"""

from __future__ import annotations

import os


def worker_id() -> str:
    """"gw0", "gw1", ... under pytest-xdist; "main" otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_index() -> int:
    """0 for gw0 (and without xdist), 1 for gw1, ..."""
    name = worker_id()
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def under_xdist() -> bool:
    return "PYTEST_XDIST_WORKER" in os.environ


def redis_db() -> int:
    """The Redis database number this worker's tests use: 15 without xdist or on gw0, 14 on
    gw1, ... (never 0, the development default)."""
    return 15 - worker_index() % 15
