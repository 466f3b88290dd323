"""Registry: filters, diacritic-insensitive search, CSV export, constant query count."""

from __future__ import annotations

import csv
import io
import re

from portal.extensions import db
from portal.models import Entry, EntryAuthor, EntryFile
from portal.organize.listing import REGISTRY_COLUMNS
from tests.support.factories import genre, make_entry, make_user
from tests.support.organize import submitted
from tests.support.web import html


def _refs(page: str) -> list[str]:
    return re.findall(r"<td>(BLV2026-[A-Z]+-\d+)</td>", page)


def _three(ed):
    a, b = submitted(ed, 2)
    a.title = "Xây dựng Đảng ở cơ sở"
    a.authors[0].full_name, a.authors[0].pen_name = "Nguyễn Văn Bình", "Minh Tâm"
    b.title = "Chuyện làng"
    b.eligibility = Entry.INELIGIBLE
    for p in b.parts:
        p.outlet = "Đài PT-TH Hà Tĩnh"
    c = make_entry(ed.contest, ed.entrant, genre_code="TH", status=Entry.SUBMITTED, parts=3,
                   reference="BLV2026-TH-001", seq=1, title="Phóng sự truyền hình")
    make_entry(ed.contest, ed.entrant, title="Bản nháp chưa nộp")
    db.session.commit()
    return a, b, c


def test_search_text_kept_current_by_listener(edition):
    (entry,) = submitted(edition)
    entry.authors[0].pen_name = "Hà Giang Xanh"
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert "ha giang xanh" in entry.search_text
    assert "nguyen van tac gia" in entry.search_text
    assert entry.search_text.startswith("blv2026-bi-001 | tac pham so")


def test_registry_hides_drafts_unless_asked(edition, client):
    _three(edition)
    page = html(client.get(edition.url("entries")))
    assert _refs(page) == ["BLV2026-BI-001", "BLV2026-BI-002", "BLV2026-TH-001"]
    assert "Bản nháp chưa nộp" not in page
    assert "Tổng cộng 3" in page
    page = html(client.get(edition.url("entries") + "?drafts=1"))
    assert "Bản nháp chưa nộp" in page and "Tổng cộng 4" in page


def test_registry_filters(edition, client):
    _three(edition)
    get = lambda q: _refs(html(client.get(edition.url("entries") + q)))  # noqa: E731
    assert get("?genre=TH") == ["BLV2026-TH-001"]
    assert get("?eligibility=ineligible") == ["BLV2026-BI-002"]
    assert get("?outlet=Đài PT-TH Hà Tĩnh") == ["BLV2026-BI-002"]
    assert get("?genre=BI&eligibility=pending") == ["BLV2026-BI-001"]


def test_registry_search_ignores_diacritics_and_case(edition, client):
    _three(edition)
    get = lambda q: _refs(html(client.get(edition.url("entries"), query_string={"q": q})))  # noqa: E731
    # Every entry names "Nguyễn Văn Tác Giả"; only the first also "Nguyễn Văn Bình".
    assert get("nguyen van") == ["BLV2026-BI-001", "BLV2026-BI-002", "BLV2026-TH-001"]
    assert get("nguyen van binh") == ["BLV2026-BI-001"]
    assert get("NGUYỄN VĂN BÌNH") == ["BLV2026-BI-001"]
    assert get("minh tam") == ["BLV2026-BI-001"]  # pen name
    assert get("xay dung dang") == ["BLV2026-BI-001"]
    assert get("dai pt-th ha tinh") == ["BLV2026-BI-002"]  # outlet
    assert get("100%") == []


def test_registry_row_shows_form_authors_and_duplicate_flag(edition, client):
    a, b, c = _three(edition)
    slot = genre(edition.contest, "BI").slots[0]
    for entry, key in ((a, "k1"), (b, "k2")):
        db.session.add(EntryFile(entry=entry, slot=slot, key=key, original_filename="x.pdf",
                                 sha256="ab" * 32, status=EntryFile.VERIFIED, size=10))
    db.session.commit()
    page = html(client.get(edition.url("entries")))
    row = page[page.index(f'data-entry="{c.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Loạt bài 3 kỳ" in row and "Nguyễn Văn Tác Giả" in row and "Hồng Lam" in row
    row_a = page[page.index(f'data-entry="{a.id}"'):]
    row_a = row_a[:row_a.index("</tr>")]
    assert "Trùng tệp với: BLV2026-BI-002" in row_a
    assert "<td>1 <span" in row_a  # one verified file


def test_registry_csv_bom_columns_and_values(edition, client):
    a, b, c = _three(edition)
    a.authors.append(EntryAuthor(full_name="Phạm Thị Hoa", pen_name="Hoa Phạm",
                                 year_of_birth=1990, phone="0912345678",
                                 email="hoa@example.vn", workplace="Báo Hà Tĩnh", position=1))
    db.session.commit()
    r = client.get(edition.url("entries.csv") + "?genre=BI")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == list(REGISTRY_COLUMNS)
    assert rows[0][:3] == ["Mã tác phẩm", "Tên tác phẩm", "Loại hình"]
    assert [row[0] for row in rows[1:]] == ["BLV2026-BI-001", "BLV2026-BI-002"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Tên tác phẩm"] == "Xây dựng Đảng ở cơ sở"
    assert first["Hình thức"] == "Tác phẩm đơn"
    assert first["Trạng thái"] == "Đã nộp" and first["Thẩm định"] == "Chờ thẩm định"
    assert first["Họ và tên tác giả"] == "Nguyễn Văn Bình; Phạm Thị Hoa"
    assert first["Bút danh"] == "Minh Tâm; Hoa Phạm"
    assert first["Điện thoại"] == f"{edition.entrant.phone}; 0912345678"
    assert first["Email"] == "tacgia@example.vn; hoa@example.vn"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["Thẩm định"] == "Không hợp lệ"
    assert second["Cơ quan báo chí"] == "Đài PT-TH Hà Tĩnh"


def _fill(ed, n):
    slot = genre(ed.contest, "BI").slots[0]
    entries = submitted(ed, n)
    for i, e in enumerate(entries):
        e.authors.append(EntryAuthor(full_name=f"Đồng tác giả {i}", position=1))
        db.session.add(EntryFile(entry=e, slot=slot, key=f"k{e.id}", original_filename="a.pdf",
                                 sha256=f"{i % 3:064d}", status=EntryFile.VERIFIED, size=1))
    db.session.commit()


def _count(queries, client, url):
    with queries() as q:
        r = client.get(url)
    assert r.status_code == 200
    return q.n


def test_registry_and_csv_query_count_constant(edition, client, queries):
    other = make_user()
    _fill(edition, 5)
    small = (_count(queries, client, edition.url("entries")),
             _count(queries, client, edition.url("entries.csv")))
    make_entry(edition.contest, other)  # a draft changes nothing
    _fill(edition, 195)
    large = (_count(queries, client, edition.url("entries")),
             _count(queries, client, edition.url("entries.csv")))
    assert small == large
    page = html(client.get(edition.url("entries")))
    assert "Tổng cộng 200" in page and len(_refs(page)) == 50
