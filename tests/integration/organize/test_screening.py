"""Screening: checks, one and bulk rulings, reasons, audit before/after, e-mail."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Entry, EntryFile
from portal.organize.rulings import rule_entries
from tests.support.factories import genre, make_entry
from tests.support.organize import count_get, submitted
from tests.support.smtp import smtp_server  # noqa: F401  (fixture)
from tests.support.web import html, post_form


@pytest.fixture
def app_config(smtp_server):  # noqa: F811
    return smtp_server.app_config()


def _state(entry_id):
    db.session.expire_all()
    e = db.session.get(Entry, entry_id)
    return e.eligibility, e.eligibility_reason


def _rulings():
    return [(json.loads(e.before), json.loads(e.after)) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "entry.ruled")
        .order_by(AuditEvent.id))]


def test_screening_read_only_before_close(edition, client):
    (entry,) = submitted(edition)
    page = html(client.get(edition.url("screening")))
    assert "Đến lúc đó danh sách này chỉ để xem." in page
    assert 'name="entry_ids"' not in page
    r = post_form(client, edition.url(f"screening/{entry.id}"),
                  {"ruling": "eligible", "reason": ""}, page=edition.url("screening"))
    assert r.status_code == 422
    assert "Việc thẩm định bắt đầu khi hết hạn nhận tác phẩm" in html(r)
    assert _state(entry.id) == ("pending", "")


def test_screening_shows_automatic_problems_and_duplicates(closed_edition, client):
    a, b = submitted(closed_edition, 2)
    slot = genre(closed_edition.contest, "BI").slots[0]
    for entry, key in ((a, "k1"), (b, "k2")):
        db.session.add(EntryFile(entry=entry, slot=slot, key=key, original_filename="x.pdf",
                                 sha256="cd" * 32, status=EntryFile.VERIFIED, size=10))
    db.session.commit()
    page = html(client.get(closed_edition.url("screening")))
    # Same author on both entries: the cap of 2 is kept, no window problem fires.
    assert "Đạt các kiểm tra tự động" in page
    assert "Trùng tệp với: BLV2026-BI-002" in page and "Trùng tệp với: BLV2026-BI-001" in page
    c = submitted(closed_edition, 1)[0]  # third entry of the same author: over the cap of 2
    page = html(client.get(closed_edition.url(f"screening/{c.id}")))
    assert ("Nguyễn Văn Tác Giả sẽ có tên trong 3 tác phẩm; mỗi tác giả chỉ được đứng tên "
            "tối đa 2 tác phẩm.") in page


def test_rule_one_entry_eligible_and_mail(closed_edition, client, smtp_server):  # noqa: F811
    (entry,) = submitted(closed_edition)
    r = post_form(client, closed_edition.url(f"screening/{entry.id}"),
                  {"ruling": "eligible", "reason": ""})
    assert r.status_code == 302
    assert _state(entry.id) == ("eligible", "")
    assert _rulings() == [({"eligibility": "pending", "reason": ""},
                           {"eligibility": "eligible", "reason": ""})]
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["tacgia@example.vn"]
    assert mail.subject == "Kết quả thẩm định tác phẩm BLV2026-BI-001"
    assert "tác phẩm hợp lệ." in mail.body


def test_ineligible_without_reason_refused(closed_edition, client):
    (entry,) = submitted(closed_edition)
    r = post_form(client, closed_edition.url(f"screening/{entry.id}"),
                  {"ruling": "ineligible", "reason": "   "})
    assert r.status_code == 422
    assert "Hãy nêu lý do tác phẩm không hợp lệ; tác giả sẽ đọc lý do này." in html(r)
    assert _state(entry.id) == ("pending", "")
    assert _rulings() == []


def test_bulk_ruling_with_one_reason(closed_edition, client, smtp_server):  # noqa: F811
    a, b, c = submitted(closed_edition, 3)
    r = post_form(client, closed_edition.url("screening"),
                  {"entry_ids": [str(a.id), str(c.id)], "ruling": "ineligible",
                   "reason": "Đăng ngoài thời gian quy định"}, follow_redirects=True)
    assert "Đã thẩm định 2 tác phẩm." in html(r)
    assert _state(a.id) == ("ineligible", "Đăng ngoài thời gian quy định")
    assert _state(b.id) == ("pending", "")
    assert _state(c.id) == ("ineligible", "Đăng ngoài thời gian quy định")
    mails = smtp_server.wait_for(2)
    assert sorted(m.subject for m in mails) == ["Kết quả thẩm định tác phẩm BLV2026-BI-001",
                                                "Kết quả thẩm định tác phẩm BLV2026-BI-003"]
    assert all("Lý do: Đăng ngoài thời gian quy định" in m.body for m in mails)


def test_bulk_without_reason_keeps_selection(closed_edition, client):
    a, b = submitted(closed_edition, 2)
    r = post_form(client, closed_edition.url("screening"),
                  {"entry_ids": [str(b.id)], "ruling": "ineligible", "reason": ""})
    page = html(r)
    assert r.status_code == 422
    assert f'value="{b.id}" id="sel-{b.id}" checked' in page
    assert f'value="{a.id}" id="sel-{a.id}"  aria' in page
    assert _state(b.id) == ("pending", "")


def test_change_of_ruling_needs_reason_and_is_audited(closed_edition, client):
    (entry,) = submitted(closed_edition)
    url = closed_edition.url(f"screening/{entry.id}")
    post_form(client, url, {"ruling": "eligible", "reason": ""})
    r = post_form(client, url, {"ruling": "ineligible", "reason": ""})
    assert r.status_code == 422
    assert _state(entry.id) == ("eligible", "")
    post_form(client, url,
              {"ruling": "ineligible", "reason": "Tác phẩm đã đạt Giải Báo chí Quốc gia"})
    assert _state(entry.id) == ("ineligible", "Tác phẩm đã đạt Giải Báo chí Quốc gia")
    assert _rulings()[-1] == (
        {"eligibility": "eligible", "reason": ""},
        {"eligibility": "ineligible", "reason": "Tác phẩm đã đạt Giải Báo chí Quốc gia"})
    page = html(client.get(url))
    assert "Lịch sử thẩm định" in page
    # The history reads as sentences, not JSON (issue 11).
    assert ("Lê Thị Thư Ký đổi kết quả thẩm định từ “Hợp lệ” sang “Không hợp lệ”. "
            "Lý do: Tác phẩm đã đạt Giải Báo chí Quốc gia") in page
    assert "Lê Thị Thư Ký kết luận tác phẩm “Hợp lệ”." in page
    assert '{"eligibility"' not in page and "&#34;eligibility&#34;" not in page


def test_rule_entries_refuses_drafts_and_withdrawn(closed_edition, app):
    draft = make_entry(closed_edition.contest, closed_edition.entrant)
    (withdrawn,) = submitted(closed_edition, 1)
    withdrawn.status = Entry.WITHDRAWN
    db.session.commit()
    now = datetime.now(UTC)
    ctx = app.test_request_context()
    ctx.push()
    for entry in (draft, withdrawn):
        with pytest.raises(DomainError) as exc:
            rule_entries(entries=[entry], ruling="eligible", reason="",
                         actor=closed_edition.organizer, now=now)
        assert "Chỉ thẩm định được tác phẩm đã nộp" in str(exc.value)
    with pytest.raises(DomainError):
        rule_entries(entries=[withdrawn], ruling="eligible", reason="x",
                     actor=closed_edition.organizer,
                     now=closed_edition.contest.submission_closes.replace(year=2000))
    ctx.pop()
    assert _rulings() == []


def test_screening_query_count_constant(closed_edition, client, queries):
    slot = genre(closed_edition.contest, "BI").slots[0]

    def fill(n):
        for i, e in enumerate(submitted(closed_edition, n)):
            db.session.add(EntryFile(entry=e, slot=slot, key=f"k{e.id}", original_filename="a.pdf",
                                     sha256=f"{i % 4:064d}", status=EntryFile.VERIFIED, size=1))
        db.session.commit()

    fill(5)
    small = count_get(queries, client, closed_edition.url("screening"))
    fill(195)
    large = count_get(queries, client, closed_edition.url("screening"))
    assert small == large
    assert "Tổng cộng 200" in html(client.get(closed_edition.url("screening")))
