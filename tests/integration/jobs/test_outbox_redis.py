"""Mail through the outbox on a real RQ queue: SMTP down, a worker killed mid-send."""

from __future__ import annotations

import os
import signal
import time

import pytest
import sqlalchemy as sa

from portal import outbox
from portal.extensions import db
from portal.models import Entry, OutboxMail
from tests.integration.entries.conftest import entrant, signed_in  # noqa: F401
from tests.support.factories import add_verified_files, make_contest, make_entry
from tests.support.jobs import redis_url, start_worker  # noqa: F401
from tests.support.smtp import controlled_smtp  # noqa: F401
from tests.support.web import post_form

N = 50
RETRIES = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]


@pytest.fixture
def app_config(redis_url, controlled_smtp):  # noqa: F811
    return {"REDIS_URL": redis_url, "JOBS_RETRY_INTERVALS": RETRIES, "MAIL_CLAIM_LEASE": 3,
            **controlled_smtp.app_config()}


def _rows() -> list[OutboxMail]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_smtp_down_during_submissions_then_up_sends_each_receipt_once(
        app, signed_in, entrant, controlled_smtp, start_worker):  # noqa: F811
    contest = make_contest(per_author_cap=N)  # noqa: F811
    entries = []
    for i in range(N):
        entry = make_entry(contest, entrant, title=f"Bài dự thi số {i + 1}")
        add_verified_files(entry)
        entries.append(entry)
    db.session.commit()
    start_worker()
    for entry in entries:  # the SMTP server is not running
        response = post_form(signed_in, f"/entries/{entry.id}/submit",
                             {"version": str(entry.version)}, page=f"/entries/{entry.id}/submit")
        assert response.status_code == 302
    rows = _rows()
    assert len(rows) == N and all(r.sent_at is None for r in rows)
    _wait(lambda: all(r.last_error for r in _rows()), 30, "every send to fail once")
    assert "ConnectionRefusedError" in _rows()[0].last_error

    controlled_smtp.start()
    messages = controlled_smtp.wait_for(N, timeout=90)
    time.sleep(4)  # longer than the claim lease: a duplicate would have arrived by now
    assert len(controlled_smtp.messages) == N
    db.session.expire_all()
    references = sorted(db.session.scalars(sa.select(Entry.reference)))
    assert sorted(m.subject for m in messages) == sorted(
        f"Biên nhận tác phẩm dự thi {ref}" for ref in references)
    assert sorted(m.rcpt_tos[0] for m in messages) == [entrant.email] * N
    assert len({m.message["Message-ID"] for m in messages}) == N
    rows = _rows()
    assert all(r.sent_at is not None and r.sent_via == "smtp" for r in rows)
    assert min(r.attempts for r in rows) >= 2


def test_worker_killed_mid_send_is_retried_and_sends_once(
        app, controlled_smtp, start_worker):  # noqa: F811
    controlled_smtp.stalled.set()
    controlled_smtp.start()
    worker = start_worker()
    outbox.send_mail("mai@baohatinh.vn", "Biên nhận", "Nội dung thư.", kind="receipt")
    db.session.commit()
    claimed = _wait(lambda: _rows()[0].claimed_by, 20, "the job to claim the mail")
    horse = int(claimed.rsplit(":", 1)[1])
    assert horse != worker.proc.pid  # the work horse, forked for this job
    os.kill(horse, signal.SIGKILL)  # while it waits on the SMTP server's RCPT
    controlled_smtp.stalled.clear()

    [message] = controlled_smtp.wait_for(1, timeout=30)
    time.sleep(5)  # past the lease: a second send would have happened by now
    assert len(controlled_smtp.messages) == 1
    assert message.subject == "Biên nhận"
    [row] = _rows()
    assert row.sent_at is not None and row.attempts >= 2
    assert int(row.claimed_by.rsplit(":", 1)[1]) != horse
    assert worker.proc.poll() is None  # the worker itself lives on
