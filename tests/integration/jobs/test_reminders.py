"""Scheduled reminders: judges 3 days and 1 day before a round closes, entrants with drafts
48 hours before the deadline; each at most once per person and step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.entries.services import remind_drafts
from portal.extensions import db
from portal.models import Assignment, Entry, OutboxMail, ScoreSheet
from portal.rounds.services import scheduled_judge_reminders
from tests.integration.rounds.helpers import add_panel, add_sheet, bare_round, make_judges
from tests.support.factories import make_contest, make_entry, make_user

CLOSES = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)


def _round(contest, closes_at=CLOSES):
    """Three judges with two sheets each: judge 1 submitted both, judge 2 one, judge 3 none."""
    judges = make_judges(contest, 3)
    owner = make_user()
    entries = [make_entry(contest, owner, status=Entry.SUBMITTED, eligibility=Entry.ELIGIBLE,
                          reference=f"BLV-BI-{i}") for i in (1, 2)]
    rnd = bare_round(contest, k=3, closes_at=closes_at)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges)
    for e in entries:
        for j in judges:
            db.session.add(Assignment(round_id=rnd.id, entry_id=e.id, judge_id=j.id,
                                      status="active"))
    db.session.flush()
    sheets = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    for a in sheets:
        if a.judge_id == judges[0].id or (a.judge_id == judges[1].id and
                                          a.entry_id == entries[0].id):
            add_sheet(a, status=ScoreSheet.SUBMITTED, total=80)
    db.session.commit()
    return rnd, judges


def _mails(kind):
    db.session.expire_all()
    return db.session.execute(sa.select(OutboxMail.to_address, OutboxMail.dedupe_key).where(
        OutboxMail.kind == kind).order_by(OutboxMail.id)).all()


def test_judges_with_work_left_get_each_step_once(app):
    contest = make_contest()
    rnd, judges = _round(contest)
    assert scheduled_judge_reminders(now=CLOSES - timedelta(days=4)) == 0  # too early
    for hours in (71, 60, 30):  # three ticks in the "3 days before" window
        scheduled_judge_reminders(now=CLOSES - timedelta(hours=hours))
        db.session.commit()
    three = [(j.email, f"judge_reminder:{rnd.id}:{j.id}:3d") for j in judges[1:]]
    assert _mails("judge_reminder") == three
    for hours in (23, 2):
        scheduled_judge_reminders(now=CLOSES - timedelta(hours=hours))
        db.session.commit()
    assert _mails("judge_reminder") == three + [
        (j.email, f"judge_reminder:{rnd.id}:{j.id}:1d") for j in judges[1:]]
    assert scheduled_judge_reminders(now=CLOSES + timedelta(minutes=1)) == 0  # closed


def test_reminder_body_counts_the_sheets_left(app):
    rnd, judges = _round(make_contest())
    scheduled_judge_reminders(now=CLOSES - timedelta(hours=20))
    db.session.commit()
    body = db.session.scalar(sa.select(OutboxMail.body).where(
        OutboxMail.to_address == judges[1].email))
    assert "còn 1 trên 2 tác phẩm chưa chấm" in body
    assert "17:00 10/01/2027 (Asia/Ho_Chi_Minh)" in body


def test_second_reminder_for_a_step_is_refused_by_the_database(app):
    """The uniqueness is the database's, not only the service's pre-check."""
    from sqlalchemy.exc import IntegrityError

    from portal import outbox

    outbox.send_mail("gk@example.vn", "Nhắc", "…", kind="judge_reminder", dedupe_key="k:1:3d")
    db.session.commit()
    with pytest.raises(IntegrityError):
        outbox.send_mail("gk@example.vn", "Nhắc", "…", kind="judge_reminder",
                         dedupe_key="k:1:3d")
    db.session.rollback()


def test_draft_owners_are_reminded_once_48_hours_before_the_deadline(app):
    closes = datetime(2026, 10, 31, 10, 0, tzinfo=UTC)
    contest = make_contest(submission_closes=closes)
    hong, lan, done = (make_user(f"{n}@baohatinh.vn", full_name=n.title())
                       for n in ("hong", "lan", "done"))
    make_entry(contest, hong, title="Nháp 1")
    make_entry(contest, hong, title="Nháp 2")
    make_entry(contest, lan, title="Nháp")
    make_entry(contest, done, status=Entry.SUBMITTED, reference="BLV-BI-9")
    db.session.commit()

    assert remind_drafts(now=closes - timedelta(hours=49)) == 0
    assert remind_drafts(now=closes - timedelta(hours=47)) == 2
    db.session.commit()
    assert remind_drafts(now=closes - timedelta(hours=10)) == 0
    db.session.commit()
    assert _mails("draft_reminder") == [
        ("hong@baohatinh.vn", f"draft_reminder:{contest.id}:{hong.id}:48h"),
        ("lan@baohatinh.vn", f"draft_reminder:{contest.id}:{lan.id}:48h")]
    body = db.session.scalar(sa.select(OutboxMail.body).where(
        OutboxMail.to_address == "hong@baohatinh.vn"))
    assert "2 tác phẩm đang là bản nháp" in body
    assert "17:00 31/10/2026" in body
    assert "http://localhost/entries/" in body


def test_tick_command_queues_what_is_due(app, runner):
    contest = make_contest(submission_closes=datetime.now(UTC) + timedelta(hours=30))
    _round(contest, closes_at=datetime.now(UTC) + timedelta(days=2))
    make_entry(contest, make_user("nhap@baohatinh.vn"))
    db.session.commit()
    result = runner.invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert "rounds.judge_reminders: 2" in result.output
    assert "entries.draft_reminders: 1" in result.output
    result = runner.invoke(args=["jobs", "tick"])
    assert "rounds.judge_reminders: 0" in result.output
    assert "entries.draft_reminders: 0" in result.output
    assert db.session.scalar(sa.select(sa.func.count(OutboxMail.id)).where(
        OutboxMail.sent_at.is_not(None))) == 3  # no REDIS_URL: sent (logged) in-process
