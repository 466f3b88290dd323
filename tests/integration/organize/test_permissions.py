"""Only the edition's organizers (and admins) reach its pages; everyone else gets 404."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Membership
from tests.support.factories import grant, make_contest, make_user
from tests.support.organize import submitted
from tests.support.web import html, login, post_form

PAGES = ["settings", "structure", "members", "entries", "entries.csv", "screening", "audit",
         "audit.csv"]


@pytest.mark.parametrize("who", ["other_organizer", "judge", "entrant"])
def test_outsiders_get_404_on_every_page(edition, app, who):
    client = app.test_client()
    (entry,) = submitted(edition)
    user = make_user(f"{who}@example.vn")
    if who == "other_organizer":
        grant(user, make_contest(), Membership.ORGANIZER)
    elif who == "judge":
        grant(user, edition.contest, Membership.JUDGE)
    db.session.commit()
    login(client, user.email)
    slot = edition.contest.genres[0].slots[0]
    urls = [edition.url(p) for p in PAGES] + [
        edition.url(f"screening/{entry.id}"), edition.url(f"slots/{slot.id}"),
        edition.url(f"levels/{edition.contest.prize_levels[0].id}")]
    assert {u: client.get(u).status_code for u in urls} == {u: 404 for u in urls}
    r = post_form(client, edition.url("members"), {"email": user.email, "role": "organizer"},
                  page="/")
    assert r.status_code == 404
    roles = set(db.session.scalars(sa.select(Membership.role).where(
        Membership.contest_id == edition.contest.id, Membership.user_id == user.id)))
    assert roles == ({"judge"} if who == "judge" else set())


def test_anonymous_is_sent_to_login(edition, app):
    r = app.test_client().get(edition.url("settings"))
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_home_lists_only_own_editions_with_counts(edition, client):
    other = make_contest(name="Giải của tỉnh khác")
    submitted(edition, 2)
    db.session.commit()
    page = html(client.get("/organize/"))
    assert edition.contest.name in page and "Giải của tỉnh khác" not in page
    assert '<dd class="col-4" data-count="submitted">2</dd>' in page
    assert '<dd class="col-4" data-count="pending">2</dd>' in page
    assert f'href="/organize/{edition.slug}/rounds/"' in page
    assert other.slug not in page


def test_admin_sees_every_edition(edition, app):
    admin = make_user("admin@example.vn", is_admin=True)
    make_contest(name="Giải của tỉnh khác")
    db.session.commit()
    client = app.test_client()
    login(client, admin.email)
    page = html(client.get("/organize/"))
    assert edition.contest.name in page and "Giải của tỉnh khác" in page
    assert client.get(edition.url("settings")).status_code == 200
