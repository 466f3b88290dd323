"""Fifty submissions straddling the closing instant: each is wholly in or wholly out."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal import clock
from portal.audit import verify_chain
from portal.entries import views as entries_views
from portal.extensions import db
from portal.models import AuditEvent, Contest, Entry
from tests.support.factories import make_contest, make_user
from tests.support.faults import ready_entry
from tests.support.web import CSRF_RE, html, login

N = 50
STAGGER = 0.012  # seconds between two submits: 50 of them span 0.6 s around the close
CLOSED = "Hạn nộp đã kết thúc lúc"


@pytest.fixture
def app_config():
    # 50 threads stand for 50 server workers, each with its own connection in production:
    # give each one (plus the receipt's mail job, run in-process after the commit), so a
    # loaded machine cannot time the pool out instead of testing the deadline.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": N + 5,
                                          "max_overflow": 5, "pool_timeout": 120}}


def test_submits_straddling_the_deadline_are_each_accepted_or_refused_whole(app, monkeypatch):
    contest = make_contest(ref_prefix="BLV2026")
    people = []
    for i in range(N):
        owner = make_user(f"tacgia{i:02d}@example.vn")
        entry = ready_entry(contest, owner)
        people.append((owner.email, entry.id))
    db.session.commit()
    contest_id = contest.id

    clients = []
    for email, entry_id in people:
        client = app.test_client()
        with app.app_context():
            assert login(client, email).status_code == 302
            page = html(client.get(f"/entries/{entry_id}/submit"))
        assert 'name="version"' in page, page[:500]
        clients.append((client, entry_id, CSRF_RE.search(page).group(1)))

    # Record the clock as the entries views first read it in each request: the decision
    # time. Only theirs: the session check (portal/security.py) reads the clock before the
    # view does, to see whether the login has expired.
    seen = threading.local()
    real_now = clock.now

    def recording_now():
        value = real_now()
        if getattr(seen, "times", None) is not None:
            seen.times.append(value)
        return value

    monkeypatch.setattr(entries_views, "clock", SimpleNamespace(now=recording_now))
    decided: dict[int, datetime] = {}
    barrier = threading.Barrier(N + 1)
    results: dict[int, tuple[int, str]] = {}
    crashes: list[str] = []

    def submit(index, client, entry_id, token):
        barrier.wait(timeout=60)
        time.sleep(index * STAGGER)
        seen.times = []
        try:
            with app.app_context():  # its own session, as in a server worker
                response = client.post(f"/entries/{entry_id}/submit",
                                       data={"csrf_token": token, "version": "1"})
            results[entry_id] = (response.status_code, html(response))
            decided[entry_id] = seen.times[0]
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            crashes.append(repr(exc))

    threads = [threading.Thread(target=submit, args=(i, *c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    closes = datetime.now(UTC) + timedelta(milliseconds=300)
    db.session.execute(sa.update(Contest).where(Contest.id == contest_id)
                       .values(submission_closes=closes))
    db.session.commit()
    barrier.wait(timeout=60)
    for thread in threads:
        thread.join(timeout=120)
    assert crashes == []
    assert len(results) == N

    db.session.expire_all()
    entries = {e.id: e for e in db.session.scalars(sa.select(Entry))}
    events = {}
    for entry_id, action in db.session.execute(
            sa.select(AuditEvent.entry_id, AuditEvent.action)):
        events.setdefault(entry_id, []).append(action)
    accepted, refused = [], []
    for entry_id, (status, page) in results.items():
        entry = entries[entry_id]
        if status == 302:
            accepted.append(entry)
            assert entry.status == Entry.SUBMITTED and entry.reference is not None
            assert entry.submitted_at == decided[entry_id] < closes
            assert events.get(entry_id) == ["entry.submit"]
        else:
            refused.append(entry)
            assert status == 409 and CLOSED in page, (status, page[:300])
            assert decided[entry_id] >= closes
            assert (entry.status, entry.reference, entry.seq, entry.submitted_at) == (
                Entry.DRAFT, None, None, None)
            assert entry_id not in events
    # The instant really was straddled, and the accepted ones got 001…k with no gap.
    assert accepted and refused, (len(accepted), len(refused))
    print(f"deadline race: {len(accepted)} accepted, {len(refused)} refused; decisions from "
          f"{min(decided.values()) - closes} to {max(decided.values()) - closes} of the close")
    assert sorted(e.reference for e in accepted) == [
        f"BLV2026-BI-{n:03d}" for n in range(1, len(accepted) + 1)]
    assert verify_chain() == (len(accepted), None)
