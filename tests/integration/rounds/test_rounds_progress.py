"""Progress numbers, reminders, reopening a sheet, and constant SQL counts."""

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Assignment, AuditEvent, Membership, ScoreSheet
from portal.rounds import services
from tests.integration.rounds.helpers import (
    add_panel,
    add_sheet,
    bare_round,
    eligible_entry,
    enroll,
    make_judges,
    organizer_setup,
)
from tests.support.factories import grant, make_contest, make_user
from tests.support.web import html, post_form


def _base(contest, rnd):
    return f"/organize/{contest.slug}/rounds/{rnd.id}"


def _seed(contest, n_entries: int, *, k=2, n_judges=4, prefix="gk"):
    """n_entries BI entries, k judges each round-robin; judge 1 submits all their sheets,
    judge 2 keeps drafts, judges 3 and 4 have not started."""
    judges = make_judges(contest, n_judges, prefix=prefix)
    owner = make_user()
    ref = "BLV" if prefix == "gk" else prefix.upper()
    entries = [eligible_entry(contest, owner, "BI", f"{ref}-BI-{i:03d}")
               for i in range(1, n_entries + 1)]
    rnd = bare_round(contest, k=k, closes_at=datetime(2027, 1, 10, 10, 0, tzinfo=UTC))
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges)
    enroll(rnd, entries)
    rows = []
    for i, e in enumerate(entries):
        for j in range(k):
            rows.append({"round_id": rnd.id, "entry_id": e.id,
                         "judge_id": judges[(i + j) % n_judges].id, "status": "active"})
    db.session.execute(sa.insert(Assignment), rows)
    for a in db.session.scalars(sa.select(Assignment).where(Assignment.round_id == rnd.id)):
        if a.judge_id == judges[0].id:
            add_sheet(a, status=ScoreSheet.SUBMITTED, total=80,
                      at=datetime(2026, 12, 25, 2, 30, tzinfo=UTC))
        elif a.judge_id == judges[1].id:
            add_sheet(a, status=ScoreSheet.DRAFT, at=datetime(2026, 12, 24, 1, 0, tzinfo=UTC))
    db.session.commit()
    return rnd, judges, entries


def test_progress_numbers_are_exact(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _seed(contest, 10)
    by_judge = {r["id"]: r for r in services.judge_progress(rnd)}
    # Entry i (0-based) goes to judges i mod 4 and i+1 mod 4: loads 5, 6, 5, 4.
    assert [(by_judge[u.id]["assigned"], by_judge[u.id]["drafts"], by_judge[u.id]["submitted"])
            for u in judges] == [(5, 0, 5), (6, 6, 0), (5, 0, 0), (4, 0, 0)]
    assert by_judge[judges[0].id]["last"] == datetime(2026, 12, 25, 2, 30, tzinfo=UTC)
    assert by_judge[judges[2].id]["last"] is None
    entry_rows = services.entry_progress(rnd, page=1)
    assert [(r["reference"], r["assigned"], r["submitted"]) for r in entry_rows[:4]] == [
        ("BLV-BI-001", 2, 1), ("BLV-BI-002", 2, 0), ("BLV-BI-003", 2, 0),
        ("BLV-BI-004", 2, 1)]
    assert services.panel_progress(rnd) == [{
        "id": rnd.panels[0].id, "name": "Tiểu ban Báo in", "entries": 10, "submitted": 5,
        "needed": 20, "percent": 25}]
    page = html(client.get(_base(contest, rnd) + "/progress"))
    assert "<td>Tiểu ban Báo in</td><td>10</td><td>5 / 20</td><td>25%</td>" in page
    assert ("<td>Giám khảo GK1</td><td>5</td><td>0</td><td>5</td>"
            "<td>09:30 25/12/2026</td>") in page
    assert "1/2" in page


def test_progress_entries_are_paginated(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _seed(contest, 60)
    page2 = html(client.get(_base(contest, rnd) + "/progress?page=2"))
    assert "BLV-BI-051" in page2 and "BLV-BI-060" in page2 and "BLV-BI-050" not in page2


def _cold_get(client, queries, url):
    """GET url as a fresh request would: the fixture shares the session and `g` across
    requests, so forget the loaded rows and the logged-in user first."""
    from flask import g

    db.session.commit()
    db.session.expunge_all()
    g.pop("_login_user", None)
    with queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.n


@pytest.mark.parametrize("path", ["/progress", "/assignments", "/advance"])
def test_round_pages_use_constant_sql(app, client, queries, path):
    contest, org = organizer_setup(login_client=client)
    small, *_ = _seed(contest, 5)   # 10 assignments
    other = make_contest()
    grant(org, other, Membership.ORGANIZER)
    big, *_ = _seed(other, 150, n_judges=6, prefix="lon")  # 300 assignments
    db.session.commit()
    urls = [_base(contest, small) + path, _base(other, big) + path]
    n_small = _cold_get(client, queries, urls[0])
    n_big = _cold_get(client, queries, urls[1])
    assert n_small == n_big
    assert n_big <= 12


def test_reminders_go_to_exactly_the_judges_with_work_left(app, client, caplog):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _seed(contest, 10)
    caplog.set_level(logging.INFO, logger="portal.mail")
    response = post_form(client, _base(contest, rnd) + "/reminders", {},
                         page=_base(contest, rnd) + "/progress", follow_redirects=True)
    assert "Đã gửi nhắc việc tới 3 giám khảo còn tác phẩm chưa chấm." in html(response)
    mails = [r.getMessage() for r in caplog.records if r.name == "portal.mail"]
    recipients = sorted(line[4:] for m in mails for line in m.splitlines()
                        if line.startswith("To: "))
    assert recipients == sorted(u.email for u in judges[1:])
    gk2 = next(m for m in mails if judges[1].email in m)
    assert "còn 6 trên 6 tác phẩm chưa chấm" in gk2
    assert "Hạn chấm kết thúc lúc 17:00 10/01/2027 (Asia/Ho_Chi_Minh)" in gk2
    after = db.session.scalar(sa.select(AuditEvent.after).where(
        AuditEvent.action == "round.reminders_sent"))
    assert f'"judges":[{judges[1].id},{judges[2].id},{judges[3].id}]' in after


def test_reopen_submitted_sheet_with_reason(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _seed(contest, 2)
    sheet = db.session.scalar(sa.select(ScoreSheet).where(
        ScoreSheet.status == ScoreSheet.SUBMITTED).order_by(ScoreSheet.id).limit(1))
    entry_id = sheet.assignment.entry_id
    page_url = _base(contest, rnd) + f"/entries/{entry_id}"
    url = _base(contest, rnd) + f"/sheets/{sheet.id}/reopen"
    response = post_form(client, url, {"reason": ""}, page=page_url)
    assert response.status_code == 422
    assert "Hãy nêu lý do mở lại phiếu chấm này." in html(response)
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == ScoreSheet.SUBMITTED
    response = post_form(client, url, {"reason": "Giám khảo nhập nhầm điểm tiêu chí 2"},
                         page=page_url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == ScoreSheet.DRAFT
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "score.reopened"))
    assert event.actor_id == org.id
    assert "Giám khảo nhập nhầm điểm tiêu chí 2" in event.after
