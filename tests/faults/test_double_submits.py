"""Ten simultaneous submits of the SAME entry, and of the SAME score sheet (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.audit import verify_chain
from portal.extensions import db
from portal.models import AuditEvent, Entry, Score, ScoreSheet
from tests.support.entries import entry_form
from tests.support.factories import make_contest, make_user
from tests.support.faults import ready_entry
from tests.support.judge_scenario import build, values
from tests.support.web import CSRF_RE, html, login

STALE_ENTRY = "Tác phẩm này đã được thay đổi ở một cửa sổ khác"

N = 10


@pytest.fixture
def postgres_only(db_backend):
    if db_backend != "postgres":
        pytest.skip("simultaneous writers are a PostgreSQL matter; SQLite serialises them")


def _fire(app, client, url: str, data) -> list[tuple[int, str, str]]:
    """POST a form N times at once from N threads of one browser session; ``data`` is one
    form for every thread, or a list of N forms."""
    barrier = threading.Barrier(N)
    out: list[tuple[int, str, str]] = []
    crashes: list[str] = []

    def post(index):
        form = data[index] if isinstance(data, list) else data
        barrier.wait(timeout=30)
        try:
            with app.app_context():
                response = client.post(url, data=form)
            out.append((response.status_code, response.headers.get("Location", ""),
                        html(response)))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            crashes.append(repr(exc))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert crashes == []
    assert len(out) == N
    return out


def test_ten_simultaneous_submits_of_one_entry_give_one_reference(app, postgres_only):
    contest = make_contest(ref_prefix="BLV2026")
    owner = make_user("tacgia@example.vn")
    entry = ready_entry(contest, owner)
    db.session.commit()
    entry_id = entry.id
    client = app.test_client()
    with app.app_context():
        assert login(client, owner.email).status_code == 302
        token = CSRF_RE.search(html(client.get(f"/entries/{entry_id}/submit"))).group(1)

    out = _fire(app, client, f"/entries/{entry_id}/submit",
                {"csrf_token": token, "version": "1"})

    statuses = sorted(status for status, _loc, _page in out)
    assert 500 not in statuses, [page[:200] for s, _l, page in out if s == 500]
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    assert (entry.status, entry.reference, entry.seq) == (Entry.SUBMITTED, "BLV2026-BI-001", 1)
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entry_id == entry_id)))
    assert actions == ["entry.submit"]
    assert verify_chain() == (1, None)
    # Every click lands on the entry's page (the late ones with "already submitted").
    assert statuses == [302] * N
    assert {loc for _s, loc, _p in out} == {f"/entries/{entry_id}"}


def test_ten_simultaneous_submits_of_one_score_sheet_lock_it_once(app, postgres_only):
    s = build(count=1)
    assignment_id, email = s.first.id, s.judge.email
    db.session.commit()
    url = f"/judge/assignments/{assignment_id}"
    client = app.test_client()
    with app.app_context():
        assert login(client, email).status_code == 302
        token = CSRF_RE.search(html(client.get(url))).group(1)

    out = _fire(app, client, url, {"csrf_token": token, **values(), "comment": "",
                                   "version": "0", "action": "submit"})

    winners = [o for o in out if o[0] == 302]
    losers = [o for o in out if o[0] != 302]
    assert len(winners) == 1
    assert {status for status, _l, _p in losers} == {409}
    for _status, _loc, page in losers:
        assert ("đã được thay đổi ở một thẻ hoặc cửa sổ khác" in page
                or "đã được nộp lúc" in page), page[:300]
    db.session.expire_all()
    sheet = db.session.scalars(sa.select(ScoreSheet)).one()
    assert (sheet.status, sheet.version, str(sheet.total)) == ("submitted", 1, "81.50")
    assert db.session.scalar(sa.select(sa.func.count(Score.id))) == 5
    assert list(db.session.scalars(sa.select(AuditEvent.action))) == ["score.submitted"]


def _signed_in(app, email: str, page: str):
    client = app.test_client()
    with app.app_context():
        assert login(client, email).status_code == 302
        token = CSRF_RE.search(html(client.get(page))).group(1)
    return client, token


def test_simultaneous_saves_of_one_entry_form_keep_one_and_refuse_the_rest(
        app, postgres_only):
    contest = make_contest()
    owner = make_user("tacgia@example.vn")
    entry = ready_entry(contest, owner)
    db.session.commit()
    entry_id, url = entry.id, f"/entries/{entry.id}/edit"
    client, token = _signed_in(app, owner.email, url)

    out = _fire(app, client, url, [
        {"csrf_token": token, **entry_form(contest, title=f"Tab {i}", version="1")}
        for i in range(N)])

    saved = [o for o in out if o[0] == 302]
    refused = [o for o in out if o[0] != 302]
    assert len(saved) == 1
    assert {o[0] for o in refused} == {409}
    assert all(STALE_ENTRY in page for _s, _l, page in refused)
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    assert (entry.version, entry.title.startswith("Tab ")) == (2, True)
    titles = {page.split('id="title"')[1].split('value="')[1].split('"')[0]
              for _s, _l, page in refused}
    assert entry.title not in titles and len(titles) == N - 1  # each keeps what it typed
    assert list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entry_id == entry_id))) == ["entry.update"]


def test_simultaneous_withdraws_of_one_entry_withdraw_it_once(app, postgres_only):
    contest = make_contest()
    owner = make_user("tacgia@example.vn")
    entry = ready_entry(contest, owner)
    db.session.commit()
    entry_id = entry.id
    client, token = _signed_in(app, owner.email, f"/entries/{entry_id}/submit")
    with app.app_context():
        assert client.post(f"/entries/{entry_id}/submit",
                           data={"csrf_token": token, "version": "1"}).status_code == 302

    out = _fire(app, client, f"/entries/{entry_id}/withdraw",
                {"csrf_token": token, "version": "2"})

    statuses = sorted(o[0] for o in out)
    assert statuses.count(302) == 1 and 500 not in statuses, statuses
    assert all(STALE_ENTRY in page for status, _l, page in out if status != 302)
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    assert (entry.status, entry.reference, entry.version) == (
        Entry.WITHDRAWN, "BLV2026-BI-001", 3)
    assert list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.entry_id == entry_id))) == ["entry.submit", "entry.withdraw"]
