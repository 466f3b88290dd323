"""Fixtures of the results tests (the builders are in tests/support/results.py)."""

from __future__ import annotations

import pytest

from tests.support.results import build
from tests.support.web import login


@pytest.fixture
def judged_edition(app, client):
    """Two genres of three judged entries (build()); the organizer is logged in."""
    contest, _org, es = build()
    login(client, "org@example.vn")
    return contest, es
