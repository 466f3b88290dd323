"""Genre, file slot and prize level editing."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, FileSlot, PrizeLevel
from tests.support.factories import genre
from tests.support.web import html, post_form


def _slot(ed, code="BI"):
    return genre(ed.contest, code).slots[0]


def test_structure_page_lists_genres_slots_and_quotas(edition, client):
    page = html(client.get(edition.url("structure")))
    assert "Báo in" in page and "Truyền hình" in page
    assert "4.096 MB" in page and "mp4" in page
    assert "Giải Khuyến khích" in page


def test_slot_edit_saves_and_audits(edition, client):
    slot = _slot(edition)
    url = edition.url(f"slots/{slot.id}")
    r = post_form(client, url, {"formats": "PDF, .jpg, pdf", "max_size_mb": "80",
                                "min_count": "1", "max_count": "3", "required": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    slot = db.session.get(FileSlot, slot.id)
    assert (slot.formats, slot.max_size, slot.min_count, slot.max_count, slot.required) == (
        "pdf,jpg", 80 * 1024 * 1024, 1, 3, True)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "slot.updated")).one()
    assert json.loads(event.before) == {"genre": "BI", "kind": "work", "formats": "pdf",
                                        "max_size": 50 * 1024 * 1024, "max_count": 5}
    assert json.loads(event.after) == {"genre": "BI", "kind": "work", "formats": "pdf,jpg",
                                       "max_size": 80 * 1024 * 1024, "max_count": 3}


def test_slot_edit_invalid_keeps_input_and_row(edition, client):
    slot = _slot(edition)
    r = post_form(client, edition.url(f"slots/{slot.id}"),
                  {"formats": "pdf; docx", "max_size_mb": "0", "min_count": "4",
                   "max_count": "2", "required": "y"})
    page = html(r)
    assert r.status_code == 422
    assert "Liệt kê các đuôi tệp, phân cách bằng dấu phẩy, ví dụ: pdf, jpg." in page
    assert "Dung lượng tối đa phải lớn hơn 0 MB." in page
    assert "Số tệp tối đa không được nhỏ hơn số tệp tối thiểu." in page
    assert 'value="pdf; docx"' in page
    db.session.expire_all()
    slot = db.session.get(FileSlot, slot.id)
    assert (slot.formats, slot.max_size, slot.min_count, slot.max_count) == (
        "pdf", 50 * 1024 * 1024, 1, 5)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_slot_of_another_edition_is_404(edition, client, app):
    from tests.support.factories import make_contest

    other = make_contest()
    db.session.commit()
    r = client.get(edition.url(f"slots/{other.genres[0].slots[0].id}"))
    assert r.status_code == 404


def test_level_edit_saves_min_score_and_quotas(edition, client):
    level = edition.contest.prize_levels[0]
    genres = edition.contest.genres
    data = {"min_score": "86.5", **{f"quota_{g.id}": str(i) for i, g in enumerate(genres)}}
    r = post_form(client, edition.url(f"levels/{level.id}"), data)
    assert r.status_code == 302
    db.session.expire_all()
    level = db.session.get(PrizeLevel, level.id)
    assert level.min_score == Decimal("86.5")
    assert {q.genre.code: q.quota for q in level.quotas} == {"BI": 0, "DT": 1, "TH": 2, "AB": 3}
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "prize_level.updated")).one()
    assert json.loads(event.after)["quotas"] == {"BI": 0, "DT": 1, "TH": 2, "AB": 3}
    assert json.loads(event.before)["min_score"] == "85.00"


def test_level_edit_negative_quota_refused(edition, client):
    level = edition.contest.prize_levels[0]
    genres = edition.contest.genres
    data = {"min_score": "150", **{f"quota_{g.id}": "-2" for g in genres}}
    r = post_form(client, edition.url(f"levels/{level.id}"), data)
    page = html(r)
    assert r.status_code == 422
    assert "Điểm tối thiểu phải từ 0 đến 100, hoặc để trống." in page
    assert page.count("Phải là số nguyên từ 0 trở lên.") == 4
    db.session.expire_all()
    level = db.session.get(PrizeLevel, level.id)
    assert level.min_score == Decimal("85")
    assert {q.quota for q in level.quotas} == {1}


def test_level_min_score_takes_a_decimal_comma_and_refuses_ambiguous_input(edition, client):
    """Issue 11: every decimal form field reads 72,5 and 72.5 alike and refuses 1.234,5."""
    level = edition.contest.prize_levels[0]
    quotas = {f"quota_{g.id}": "1" for g in edition.contest.genres}
    url = edition.url(f"levels/{level.id}")
    assert post_form(client, url, {"min_score": "72,5", **quotas}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PrizeLevel, level.id).min_score == Decimal("72.5")
    page = html(client.get(url))
    (tag,) = re.findall(r'<input[^>]*name="min_score"[^>]*>', page)
    assert 'value="72,5"' in tag and 'inputmode="decimal"' in tag and 'type="text"' in tag
    r = post_form(client, url, {"min_score": "1.234,5", **quotas})
    assert r.status_code == 422
    assert ("Điểm tối thiểu (để trống: không áp dụng): “1.234,5” có thể hiểu theo hai cách; "
            "hãy viết một dấu thập phân (ví dụ 7,5) và không dùng dấu phân cách hàng nghìn."
            ) in html(r)
    assert 'value="1.234,5"' in html(r)
    db.session.expire_all()
    assert db.session.get(PrizeLevel, level.id).min_score == Decimal("72.5")
    r = post_form(client, url, {"min_score": "12345678901234567890123456789,5555", **quotas})
    assert r.status_code == 422 and "chỉ dùng tối đa 2 chữ số thập phân" in html(r)
    assert post_form(client, url, {"min_score": "72.75", **quotas}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PrizeLevel, level.id).min_score == Decimal("72.75")
