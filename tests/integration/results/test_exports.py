"""Exports read back: XLSX with openpyxl, CSV with csv, PDF with pdftotext, ZIP manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import zipfile
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.exports.results_lists import DRAFT_MARK
from portal.extensions import db
from portal.models import Award, EntryFile, FileSlot, Round, User
from portal.results import services as results_services
from portal.storage import get_storage
from tests.support.results import build, build_82625
from tests.support.web import login, post_form


@pytest.fixture
def decided_edition(judged_edition):
    """The judged edition with its decision and one forwarded entry."""
    contest, es = judged_edition
    contest.decision_number = "125-QĐ/TU"
    contest.decision_date = date(2024, 11, 20)
    db.session.add(Award(contest_id=contest.id, entry_id=es[0].id, forwarded=True,
                         change_reason="", forward_reason=""))
    db.session.commit()
    return contest, es


def test_xlsx_sheets_values_and_number_types(decided_edition, client):
    contest, es = decided_edition
    response = client.get("/results/ha-tinh/export/results.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    # Not published yet: the lists are the live decision, marked as a draft.
    assert wb.sheetnames[:3] == ["Danh sách đạt giải (dự thảo)",
                                 "Chuyển vòng toàn quốc (dự thảo)", "Vòng 1 - Vòng sơ khảo"]
    assert wb.properties.title == DRAFT_MARK
    assert {"GK Trần Thị Giám Khảo", "GK Lê Văn Chấm"} <= set(wb.sheetnames)
    prizes = wb["Danh sách đạt giải (dự thảo)"]
    assert prizes.freeze_panes == "A2"
    header = [c.value for c in prizes[1]]
    assert header[:3] == ["STT", "Mức giải", "Tên tác phẩm"]
    first = [c.value for c in prizes[2]]
    assert first == [1, "Giải A", es[0].title, "Báo in", None, "Hồng Lĩnh Sơn", "Báo Hà Tĩnh",
                     es[0].reference, 94.5]
    assert isinstance(first[0], int) and isinstance(first[-1], float)
    forwarded = [c.value for c in wb["Chuyển vòng toàn quốc (dự thảo)"][2]]
    assert forwarded[2] == es[0].title
    matrix = wb["Vòng 1 - Vòng sơ khảo"]
    head = [c.value for c in matrix[1]]
    row = {h: c.value for h, c in zip(head, matrix[2], strict=False)}
    assert (row["Mã tác phẩm"], row["Trần Thị Giám Khảo"], row["Lê Văn Chấm"], row["Số phiếu"],
            row["Tổng điểm"], row["Điểm tổng hợp"], row["Xếp hạng"]) == (
        es[0].reference, 95.0, 94.0, 2, 189.0, 94.5, 1)
    judge = wb["GK Trần Thị Giám Khảo"]
    jhead = [c.value for c in judge[1]]
    assert jhead[-1] == "Tổng điểm" and "Chân thực, chính xác, khách quan" in jhead
    jrow = [c.value for c in judge[2]]
    assert jrow[:3] == [1, es[0].reference, es[0].title] and jrow[-1] == 95.0
    assert sum(jrow[3:-1]) == pytest.approx(95.0)


def test_csv_has_bom_and_rows(decided_edition, client):
    contest, es = decided_edition
    data = client.get("/results/ha-tinh/export/prizes.csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [DRAFT_MARK]  # not published yet: the live decision, a draft
    assert rows[1][:3] == ["STT", "Mức giải", "Tên tác phẩm"]
    assert rows[2] == ["1", "Giải A", es[0].title, "Báo in", "", "Hồng Lĩnh Sơn", "Báo Hà Tĩnh",
                       es[0].reference]
    assert len(rows) == 2 + 6  # A, B, B per genre
    fwd = list(csv.reader(io.StringIO(
        client.get("/results/ha-tinh/export/forwarded.csv").data.decode("utf-8-sig"))))
    assert [r[7] for r in fwd[2:]] == [es[0].reference]


def test_exports_of_a_published_edition_read_the_publication_snapshot(app, decided_edition,
                                                                     client):
    """After publication the exports are the published list, as frozen, with no draft mark,
    even when the live decision has changed since (until it is published again)."""
    contest, es = decided_edition
    org = db.session.scalar(sa.select(User).where(User.email == "org@example.vn"))
    with app.test_request_context():
        results_services.publish(contest, actor=org, now=datetime.now(UTC))
    db.session.commit()
    award = db.session.scalar(sa.select(Award).where(Award.entry_id == es[0].id))
    award.forwarded = False  # the live decision moves on after publication
    db.session.commit()
    fwd = list(csv.reader(io.StringIO(
        client.get("/results/ha-tinh/export/forwarded.csv").data.decode("utf-8-sig"))))
    assert fwd[0][:3] == ["STT", "Mức giải", "Tên tác phẩm"]
    assert [r[7] for r in fwd[1:]] == [es[0].reference]
    wb = load_workbook(io.BytesIO(client.get("/results/ha-tinh/export/results.xlsx").data))
    assert wb.sheetnames[:2] == ["Danh sách đạt giải", "Chuyển vòng toàn quốc"]
    assert wb["Chuyển vòng toàn quốc"]["C2"].value == es[0].title
    text = _pdf_text(client.get("/results/ha-tinh/export/annex.pdf").data)
    assert "DỰ THẢO" not in text and es[0].title in text


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["/usr/bin/pdftotext", "-layout", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode("utf-8")


def test_annex_pdf_text_has_diacritics_rows_and_page_numbers(decided_edition, client):
    contest, es = decided_edition
    response = client.get("/results/ha-tinh/export/annex.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    text = _pdf_text(response.data)
    assert "Danh sách tác phẩm đạt giải (dự thảo)" in text and "DỰ THẢO" in text
    assert "Quyết định số 125-QĐ/TU ngày 20/11/2024" in text
    assert "Hồng Lĩnh Sơn" in text and es[0].title in text
    assert "Trang 1 / 1" in text


def test_judge_sheets_pdf(decided_edition, client):
    contest, es = decided_edition
    from portal.models import Round, User

    rnd = db.session.query(Round).one()
    judge = db.session.query(User).filter_by(email="gk1@example.vn").one()
    response = client.get(f"/results/ha-tinh/export/rounds/{rnd.id}/judges/{judge.id}.pdf")
    text = _pdf_text(response.data)
    assert "Phiếu chấm điểm tác phẩm" in text and "Trần Thị Giám Khảo" in text
    assert "(Ký, ghi rõ họ tên)" in text and es[0].reference in text
    other = db.session.query(User).filter_by(email="org@example.vn").one()
    assert client.get(
        f"/results/ha-tinh/export/rounds/{rnd.id}/judges/{other.id}.pdf").status_code == 404


def test_nomination_zip_is_the_national_dossier_with_manifest_checksums(decided_edition, client):
    contest, es = decided_edition
    storage = get_storage()
    entry = es[0]
    slot = db.session.query(FileSlot).filter_by(genre_id=entry.genre_id, kind="work").one()
    blobs = {}
    for n, content in ((1, b"%PDF-1.4 part one " * 5000), (2, b"%PDF-1.4 part two")):
        key = f"{contest.slug}/{entry.id}/file{n}"
        storage.put_file(key, io.BytesIO(content), content_type="application/pdf")
        db.session.add(EntryFile(entry_id=entry.id, slot_id=slot.id, part_number=n, key=key,
                                 original_filename=f"../../bài {n}.pdf",
                                 content_type="application/pdf", size=len(content),
                                 sha256=hashlib.sha256(content).hexdigest(),
                                 status=EntryFile.VERIFIED))
        blobs[f"works/{entry.reference}/part-{n}.pdf"] = content
    db.session.commit()
    response = client.get("/results/ha-tinh/export/nomination.zip")
    assert response.is_streamed
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert zf.namelist() == ["quyet-dinh.pdf", "danh-sach-gui-giai-toan-quoc.xlsx", *blobs,
                             f"works/{entry.reference}/entry.json", "dossier.json",
                             "manifest.json"]
    manifest = json.loads(zf.read("manifest.json"))["files"]
    assert len(manifest) == len(zf.namelist()) - 1
    for row in manifest:
        data = zf.read(row["name"])
        assert row["sha256"] == hashlib.sha256(data).hexdigest() and row["size"] == len(data)
    for name, content in blobs.items():
        assert zf.read(name) == content
    assert json.loads(zf.read(f"works/{entry.reference}/entry.json"))["title"] == entry.title
    listing = load_workbook(io.BytesIO(zf.read("danh-sach-gui-giai-toan-quoc.xlsx")))
    assert listing.active["C2"].value == entry.title


def test_exports_are_for_organizers_only(app, client):
    build()
    from tests.support.factories import make_user

    make_user("x@example.vn")
    db.session.commit()
    login(client, "x@example.vn")
    for url in ("results.xlsx", "prizes.csv", "annex.pdf", "nomination.zip"):
        assert client.get(f"/results/ha-tinh/export/{url}").status_code == 404


def test_xlsx_rounds_half_up_like_excel(app, client):
    """Issue 11: a mean of 82.625 was written as 82.62 (float rounding)."""
    contest, work, _other, _judges = build_82625()
    login(client, "org@example.vn")
    wb = load_workbook(io.BytesIO(client.get("/results/ha-tinh/export/results.xlsx").data))
    matrix = wb["Vòng 1 - Vòng sơ khảo"]
    head = [c.value for c in matrix[1]]
    rows = [{h: c.value for h, c in zip(head, r, strict=False)} for r in matrix.iter_rows(2)]
    (row,) = [r for r in rows if r["Mã tác phẩm"] == work.reference]
    assert (row["Điểm tổng hợp"], row["Tổng điểm"]) == (82.63, 330.5)


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_annex_and_sheets_are_party_documents_never_the_state_motto(decided_edition, client, app):
    """Issue 10.8: the annex carried "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", the state motto."""
    contest, es = decided_edition
    contest.issuing_body = "Tỉnh ủy Hà Tĩnh / Ban Thường vụ"
    contest.document_place = "Hà Tĩnh"
    contest.organizing_body = "Ban Tổ chức Giải"
    db.session.commit()
    text = _pdf_text(client.get("/results/ha-tinh/export/annex.pdf").data)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("TỈNH ỦY HÀ TĨNH") and lines[0].endswith("ĐẢNG CỘNG SẢN VIỆT NAM")
    assert lines[1].startswith("BAN THƯỜNG VỤ")
    assert lines[1].endswith("Hà Tĩnh, ngày 20 tháng 11 năm 2024")
    assert "Ban Tổ chức Giải" in text
    assert "Kèm theo Quyết định số 125-QĐ/TU ngày 20/11/2024" in text
    rnd = db.session.query(Round).one()
    judge = db.session.query(User).filter_by(email="gk1@example.vn").one()
    sheets = _pdf_text(client.get(
        f"/results/ha-tinh/export/rounds/{rnd.id}/judges/{judge.id}.pdf").data)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in sheets and "TỈNH ỦY HÀ TĨNH" in sheets
    for pdf in (text, sheets):
        assert "CỘNG HÒA" not in pdf and "Độc lập" not in pdf


def test_public_page_credits_the_issuing_body(decided_edition, client, app):
    contest, es = decided_edition
    contest.issuing_body = "TỈNH ỦY HÀ TĨNH / BAN THƯỜNG VỤ"
    db.session.commit()
    assert post_form(client, "/results/ha-tinh/publish", {},
                     page="/results/ha-tinh/review").status_code == 302
    page = app.test_client().get("/results/ha-tinh").get_data(as_text=True)
    assert "Cơ quan ban hành: TỈNH ỦY HÀ TĨNH – BAN THƯỜNG VỤ" in page


def test_winners_sheet_has_every_authors_contact_and_money_share(decided_edition, client):
    """Issue 10.7: certificates and payment need each author's data and share of the prize."""
    from decimal import Decimal

    from portal.models import EntryAuthor, PrizeLevel

    contest, es = decided_edition
    db.session.query(PrizeLevel).filter_by(contest_id=contest.id, code="A").one().amount_vnd = (
        5_000_000)
    es[0].authors.append(EntryAuthor(position=1, full_name="Lê Thị Đồng Tác", pen_name="",
                                     year_of_birth=1990, workplace="Đài PT-TH Hà Tĩnh",
                                     phone="0987654321", email="dongtac@example.vn"))
    db.session.commit()
    wb = load_workbook(io.BytesIO(client.get("/results/ha-tinh/export/results.xlsx").data))
    rows = [[c.value for c in r] for r in wb["Tác giả đạt giải"].iter_rows()]
    assert rows[0] == ["STT", "Mức giải", "Mã hồ sơ", "Tên tác phẩm", "Họ và tên", "Bút danh",
                       "Năm sinh", "Cơ quan, nơi công tác", "Điện thoại", "Email",
                       "Tiền thưởng (đồng)"]
    first = [r for r in rows[1:] if r[2] == es[0].reference]
    assert first == [
        [1, "Giải A", es[0].reference, es[0].title, "Phạm Văn Tác Giả", "Hồng Lĩnh Sơn", 1977,
         "Báo Hà Tĩnh", "0912345678", "tacgia@example.vn", 2_500_000],
        [2, "Giải A", es[0].reference, es[0].title, "Lê Thị Đồng Tác", None, 1990,
         "Đài PT-TH Hà Tĩnh", "0987654321", "dongtac@example.vn", 2_500_000]]
    # The group split it 70/30: the sheet follows.
    es[0].authors[0].prize_share, es[0].authors[1].prize_share = Decimal(70), Decimal(30)
    db.session.commit()
    wb = load_workbook(io.BytesIO(client.get("/results/ha-tinh/export/results.xlsx").data))
    shares = [r[10] for r in wb["Tác giả đạt giải"].iter_rows(values_only=True)
              if r[2] == es[0].reference]
    assert shares == [3_500_000, 1_500_000]
    # Every other prize-winning work's author is listed too (level B has no amount set).
    assert len(list(wb["Tác giả đạt giải"].iter_rows())) - 1 == 7


