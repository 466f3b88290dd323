"""The outbox without Redis: rows commit with their cause, one claim sends, tick resends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import jobs, outbox
from portal.extensions import db
from portal.models import Entry, OutboxMail
from portal.models.types import utcnow
from tests.integration.entries.conftest import contest, entrant, signed_in  # noqa: F401
from tests.support.factories import add_verified_files, make_entry
from tests.support.smtp import controlled_smtp  # noqa: F401
from tests.support.web import post_form


@pytest.fixture
def app_config(controlled_smtp):  # noqa: F811
    return {**controlled_smtp.app_config(), "MAIL_CLAIM_LEASE": 60}


def _rows() -> list[OutboxMail]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def _queue(to="mai@baohatinh.vn", **kw) -> int:
    """An unsent row, committed without running its job (as if the web process died)."""
    mail = outbox.send_mail(to, "Biên nhận", "Nội dung.", kind="receipt", **kw)
    db.session.info.pop(jobs.PENDING_KEY)
    db.session.commit()
    return mail.id


def test_receipt_row_commits_with_the_submission_and_is_sent(
        app, signed_in, contest, entrant, controlled_smtp):  # noqa: F811
    controlled_smtp.start()
    entry = make_entry(contest, entrant, title="Chuyện ở chi bộ bản")
    add_verified_files(entry)
    db.session.commit()
    response = post_form(signed_in, f"/entries/{entry.id}/submit",
                         {"version": str(entry.version)}, page=f"/entries/{entry.id}/submit")
    assert response.status_code == 302
    [message] = controlled_smtp.wait_for(1)
    assert message.subject == "Biên nhận tác phẩm dự thi BLV2026-BI-001"
    [row] = _rows()
    assert (row.kind, row.contest_id, row.user_id, row.to_address) == (
        "receipt", contest.id, entrant.id, entrant.email)
    assert row.sent_at is not None and row.sent_via == "smtp" and row.attempts == 1
    assert message.message["Message-ID"] == row.message_id


def test_refused_submission_queues_no_mail(app, signed_in, contest, entrant):  # noqa: F811
    entry = make_entry(contest, entrant)  # no files: screening refuses it
    db.session.commit()
    response = post_form(signed_in, f"/entries/{entry.id}/submit",
                         {"version": str(entry.version)}, page=f"/entries/{entry.id}/submit")
    assert response.status_code == 422
    assert _rows() == []
    assert db.session.get(Entry, entry.id).status == Entry.DRAFT


def test_rolled_back_mail_is_neither_stored_nor_sent(app, controlled_smtp):  # noqa: F811
    controlled_smtp.start()
    outbox.send_mail("mai@baohatinh.vn", "Biên nhận", "…", kind="receipt")
    db.session.rollback()
    db.session.commit()
    assert _rows() == []
    assert controlled_smtp.messages == []


def test_send_job_run_twice_sends_once(app, controlled_smtp):  # noqa: F811
    controlled_smtp.start()
    mail_id = _queue()
    assert outbox.send_job(mail_id=mail_id) == "smtp"
    assert outbox.send_job(mail_id=mail_id) == "already sent"
    assert len(controlled_smtp.wait_for(1)) == 1
    [row] = _rows()
    assert row.attempts == 1


def test_mail_claimed_by_a_live_worker_is_not_sent_again(app, controlled_smtp):  # noqa: F811
    controlled_smtp.start()
    mail_id = _queue()
    db.session.execute(sa.update(OutboxMail).values(claimed_at=utcnow(), claimed_by="w1:7"))
    db.session.commit()
    with pytest.raises(outbox.MailBusy):
        outbox.send_job(mail_id=mail_id)
    assert controlled_smtp.messages == []
    # The claim lapses (its worker died): the next attempt sends it.
    db.session.execute(sa.update(OutboxMail).values(
        claimed_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert outbox.send_job(mail_id=mail_id) == "smtp"
    assert len(controlled_smtp.wait_for(1)) == 1


def test_smtp_down_keeps_the_row_and_tick_sends_it_once_back(app, runner,
                                                            controlled_smtp):  # noqa: F811
    outbox.send_mail("mai@baohatinh.vn", "Biên nhận", "…", kind="receipt")
    db.session.commit()  # runs in-process: SMTP is down, the failure is logged
    [row] = _rows()
    assert row.sent_at is None and row.claimed_at is None and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error

    controlled_smtp.start()
    db.session.execute(sa.update(OutboxMail).values(
        created_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    result = runner.invoke(args=["jobs", "tick"])
    assert "mail.resend_unsent: 1" in result.output
    assert len(controlled_smtp.wait_for(1)) == 1
    result = runner.invoke(args=["jobs", "tick"])
    assert "mail.resend_unsent: 0" in result.output
    assert len(controlled_smtp.messages) == 1
    [row] = _rows()
    assert row.sent_at is not None and row.attempts == 2 and row.last_error == ""


def test_secret_links_are_blanked_once_sent(app, controlled_smtp):  # noqa: F811
    controlled_smtp.start()
    mail = outbox.send_mail("mai@baohatinh.vn", "Đặt lại mật khẩu",
                            "http://localhost/auth/reset/TOKEN", kind="password_reset")
    db.session.commit()
    [message] = controlled_smtp.wait_for(1)
    assert "TOKEN" in message.body
    assert db.session.get(OutboxMail, mail.id).body == ""


DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.mark.parametrize("app_config", [{"REDIS_URL": DEAD_REDIS}])
def test_unreachable_redis_runs_the_job_in_process(app, controlled_smtp):  # noqa: F811
    app.config.update(controlled_smtp.app_config())
    controlled_smtp.start()
    outbox.send_mail("mai@baohatinh.vn", "Biên nhận", "…", kind="receipt")
    db.session.commit()
    assert len(controlled_smtp.wait_for(1)) == 1
    [row] = _rows()
    assert row.sent_at is not None and row.sent_via == "smtp"
