"""Exports read back: XLSX with openpyxl, CSV with csv, PDF with pdftotext, ZIP manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import zipfile
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.exports.results_lists import DRAFT_MARK
from portal.extensions import db
from portal.models import Award, EntryFile, FileSlot, User
from portal.results import services as results_services
from portal.storage import get_storage
from tests.support.results import build, build_82625
from tests.support.web import login


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


def test_nomination_zip_streams_files_with_manifest_checksums(decided_edition, client):
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
        blobs[f"{entry.reference}/part-{n}.pdf"] = content
    db.session.commit()
    response = client.get("/results/ha-tinh/export/nomination.zip")
    assert response.is_streamed
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    names = zf.namelist()
    assert names == ["danh-sach-chuyen-vong-toan-quoc.xlsx", *blobs, "manifest.csv"]
    manifest = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
    for row in manifest:
        stored = b"".join(storage.iter_chunks(row["file"].replace(
            f"{entry.reference}/part-", f"{contest.slug}/{entry.id}/file").removesuffix(".pdf")))
        assert row["sha256"] == hashlib.sha256(stored).hexdigest() == row[
            "sha256_recorded_at_upload"]
        assert zf.read(row["file"]) == blobs[row["file"]]
    listing = load_workbook(io.BytesIO(zf.read("danh-sach-chuyen-vong-toan-quoc.xlsx")))
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
