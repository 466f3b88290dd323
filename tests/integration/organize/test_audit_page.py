"""Audit page: filters, newest first, chain status, CSV export."""

from __future__ import annotations

import csv
import io
import re

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent
from portal.organize.audit_trail import AUDIT_COLUMNS
from tests.support.organize import submitted
from tests.support.web import html


def _events(ed):
    a, b = submitted(ed, 2)
    audit.record("entry.submit", actor=ed.entrant, entry=a, obj=a, after={"status": "submitted"})
    audit.record("entry.submit", actor=ed.entrant, entry=b, obj=b, after={"status": "submitted"})
    audit.record("contest.settings_updated", actor=ed.organizer, contest=ed.contest,
                 before={"max_parts": 5}, after={"max_parts": 4})
    db.session.commit()
    return a, b


def _ids(page):
    return [int(x) for x in re.findall(r"<tr><td>(\d+)</td>", page)]


def test_audit_page_newest_first_and_filters(edition, client):
    _events(edition)
    page = html(client.get(edition.url("audit")))
    assert _ids(page) == [3, 2, 1]
    assert "chain-status" not in page  # the chain is walked only on request
    assert "Kiểm tra tính toàn vẹn của chuỗi nhật ký" in page
    checked = html(client.get(edition.url("audit") + "?verify=1"))
    assert "Chuỗi nhật ký nguyên vẹn (đã kiểm tra 3 sự kiện)." in checked
    assert _ids(html(client.get(edition.url("audit") + "?entry=blv2026-bi-002"))) == [2]
    assert _ids(html(client.get(edition.url("audit") + "?actor=BanToChuc@example.vn"))) == [3]
    assert _ids(html(client.get(edition.url("audit") + "?action=entry.submit"))) == [2, 1]


def test_audit_page_reports_a_broken_chain(edition, client):
    _events(edition)
    event = db.session.get(AuditEvent, 2)
    event.after = '{"status":"draft"}'  # tampering
    db.session.commit()
    page = html(client.get(edition.url("audit") + "?verify=1"))
    assert "Chuỗi nhật ký bị phá vỡ tại sự kiện 2" in page
    assert "alert-danger chain-status" in page


def test_audit_csv_bom_and_rows(edition, client):
    _events(edition)
    r = client.get(edition.url("audit.csv") + "?action=entry.submit")
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == list(AUDIT_COLUMNS)
    assert [(row[0], row[2], row[3], row[4], row[7]) for row in rows[1:]] == [
        ("2", "tacgia@example.vn", "entry.submit", "BLV2026-BI-002", '{"status":"submitted"}'),
        ("1", "tacgia@example.vn", "entry.submit", "BLV2026-BI-001", '{"status":"submitted"}'),
    ]


def test_audit_page_reads_as_sentences_with_the_changed_fields(edition, client):
    _events(edition)
    page = html(client.get(edition.url("audit")))
    assert "<td>Lê Thị Thư Ký sửa cấu hình kỳ giải</td>" in page
    assert "<div>max_parts: 5 → 4</div>" in page
    assert "<td>Nguyễn Văn Tác Giả nộp tác phẩm</td>" in page
    # The action filter names actions in words too; the raw record is one click away.
    assert '<option value="entry.submit" >nộp tác phẩm</option>' in page
    assert "<details><summary>Dữ liệu đã ghi</summary>" in page
