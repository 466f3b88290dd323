"""The closing report read back with pdftotext: its numbers against the database."""

from __future__ import annotations

import re
import subprocess

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Entry
from portal.results.services import compute_round
from portal.stats.judging import load_round
from tests.integration.stats.helpers import build
from tests.support.factories import make_user
from tests.support.results import sheet
from tests.support.web import login


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True, text=True)
    return out.stdout


def _judged_world():
    contest, es, (r1, r2) = build()
    judges = [make_user(full_name=f"Giám Khảo {i}", email=f"gk{i}@example.vn") for i in (1, 2)]
    r2.panels[0].judges = judges
    for name, totals in (("p1", (95, 94)), ("p4", (90, 88)), ("p9", (60, 62))):
        for judge, total in zip(judges, totals, strict=True):
            sheet(r2, es[name], judge, total)
    db.session.commit()
    return contest, es, r2.id


def test_closing_report_numbers_match_the_database(app, client, tmp_path):
    contest, es, r2_id = _judged_world()
    login(client, "org@example.vn")
    response = client.get("/results/ha-tinh/export/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('ha-tinh-bao-cao-tong-ket.pdf"')
    text = _text(response.data, tmp_path)
    flat = re.sub(r"\s+", " ", text)

    received = db.session.scalar(sa.select(sa.func.count(Entry.id)).where(
        Entry.contest_id == contest.id, Entry.status == Entry.SUBMITTED))
    eligible = db.session.scalar(sa.select(sa.func.count(Entry.id)).where(
        Entry.contest_id == contest.id, Entry.status == Entry.SUBMITTED,
        Entry.eligibility == Entry.ELIGIBLE))
    ineligible = db.session.scalar(sa.select(sa.func.count(Entry.id)).where(
        Entry.contest_id == contest.id, Entry.status == Entry.SUBMITTED,
        Entry.eligibility == Entry.INELIGIBLE))
    assert (received, eligible, ineligible) == (9, 5, 3)
    # the Party header, never the state motto
    assert "BAN TUYÊN GIÁO VÀ DÂN VẬN TỈNH ỦY" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA" not in text
    assert f"Ban Tổ chức đã nhận {received} tác phẩm dự giải của 2 cơ quan, đơn vị" in flat
    assert "(kỳ trước: 3 tác phẩm)" in flat
    assert f"Hợp lệ: {eligible} tác phẩm; không hợp lệ: {ineligible} tác phẩm" in flat
    assert re.search(r"Đăng ngoài thời gian quy định\s+2", text)
    # per medium: print has 2 single works and 1 series
    assert re.search(r"Báo in\s+2\s+1\s+3", text)
    # rounds: the final round has 3 entries, 1 panel, 2 judges, 6 sheets, none left
    assert re.search(r"Vòng chung\s+3\s+1\s+2\s+6\s+0\s+0\s+0\s+khảo", text)
    # agreement per panel (Kendall's W) as the results area computes it
    (_panel, w), = compute_round(load_round(contest, r2_id)).agreement
    assert f"Vòng chung khảo, Tiểu ban 1: {w:.2f}".replace(".", ",") in flat
    # prizes as decided: p1 and p4 recorded as A and B have no change reason, so the
    # proposal decides: 94.5 → A (print), 89 → A (TV); 61 is under every minimum
    assert "Tổng số giải: 2; số tác phẩm gửi dự Giải toàn quốc: 2" in flat
    assert re.search(r"Giải A\s+1\s+0\s+1\s+0\s+2", text)
    # the annex lists the prize-winning works by title
    annex = text.split("PHỤ LỤC", 1)[1]
    assert es["p1"].title in annex and es["p4"].title in annex and es["p9"].title not in annex
    # the charts are in the PDF (their titles are text in the SVG)
    assert "Từ tiếp nhận đến gửi dự Giải toàn quốc" in flat
    assert "Trang 1 /" in text


def test_closing_report_is_vietnamese_for_an_english_reader(app, client, tmp_path):
    _judged_world()
    login(client, "org@example.vn")
    with client.session_transaction() as session:
        session["lang"] = "en"
    text = _text(client.get("/results/ha-tinh/export/report.pdf").data, tmp_path)
    assert "Tác phẩm theo cơ quan, đơn vị" in text
    assert "Entries by agency" not in text and "Received" not in text


