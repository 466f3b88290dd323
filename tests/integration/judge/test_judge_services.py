"""The judge services called directly: reopen, conflicts, windows, versions and audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.errors import DomainError, NotAllowed, ScoreLocked, StaleEdit
from portal.extensions import db
from portal.judge import services
from portal.models import Assignment, AuditEvent, ConflictDeclaration, Round, ScoreSheet
from tests.support.judge_scenario import build

RAW = {"truthful": "20", "orientation": "18", "discovery": "15.5", "effect": "16",
       "presentation": "12"}


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def _now():
    return datetime.now(UTC)


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_reopen_requires_reason_and_audits(ctx):
    s = build(count=1)
    sheet = services.submit_sheet(assignment=s.first, judge=s.judge, values=RAW, comment="",
                                  expected_version=0, now=_now())
    db.session.commit()
    with pytest.raises(DomainError) as err:
        services.reopen_sheet(sheet=sheet, actor=s.organizer, reason="  ", now=_now())
    assert err.value.message == "Hãy nêu lý do mở lại phiếu chấm này."
    assert sheet.status == ScoreSheet.SUBMITTED
    services.reopen_sheet(sheet=sheet, actor=s.organizer, reason="Giám khảo nhập nhầm",
                          now=_now())
    db.session.commit()
    assert (sheet.status, sheet.submitted_at, sheet.total) == (
        ScoreSheet.DRAFT, None, Decimal("81.5"))
    (event,) = _events("score.reopened")
    assert event.actor_id == s.organizer.id
    assert json.loads(event.before)["status"] == "submitted"
    after = json.loads(event.after)
    assert (after["status"], after["reason"]) == ("draft", "Giám khảo nhập nhầm")
    # the judge may now change and submit again
    services.submit_sheet(assignment=s.first, judge=s.judge, values={**RAW, "effect": "10"},
                          comment="", expected_version=sheet.version, now=_now())
    assert sheet.total == Decimal("75.5")
    with pytest.raises(DomainError) as err:
        services.reopen_sheet(sheet=services.ScoreSheet(status="draft"), actor=s.organizer,
                              reason="x", now=_now())
    assert err.value.message == "Phiếu chấm này chưa được nộp nên không có gì để mở lại."


def test_submit_needs_every_criterion(ctx):
    s = build(count=1)
    with pytest.raises(DomainError) as err:
        services.submit_sheet(assignment=s.first, judge=s.judge, values={**RAW, "effect": ""},
                              comment="", expected_version=0, now=_now())
    assert [p.field for p in err.value.problems] == ["effect"]
    assert err.value.problems[0].code == "score_missing"
    assert db.session.scalar(sa.select(sa.func.count(ScoreSheet.id))) == 0


def test_other_judge_cannot_save(ctx):
    s = build(count=1, other_count=0)
    with pytest.raises(NotAllowed):
        services.save_draft(assignment=s.first, judge=s.other_judge, values=RAW, comment="",
                            expected_version=0, now=_now())


def test_before_window_is_refused(ctx):
    opens = datetime(2030, 1, 10, 1, 0, tzinfo=UTC)
    s = build(count=1, opens_at=opens, closes_at=opens + timedelta(days=5))
    with pytest.raises(ScoreLocked) as err:
        services.save_draft(assignment=s.first, judge=s.judge, values=RAW, comment="",
                            expected_version=0, now=opens - timedelta(minutes=1))
    assert err.value.message == (
        "Vòng chấm mở lúc 08:00 10/01/2030; trước thời điểm đó chưa thể lưu điểm.")


def test_round_closed_by_secretariat_is_refused(ctx):
    s = build(count=1, status=Round.CLOSED)
    with pytest.raises(ScoreLocked) as err:
        services.save_draft(assignment=s.first, judge=s.judge, values=RAW, comment="",
                            expected_version=0, now=_now())
    assert err.value.message == (
        "Ban Tổ chức đã đóng vòng chấm này. Bản nháp của bạn vẫn được giữ nguyên.")


def test_stale_version_is_refused(ctx):
    s = build(count=1)
    services.save_draft(assignment=s.first, judge=s.judge, values=RAW, comment="",
                        expected_version=0, now=_now())
    db.session.commit()
    with pytest.raises(StaleEdit):
        services.save_draft(assignment=s.first, judge=s.judge, values={**RAW, "effect": "1"},
                            comment="", expected_version=0, now=_now())
    assert s.first.sheet.scores and s.first.sheet.version == 1


def test_concurrent_update_is_caught_by_version_column(ctx, app):
    """Another transaction bumps the row between our read and our write."""
    s = build(count=1)
    services.save_draft(assignment=s.first, judge=s.judge, values=RAW, comment="",
                        expected_version=0, now=_now())
    db.session.commit()
    sheet = s.first.sheet
    assert sheet.version == 1
    with db.engine.begin() as conn:  # the other tab, in its own transaction
        conn.execute(sa.update(ScoreSheet).where(ScoreSheet.id == sheet.id)
                     .values(version=2, comment="tab khác"))
    with pytest.raises(StaleEdit):
        services.save_draft(assignment=s.first, judge=s.judge, values=RAW, comment="của tôi",
                            expected_version=1, now=_now())
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).comment == "tab khác"


def test_unchanged_draft_is_not_rewritten(ctx):
    s = build(count=1)
    services.save_draft(assignment=s.first, judge=s.judge, values=RAW, comment="x",
                        expected_version=0, now=_now())
    services.save_draft(assignment=s.first, judge=s.judge, values=dict(RAW), comment="x",
                        expected_version=1, now=_now())
    assert s.first.sheet.version == 1
    assert len(_events("score.draft_saved")) == 1


def test_declare_conflict_service(ctx):
    s = build(count=1)
    with pytest.raises(DomainError) as err:
        services.declare_conflict(assignment=s.first, judge=s.judge, reason="", now=_now())
    assert err.value.message == "Hãy nêu lý do xung đột lợi ích: lý do là bắt buộc."
    with pytest.raises(NotAllowed):
        services.declare_conflict(assignment=s.first, judge=s.other_judge, reason="x",
                                  now=_now())
    declaration = services.declare_conflict(assignment=s.first, judge=s.judge,
                                            reason="Cùng cơ quan", now=_now())
    assert s.first.status == Assignment.RECUSED
    assert db.session.scalars(sa.select(ConflictDeclaration)).one() is declaration
    with pytest.raises(NotAllowed):  # already recused
        services.declare_conflict(assignment=s.first, judge=s.judge, reason="x", now=_now())
    (event,) = _events("assignment.recused")
    assert json.loads(event.after)["reason"] == "Cùng cơ quan"
