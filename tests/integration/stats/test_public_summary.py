"""The public results page's summary: entries received and works awarded by medium, from
the published snapshot (the page stays one query)."""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Entry
from portal.results.services import latest_snapshot, snapshot_payload
from tests.support.factories import make_entry, make_user
from tests.support.results import build
from tests.support.results import publish_via_web as _publish
from tests.support.web import html, login


def test_public_page_summarises_entries_received_and_prizes_by_medium(app, client, queries):
    contest, org, es = build()
    owner = make_user()
    make_entry(contest, owner, status=Entry.DRAFT)
    make_entry(contest, owner, status=Entry.WITHDRAWN)
    db.session.commit()
    login(client, "org@example.vn")
    assert _publish(client).status_code == 302
    received = db.session.scalar(sa.select(sa.func.count(Entry.id)).where(
        Entry.contest_id == contest.id, Entry.status == Entry.SUBMITTED))
    anon = app.test_client()
    with queries() as q:
        page = html(anon.get("/results/ha-tinh"))
    assert q.n == 1
    assert received == 6
    assert "Đã nhận 6 tác phẩm; " in page
    summary = page.split('class="card mb-3 results-summary"', 1)[1].split("</section>", 1)[0]
    awarded = dict(re.findall(r'data-genre="(\w+)">(\d+)<', summary))
    # every published prize is counted under its medium, in the edition's order of media
    payload = snapshot_payload(latest_snapshot(contest))
    per_genre = Counter(p["genre"] for p in payload["prizes"])
    assert awarded == {code: str(n) for code, n in per_genre.items()} == {"BI": "3", "AB": "3"}
    assert list(awarded) == ["BI", "AB"]
    assert f"; {len(payload['prizes'])} tác phẩm đạt giải." in page