@pytest.mark.parametrize("style,expected", [
    ("pen", "Hồng Lĩnh Sơn"), ("full", "Phạm Văn Tác Giả"),
    ("full_pen", "Phạm Văn Tác Giả (Hồng Lĩnh Sơn)")])
def test_public_list_and_annex_print_names_as_the_edition_says(decided_edition, client, app, style,
                                                                expected):
    contest, es = decided_edition
    contest.name_style = style
    db.session.commit()
    annex = _pdf_text(client.get("/results/ha-tinh/export/annex.pdf").data)
    assert expected.split(" (")[0] in annex  # a long cell wraps: check its first part
    assert ("(Hồng Lĩnh" in annex) == (style == "full_pen")
    assert ("Phạm Văn Tác Giả" in annex) == (style != "pen")
    assert post_form(client, "/results/ha-tinh/publish", {},
                     page="/results/ha-tinh/review").status_code == 302
    page = app.test_client().get("/results/ha-tinh").get_data(as_text=True)
    assert f">{expected}</td>" in page  # the authors cell, exactly
    if style == "pen":
        assert "Phạm Văn Tác Giả" not in page


def test_shares_must_add_up_to_100_and_keep_input(decided_edition, client):
    from decimal import Decimal

    from portal.models import EntryAuthor

    contest, es = decided_edition
    es[0].authors.append(EntryAuthor(position=1, full_name="Lê Thị Đồng Tác"))
    db.session.commit()
    a, b = es[0].authors
    url = f"/results/ha-tinh/entries/{es[0].id}"
    response = post_form(client, url + "/shares", {f"share_{a.id}": "60,5",
                                                   f"share_{b.id}": "30"}, page=url)
    assert response.status_code == 422
    assert "cộng lại bằng 100" in response.get_data(as_text=True)
    assert 'value="60,5"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert [x.prize_share for x in db.session.get(type(es[0]), es[0].id).authors] == [None, None]
    response = post_form(client, url + "/shares", {f"share_{a.id}": "69,5",
                                                   f"share_{b.id}": "30.5"}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert [x.prize_share for x in db.session.get(type(es[0]), es[0].id).authors] == [
        Decimal("69.5"), Decimal("30.5")]
