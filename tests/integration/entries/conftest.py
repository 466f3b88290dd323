"""Fixtures of the entries tests: an open edition, a signed-in entrant (form data is in
tests/support/entries.py)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.support.factories import make_contest, make_user
from tests.support.web import login


@pytest.fixture
def contest(app):
    c = make_contest()
    db.session.commit()
    return c


@pytest.fixture
def entrant(app):
    u = make_user(full_name="Nguyễn Thị Hồng", pen_name="Hồng Nhung", year_of_birth=1985)
    db.session.commit()
    return u


@pytest.fixture
def signed_in(client, entrant):
    response = login(client, entrant.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
