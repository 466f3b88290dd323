"""Submitting, screening failures, reference codes, withdraw/reopen, the deadline, receipts."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.entries import services
from portal.extensions import db
from portal.models import AuditEvent, Entry
from portal.storage import get_storage
from tests.support.entries import audit_actions, entry_form
from tests.support.factories import add_verified_files, grant, make_contest, make_entry, make_user
from tests.support.web import html, post_form


def _ready_entry(contest, owner, **kw) -> Entry:
    entry = make_entry(contest, owner, **kw)
    add_verified_files(entry)
    db.session.commit()
    return entry


def _submit(client, entry):
    return post_form(client, f"/entries/{entry.id}/submit", {"version": str(entry.version)},
                     page=f"/entries/{entry.id}/submit")


def test_submit_gives_a_reference_and_writes_an_audit_event(signed_in, contest, entrant):
    entry = _ready_entry(contest, entrant, title="Người giữ lửa ở chi bộ vùng biên")
    response = _submit(signed_in, entry)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/entries/{entry.id}")
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.status, entry.reference, entry.seq) == (Entry.SUBMITTED, "BLV2026-BI-001", 1)
    assert entry.submitted_at is not None
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "entry.submit")).one()
    assert (event.entry_id, event.actor_id) == (entry.id, entrant.id)
    assert json.loads(event.before) == {"status": "draft", "reference": None}
    assert json.loads(event.after)["reference"] == "BLV2026-BI-001"
    page = html(signed_in.get(f"/entries/{entry.id}"))
    assert "Biên nhận" in page and "BLV2026-BI-001" in page
    assert "trang-bao-ky-1.pdf" in page


def test_references_count_per_genre(signed_in, contest, entrant):
    first = _ready_entry(contest, entrant)
    second = _ready_entry(contest, entrant, genre_code="TH")
    assert _submit(signed_in, first).status_code == 302
    assert _submit(signed_in, second).status_code == 302
    db.session.expire_all()
    assert [db.session.get(Entry, e.id).reference for e in (first, second)] == [
        "BLV2026-BI-001", "BLV2026-TH-001"]


def test_submit_lists_every_failure(signed_in, contest, entrant):
    staff = make_user(full_name="Phạm Văn Giám", year_of_birth=1970)
    grant(staff, contest, "judge")
    entry = make_entry(contest, entrant, parts=2, published_on=date(2025, 1, 5),
                       genre_code="DT", authors=[entrant, staff])
    entry.accepted_rules = entry.not_national_award = False
    entry.parts[1].url = ""
    db.session.commit()
    response = _submit(signed_in, entry)
    page = html(response)
    assert response.status_code == 422
    expected = [
        "Kỳ 1 đăng/phát ngày 05/01/2025, trước ngày bắt đầu tính giải 01/11/2025.",
        "Kỳ 2 đăng/phát ngày 05/01/2025, trước ngày bắt đầu tính giải 01/11/2025.",
        "Kỳ 2 cần có địa chỉ (URL) nơi bài được đăng.",
        "Phạm Văn Giám là thành viên Hội đồng giám khảo hoặc Ban Tổ chức của giải nên không "
        "được dự thi.",
        "Tệp capture: đã tải lên 0 tệp, cần ít nhất 2 tệp.",
        "Hãy xác nhận tác phẩm chưa đoạt Giải Báo chí Quốc gia.",
        "Bạn cần đồng ý với Thể lệ giải trước khi nộp tác phẩm.",
    ]
    for text in expected:
        assert text in page, text
    assert page.count('class="problem"') == len(expected)
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.status, entry.reference) == (Entry.DRAFT, None)
    assert audit_actions(entry.id) == []


def test_submitting_twice_changes_nothing_and_shows_the_receipt(signed_in, contest, entrant):
    entry = _ready_entry(contest, entrant)
    stale_version = entry.version
    assert _submit(signed_in, entry).status_code == 302
    again = signed_in.post(f"/entries/{entry.id}/submit", data={
        "csrf_token": _token(signed_in, entry), "version": str(stale_version)})
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/entries/{entry.id}")
    page = html(signed_in.get(again.headers["Location"]))
    assert "Tác phẩm này đã được nộp; đây là biên nhận của tác phẩm." in page
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).reference == "BLV2026-BI-001"
    assert audit_actions(entry.id) == ["entry.submit"]


def _token(client, entry):
    from tests.support.web import csrf_token

    return csrf_token(client, f"/entries/{entry.id}")


def test_withdraw_and_reopen_keep_the_reference(signed_in, contest, entrant):
    entry = _ready_entry(contest, entrant)
    assert _submit(signed_in, entry).status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    response = post_form(signed_in, f"/entries/{entry.id}/withdraw",
                         {"version": str(entry.version)}, page=f"/entries/{entry.id}")
    assert response.status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.status, entry.reference) == (Entry.WITHDRAWN, "BLV2026-BI-001")
    response = post_form(signed_in, f"/entries/{entry.id}/reopen",
                         {"version": str(entry.version)}, page=f"/entries/{entry.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/entries/{entry.id}/edit")
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.status, entry.reference) == (Entry.DRAFT, "BLV2026-BI-001")
    other = _ready_entry(contest, make_user())  # takes the next number meanwhile
    services.submit_entry(other, actor=other.owner, expected_version=None, storage=get_storage(),
                          now=datetime.now(UTC))
    db.session.commit()
    assert _submit(signed_in, entry).status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.status, entry.reference) == (Entry.SUBMITTED, "BLV2026-BI-001")
    assert db.session.get(Entry, other.id).reference == "BLV2026-BI-002"
    assert audit_actions(entry.id) == ["entry.submit", "entry.withdraw", "entry.reopen",
                                       "entry.submit"]


def test_after_the_deadline_every_post_is_refused(signed_in, entrant):
    now = datetime.now(UTC)
    contest = make_contest(submission_opens=now - timedelta(days=60),
                           submission_closes=now - timedelta(hours=1))
    draft = make_entry(contest, entrant, title="Bản nháp muộn")
    submitted = make_entry(contest, entrant, title="Đã nộp", status=Entry.SUBMITTED,
                           reference="BLV2026-BI-001", seq=1)
    db.session.commit()
    closes = contest.submission_closes.astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%H:%M %d/%m/%Y")
    message = f"Hạn nộp đã kết thúc lúc {closes}."
    attempts = [
        (f"/entries/{draft.id}/edit", entry_form(contest, title="Đổi tên",
                                                  version=str(draft.version))),
        (f"/entries/{draft.id}/submit", {"version": str(draft.version)}),
        (f"/entries/{draft.id}/delete", {"version": str(draft.version)}),
        (f"/entries/{submitted.id}/withdraw", {"version": str(submitted.version)}),
        (f"/entries/{submitted.id}/reopen", {"version": str(submitted.version)}),
    ]
    for url, data in attempts:
        response = post_form(signed_in, url, data, page="/entries/")
        assert response.status_code == 409, url
        assert message in html(response), url
    response = post_form(signed_in, f"/entries/new/{contest.slug}", entry_form(contest),
                         page="/entries/")
    assert response.status_code == 409
    assert message in html(response)
    db.session.expire_all()
    assert [(e.title, e.status, e.reference) for e in db.session.scalars(
        sa.select(Entry).order_by(Entry.id))] == [
        ("Bản nháp muộn", Entry.DRAFT, None), ("Đã nộp", Entry.SUBMITTED, "BLV2026-BI-001")]
    assert audit_actions() == []


def test_receipt_pdf_has_vietnamese_text(signed_in, contest, entrant):
    entry = _ready_entry(contest, entrant, title="Đảng viên trẻ nơi đầu sóng")
    assert _submit(signed_in, entry).status_code == 302
    response = signed_in.get(f"/entries/{entry.id}/receipt.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert "Biên nhận" in text
    assert "Đảng viên trẻ nơi đầu sóng" in text
    assert "BLV2026-BI-001" in text
    assert "Nguyễn Thị Hồng" in text


def test_receipt_pdf_of_a_draft_is_not_found(signed_in, contest, entrant):
    entry = make_entry(contest, entrant)
    db.session.commit()
    assert signed_in.get(f"/entries/{entry.id}/receipt.pdf").status_code == 404


def test_submit_sends_an_email_receipt(signed_in, contest, entrant, caplog):
    entry = _ready_entry(contest, entrant, title="Chuyện ở chi bộ bản")
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        assert _submit(signed_in, entry).status_code == 302
    mails = [r.getMessage() for r in caplog.records if r.name == "portal.mail"]
    assert len(mails) == 1
    assert f"To: {entrant.email}" in mails[0]
    assert "Biên nhận tác phẩm dự thi BLV2026-BI-001" in mails[0]
    assert "Chuyện ở chi bộ bản" in mails[0]


def test_concurrent_submits_get_distinct_sequential_references(app, db_backend):
    if db_backend != "postgres":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    contest = make_contest()
    ids = []
    for _ in range(10):
        owner = make_user()
        entry = make_entry(contest, owner)
        add_verified_files(entry)
        ids.append((entry.id, owner.id))
    db.session.commit()
    barrier = threading.Barrier(len(ids))
    errors = []

    def submit(entry_id, owner_id):
        with app.app_context():
            try:
                entry = db.session.get(Entry, entry_id)
                owner = entry.owner
                barrier.wait(timeout=30)
                services.submit_entry(entry, actor=owner, expected_version=None,
                                      storage=get_storage(), now=datetime.now(UTC))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (collected and asserted below)
                errors.append(repr(exc))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=pair) for pair in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    refs = sorted(db.session.scalars(sa.select(Entry.reference)))
    assert refs == [f"BLV2026-BI-{n:03d}" for n in range(1, 11)]
