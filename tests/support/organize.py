"""An edition with its organizer and an entrant, and submitted entries to screen: shared by
the organize tests (their fixtures are in tests/integration/organize/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models import Contest, Entry, Membership, User
from tests.support.factories import grant, make_contest, make_entry, make_user


@dataclass
class Edition:
    contest: Contest
    organizer: User
    entrant: User

    @property
    def slug(self) -> str:
        return self.contest.slug

    def url(self, path: str = "") -> str:
        return f"/organize/{self.contest.slug}/{path}".rstrip("/")


def make_edition(closed: bool) -> Edition:
    now = datetime.now(UTC)
    kw = {}
    if closed:
        kw = {"submission_opens": now - timedelta(days=40),
              "submission_closes": now - timedelta(days=1), "status": Contest.CLOSED}
    contest = make_contest(**kw)
    organizer = make_user("bantochuc@example.vn", full_name="Lê Thị Thư Ký")
    grant(organizer, contest, Membership.ORGANIZER)
    entrant = make_user("tacgia@example.vn", full_name="Nguyễn Văn Tác Giả",
                        pen_name="Hồng Lam")
    db.session.commit()
    return Edition(contest, organizer, entrant)


def submitted(ed: Edition, n: int = 1, **kw) -> list[Entry]:
    """n submitted entries of the entrant with references BLV2026-BI-001…"""
    out = []
    start = db.session.query(Entry).filter(Entry.contest_id == ed.contest.id).count()
    for i in range(n):
        kw.setdefault("submitted_at", datetime.now(UTC) - timedelta(days=2))
        entry = make_entry(ed.contest, ed.entrant, status=Entry.SUBMITTED,
                           reference=f"BLV2026-BI-{start + i + 1:03d}", seq=start + i + 1,
                           authors=kw.pop("authors", None), **kw)
        out.append(entry)
    db.session.commit()
    return out


def count_get(queries, client, url) -> int:
    """SQL statements of one GET (which must succeed)."""
    with queries() as q:
        r = client.get(url)
    assert r.status_code == 200
    return q.n
