"""Fixtures of the organize tests: an edition, its organizer logged in (the builders are in
tests/support/organize.py)."""

from __future__ import annotations

import pytest

from tests.support.organize import Edition, make_edition
from tests.support.web import login


@pytest.fixture
def edition(app, client) -> Edition:
    """An OPEN edition (submissions still open); the organizer is logged in."""
    ed = make_edition(closed=False)
    login(client, ed.organizer.email)
    return ed


@pytest.fixture
def closed_edition(app, client) -> Edition:
    """An edition whose submissions closed yesterday; the organizer is logged in."""
    ed = make_edition(closed=True)
    login(client, ed.organizer.email)
    return ed
