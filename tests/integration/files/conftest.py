"""An open edition, an entrant with a draft entry, logged in; small parts for fast tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.extensions import db
from portal.models import Entry, FileSlot, User
from tests.support.factories import genre, make_contest, make_entry, make_user
from tests.support.web import login

from .helpers import MiB


@pytest.fixture
def app_config():
    return {"UPLOAD_PART_SIZE": 5 * MiB}


@dataclass
class World:
    contest: object
    owner: User
    entry: Entry
    script: FileSlot  # TV script: pdf, not per part, up to 5 files
    video: FileSlot  # TV work: mp4, one per part

    def refresh(self):
        db.session.expire_all()


@pytest.fixture
def world(app):
    contest = make_contest(slug="ha-tinh-2026")
    owner = make_user("owner@example.vn")
    entry = make_entry(contest, owner, genre_code="TH", parts=2)
    tv = genre(contest, "TH")
    slots = {s.kind: s for s in tv.slots}
    db.session.commit()
    return World(contest, owner, entry, slots["script"], slots["work"])


@pytest.fixture
def owner_client(app, world):
    client = app.test_client()
    response = login(client, world.owner.email)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    return client
