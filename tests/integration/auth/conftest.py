"""Fixtures of the auth tests."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.support.factories import make_user


@pytest.fixture
def user(app):
    """One confirmed account, mai@baohatinh.vn (password: factories.PASSWORD)."""
    user = make_user("mai@baohatinh.vn", full_name="Trần Thị Mai", pen_name="Mai Trà")
    db.session.commit()
    return user
