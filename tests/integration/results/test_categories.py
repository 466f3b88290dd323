"""Prize categories beside the levels: proposed from the ranking or chosen by the council,
shown on the review page, frozen into the published list, the XLSX and the annex PDF."""

from __future__ import annotations

import io
import json
import subprocess

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AuditEvent, CategoryAward, PrizeCategory, ResultSnapshot
from tests.support.results import build
from tests.support.web import html, login, post_form

REVIEW = "/results/ha-tinh/review"


@pytest.fixture
def edition(app, client):
    contest, org, es = build()
    # es: BI 1-3 then AB 1-3; each has one author (the owner); give them distinct people.
    people = [("Nguyễn Văn Cao", "Cao Niên", 1941, "Báo Hà Tĩnh"),
              ("Trần Thị Trẻ", "Tuổi Xanh", 2001, "Đài PT-TH Hà Tĩnh"),
              ("Lê Văn Giữa", "", 1975, "Đài PT-TH Hà Tĩnh"),
              ("Phạm Văn Ảnh", "Ảnh Hồng", 1960, "Báo Hà Tĩnh"),
              ("Hoàng Văn Ảnh", "", 1980, "Đài PT-TH Hà Tĩnh"),
              ("Võ Thị Ảnh", "", 1990, "Tạp chí Hồng Lĩnh")]
    for entry, (full, pen, year, unit) in zip(es, people, strict=True):
        a = entry.authors[0]
        a.full_name, a.pen_name, a.year_of_birth, a.workplace = full, pen, year, unit
    for pos, (code, vi, recipient, decided, rule, count) in enumerate([
        ("CAO", "Giải tác giả cao tuổi nhất", "author", "ranking", "oldest_author", 1),
        ("TAPTHE", "Giải tập thể", "unit", "ranking", "best_units", 1),
        ("PCTN", "Giải chuyên đề phòng, chống tham nhũng", "work", "council", "", 1),
        ("NV", "Nhân vật tiêu biểu", "person", "council", "", 2),
    ]):
        contest.prize_categories.append(PrizeCategory(
            code=code, name_vi=vi, name_en=vi, recipient=recipient, decided_by=decided,
            rule=rule, count=count, position=pos))
    db.session.commit()
    login(client, "org@example.vn")
    return contest, es


def _post(client, data):
    return post_form(client, "/results/ha-tinh/categories", data, page=REVIEW)


def test_review_page_shows_proposals_from_the_ranking(edition, client):
    page = html(client.get(REVIEW))
    assert "Giải tác giả cao tuổi nhất" in page
    # Oldest: born 1941 (pen name as the lists publish it); collectives: Đài has 3 works.
    assert "<li>Cao Niên (sinh năm 1941)</li>" in page
    assert "<li>Đài PT-TH Hà Tĩnh</li>" in page
    assert "Hội đồng chọn" in page


def test_accepting_a_proposal_records_it_and_audits(edition, client):
    contest, es = edition
    response = _post(client, {"category": "CAO", "action": "accept"})
    assert response.status_code == 302
    award = db.session.query(CategoryAward).one()
    assert (award.recipient_name, award.entry_id, award.from_proposal) == (
        "Cao Niên", es[0].id, True)
    event = db.session.query(AuditEvent).filter_by(action="result.category_awarded").one()
    assert '"name":"Cao Niên"' in event.after


def test_council_choice_needs_a_reason_and_keeps_input(edition, client):
    contest, es = edition
    response = _post(client, {"category": "PCTN", "action": "award",
                              "reference": es[4].reference, "reason": ""})
    assert response.status_code == 422
    assert "Nêu lý do của Hội đồng cho giải này." in html(response)
    assert f'value="{es[4].reference}"' in html(response)
    assert db.session.query(CategoryAward).count() == 0
    response = _post(client, {"category": "PCTN", "action": "award",
                              "reference": es[4].reference,
                              "reason": "Phát hiện sai phạm, có hiệu quả xã hội"})
    assert response.status_code == 302
    award = db.session.query(CategoryAward).one()
    assert (award.entry_id, award.recipient_name, award.reason) == (
        es[4].id, es[4].title, "Phát hiện sai phạm, có hiệu quả xã hội")
    # One place only: a second work is refused.
    response = _post(client, {"category": "PCTN", "action": "award",
                              "reference": es[5].reference, "reason": "Cũng tốt"})
    assert response.status_code == 422
    assert db.session.query(CategoryAward).count() == 1


def test_person_prize_needs_the_work_they_appear_in(edition, client):
    contest, es = edition
    response = _post(client, {"category": "NV", "action": "award", "name": "Bà Nguyễn Thị Hoa",
                              "reason": "Gương người tốt việc tốt"})
    assert response.status_code == 422
    assert "Nhập mã hồ sơ của tác phẩm trong vòng chung khảo." in html(response)
    assert _post(client, {"category": "NV", "action": "award", "name": "Bà Nguyễn Thị Hoa",
                          "reference": es[1].reference,
                          "reason": "Gương người tốt việc tốt"}).status_code == 302
    assert db.session.query(CategoryAward).one().recipient_name == "Bà Nguyễn Thị Hoa"


def test_unknown_category_is_refused(edition, client):
    response = _post(client, {"category": "XYZ", "action": "accept"})
    assert response.status_code == 422
    assert "Chọn một giải của giải thưởng này." in html(response)


def test_published_list_xlsx_and_annex_show_the_categories(edition, client, app):
    contest, es = edition
    _post(client, {"category": "CAO", "action": "accept"})
    _post(client, {"category": "TAPTHE", "action": "accept"})
    _post(client, {"category": "PCTN", "action": "award", "reference": es[4].reference,
                   "reason": "Lý do nội bộ của Hội đồng"})
    post_form(client, "/results/ha-tinh/decision",
              {"number": "125-QĐ/TU", "decided_on": "2024-11-20"}, page=REVIEW)
    assert post_form(client, "/results/ha-tinh/publish", {}, page=REVIEW).status_code == 302
    payload = json.loads(db.session.query(ResultSnapshot).one().payload)
    assert [(c["code"], [w["name"] for w in c["winners"]]) for c in payload["categories"]] == [
        ("CAO", ["Cao Niên"]), ("TAPTHE", ["Đài PT-TH Hà Tĩnh"]), ("PCTN", [es[4].title]),
        ("NV", [])]
    page = html(app.test_client().get("/results/ha-tinh"))
    assert "Giải chuyên đề phòng, chống tham nhũng" in page and "Cao Niên" in page
    assert "Lý do nội bộ" not in page and "Nhân vật tiêu biểu" not in page  # none given

    wb = load_workbook(io.BytesIO(client.get("/results/ha-tinh/export/results.xlsx").data))
    rows = [[c.value for c in r] for r in wb["Giải khác"].iter_rows()]
    assert rows[0][:3] == ["STT", "Giải", "Người / đơn vị / tác phẩm nhận giải"]
    assert rows[3] == [3, "Giải chuyên đề phòng, chống tham nhũng", es[4].title, es[4].title,
                       es[4].reference, "Lý do nội bộ của Hội đồng"]

    pdf = client.get("/results/ha-tinh/export/annex.pdf").data
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Các giải khác" in text and "Đài PT-TH Hà Tĩnh" in text and "Cao Niên" in text
