"""The audit log is a hash chain; `flask audit verify` finds the first edited event."""

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent
from tests.support.factories import make_contest, make_user


def _three_events():
    user = make_user()
    contest = make_contest()
    for i in range(3):
        audit.record("test.action", actor=user, contest=contest, before={"n": i},
                     after={"n": i + 1, "title": "Bài báo số một"})
    db.session.commit()
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()


def test_events_link_to_previous_hash(app):
    events = _three_events()
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert len({e.hash for e in events}) == 3
    assert audit.head_hash() == events[2].hash


def test_verify_reports_intact_chain(app, runner):
    _three_events()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "OK: 3 audit events, chain intact." in result.output


def test_verify_detects_edited_row(app, runner):
    events = _three_events()
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == events[1].id).values(after='{"n":99}')
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at audit event {events[1].id}: content does not match its hash" in (
        result.output
    )
    assert "(1 events before it are intact)" in result.output


def test_verify_detects_deleted_row(app, runner):
    events = _three_events()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db.session.commit()
    checked, broken = audit.verify_chain()
    assert checked == 1
    assert broken == audit.ChainBreak(events[2].id, "previous hash does not match")


def test_event_stamped_in_another_time_zone_still_verifies_after_reload(app, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    stamp = datetime(2025, 9, 30, 16, 59, 59, 123456, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    monkeypatch.setattr(audit, "utcnow", lambda: stamp)
    audit.record("test.action", contest=make_contest(), after={"n": 1})
    db.session.commit()
    db.session.expire_all()
    assert audit.verify_chain() == (1, None)
