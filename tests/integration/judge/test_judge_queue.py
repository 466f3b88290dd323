"""The judge's home page and queue: only their active assignments, states, progress, filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Assignment,
    AuditEvent,
    ConflictDeclaration,
    Entry,
    RoundEntry,
    ScoreSheet,
)
from tests.support.factories import make_sheet
from tests.support.judge_scenario import build
from tests.support.web import html, login, post_form


def _queue_url(s):
    return f"/judge/{s.contest.slug}/rounds/{s.round.id}"


def _rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-assignment="(\d+)" data-state="(\w+)">', page)


def _sheet(a, status, total="50"):
    return make_sheet(a, status=status, total=total)


def test_queue_lists_only_own_active_assignments_with_states_and_progress(client):
    s = build(count=4, other_count=2)
    _sheet(s.assignments[1], ScoreSheet.DRAFT)
    _sheet(s.assignments[2], ScoreSheet.SUBMITTED)
    s.assignments[3].status = Assignment.RECUSED
    db.session.commit()
    login(client, s.judge.email)
    page = html(client.get(_queue_url(s)))
    assert _rows(page) == [
        (str(s.assignments[0].id), "todo"),
        (str(s.assignments[1].id), "draft"),
        (str(s.assignments[2].id), "submitted"),
    ]
    assert all(str(b.id) not in {r for r, _ in _rows(page)} for b in s.other_assignments)
    assert "1 / 3 đã nộp" in page
    assert "Tác phẩm 004" not in page  # the recused work left the queue


def test_queue_shows_deadline_in_edition_time_zone_and_time_left(client):
    closes = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)  # 17:00 in Hà Nội
    s = build(count=1, closes_at=closes, opens_at=datetime(2026, 1, 1, tzinfo=UTC))
    login(client, s.judge.email)
    page = html(client.get(_queue_url(s)))
    assert "Hạn chấm: 17:00 30/09/2026" in page


def test_queue_filters_by_state_and_genre(client):
    s = build(count=4, other_count=0)
    _sheet(s.assignments[0], ScoreSheet.SUBMITTED)
    db.session.commit()
    login(client, s.judge.email)
    page = html(client.get(_queue_url(s) + "?state=submitted"))
    assert _rows(page) == [(str(s.assignments[0].id), "submitted")]
    page = html(client.get(_queue_url(s) + "?genre=TH"))
    assert _rows(page) == [(str(s.assignments[2].id), "todo")]
    page = html(client.get(_queue_url(s) + "?state=todo&genre=BI"))
    assert _rows(page) == []
    assert "Không có tác phẩm nào khớp với bộ lọc." in page
    assert "1 / 4 đã nộp" in page  # progress counts the whole queue, not the filter


def test_queue_of_another_edition_or_non_judge_is_404(client):
    s = build(count=1)
    login(client, s.author.email)
    assert client.get(_queue_url(s)).status_code == 404
    post_form(client, "/auth/logout", {}, page="/")
    login(client, s.judge.email)
    assert client.get(f"/judge/other-slug/rounds/{s.round.id}").status_code == 404


def test_home_lists_rounds_with_progress(client):
    s = build(count=2, other_count=0)
    _sheet(s.assignments[0], ScoreSheet.SUBMITTED)
    db.session.commit()
    login(client, s.judge.email)
    page = html(client.get("/judge/"))
    assert _queue_url(s) in page
    assert "1 / 2 đã nộp" in page


def _bulk(s, n: int, start: int = 0) -> None:
    """n more works assigned to the judge, inserted in bulk."""
    genre = s.contest.genres[0]
    entries = [
        Entry(contest=s.contest, genre=genre, owner=s.author, title=f"Bulk {i}",
              status=Entry.SUBMITTED, seq=1000 + i, reference=f"BULK-{i}")
        for i in range(start, start + n)
    ]
    db.session.add_all(entries)
    db.session.flush()
    for i, e in enumerate(entries):
        db.session.add(RoundEntry(round=s.round, entry=e))
        a = Assignment(round=s.round, entry=e, judge=s.judge)
        db.session.add(a)
        if i % 3 == 0:
            make_sheet(a, total=70)
        elif i % 3 == 1:
            make_sheet(a, status=ScoreSheet.DRAFT)
    db.session.commit()


def test_queue_sql_count_is_constant(client, queries):
    s = build(count=0, other_count=0, with_files=False)
    login(client, s.judge.email)
    counts = []
    for n, total in ((10, 10), (290, 300)):
        _bulk(s, n, start=total - n)
        client.get(_queue_url(s))
        with queries() as q:
            page = html(client.get(_queue_url(s)))
        assert len(_rows(page)) == total
        counts.append(q.n)
    assert counts[0] == counts[1]
    assert counts[0] <= 12


def test_declare_conflict_recuses_and_records_reason(client):
    s = build(count=2, other_count=0)
    a = s.first
    login(client, s.judge.email)
    url = f"/judge/assignments/{a.id}/conflict"
    response = post_form(client, url, {"reason": "   "})
    assert response.status_code == 422
    assert "Hãy nêu lý do xung đột lợi ích: lý do là bắt buộc." in html(response)
    assert db.session.get(Assignment, a.id).status == Assignment.ACTIVE
    response = post_form(client, url, {"reason": "Tác giả là đồng nghiệp cùng cơ quan"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_queue_url(s))
    db.session.expire_all()
    assert db.session.get(Assignment, a.id).status == Assignment.RECUSED
    declaration = db.session.scalars(sa.select(ConflictDeclaration)).one()
    assert (declaration.judge_id, declaration.entry_id, declaration.reason) == (
        s.judge.id, a.entry_id, "Tác giả là đồng nghiệp cùng cơ quan")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "assignment.recused")).one()
    assert event.object_id == a.id and '"status":"recused"' in event.after
    page = html(client.get(_queue_url(s)))
    assert [r for r, _ in _rows(page)] == [str(s.assignments[1].id)]
    assert client.get(f"/judge/assignments/{a.id}").status_code == 404
