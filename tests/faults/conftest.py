"""Fault tests: real services (moto over HTTP, PostgreSQL, the disk) failing mid-request.

The helpers they share (a restartable moto, row snapshots, a ready entry) are in
tests/support/faults.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    # Fault tests want the 500 page a user would get, not the exception re-raised.
    return {"PROPAGATE_EXCEPTIONS": False, "UPLOAD_PART_SIZE": 5 * 1024 * 1024}
