"""The registry of entries: filters, pages, duplicates and its CSV."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from judging.text import search_key
from portal.exports.cells import csv_bytes
from portal.extensions import db
from portal.files.services import same_content
from portal.models import (
    Contest,
    Entry,
    EntryFile,
    EntryPart,
    Genre,
)

PAGE_SIZE = 50  # rows per page of the registry, screening and audit lists

@dataclass
class RegistryFilter:
    genre: str = ""
    status: str = ""
    eligibility: str = ""
    outlet: str = ""
    q: str = ""
    include_drafts: bool = False


def registry_select(contest: Contest, f: RegistryFilter) -> sa.Select:
    stmt = sa.select(Entry).where(Entry.contest_id == contest.id)
    if f.status:
        stmt = stmt.where(Entry.status == f.status)
    elif f.include_drafts:
        stmt = stmt.where(Entry.status != Entry.DELETED)
    else:
        stmt = stmt.where(Entry.status.not_in((Entry.DRAFT, Entry.DELETED)))
    if f.genre:
        stmt = stmt.where(Entry.genre_id.in_(
            sa.select(Genre.id).where(Genre.contest_id == contest.id, Genre.code == f.genre)))
    if f.eligibility:
        stmt = stmt.where(Entry.eligibility == f.eligibility)
    if f.outlet:
        stmt = stmt.where(
            sa.exists().where(EntryPart.entry_id == Entry.id, EntryPart.outlet == f.outlet)
        )
    key = search_key(f.q or "")
    if key:
        stmt = stmt.where(Entry.search_text.contains(key, autoescape=True))
    return stmt


def in_registry_order(stmt: sa.Select) -> sa.Select:
    return stmt.order_by(Entry.reference.is_(None), Entry.reference, Entry.id)


def _with_details(stmt: sa.Select) -> sa.Select:
    return stmt.options(so.selectinload(Entry.authors), so.selectinload(Entry.parts),
                        so.joinedload(Entry.genre))


def registry_page(contest: Contest, f: RegistryFilter, page: int) -> tuple[list[Entry], int]:
    """One page (PAGE_SIZE) of the filtered registry and the total count."""
    stmt = registry_select(contest, f)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        _with_details(in_registry_order(stmt)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).unique().all()
    return list(rows), total


def registry_all(contest: Contest, f: RegistryFilter) -> list[Entry]:
    return list(db.session.scalars(_with_details(in_registry_order(registry_select(contest, f))))
                .unique().all())


def outlets_of(contest: Contest) -> list[str]:
    return list(db.session.scalars(
        sa.select(EntryPart.outlet).join(Entry).where(Entry.contest_id == contest.id,
                                                      EntryPart.outlet != "")
        .distinct().order_by(EntryPart.outlet)
    ))


def verified_file_counts(entry_ids) -> dict[int, int]:
    if not entry_ids:
        return {}
    rows = db.session.execute(
        sa.select(EntryFile.entry_id, sa.func.count(EntryFile.id))
        .where(EntryFile.entry_id.in_(entry_ids), EntryFile.status == EntryFile.VERIFIED)
        .group_by(EntryFile.entry_id)
    )
    return {eid: n for eid, n in rows}


def duplicate_files(contest: Contest, entry_ids) -> dict[int, list[str]]:
    """Entry id -> references of OTHER entries of the edition holding a verified identical file.

    A file is a duplicate when it holds the same content as a verified file of another
    entry in the same edition: equal sha256, or equal store ETag and size while one of
    them has no sha256 yet (portal.files.services.same_content). One query whatever the
    number of entries.
    """
    if not entry_ids:
        return {}
    mine, other = so.aliased(EntryFile), so.aliased(EntryFile)
    other_entry = so.aliased(Entry)
    rows = db.session.execute(
        sa.select(mine.entry_id, other_entry.reference, other_entry.id)
        .join(other, sa.and_(same_content(mine, other), other.entry_id != mine.entry_id,
                             other.status == EntryFile.VERIFIED))
        .join(other_entry, other_entry.id == other.entry_id)
        .where(mine.entry_id.in_(entry_ids), mine.status == EntryFile.VERIFIED,
               other_entry.contest_id == contest.id)
        .distinct()
    )
    out: dict[int, set[str]] = defaultdict(set)
    for eid, ref, oid in rows:
        out[eid].add(ref or f"#{oid}")
    return {eid: sorted(refs) for eid, refs in out.items()}


def form_label(entry: Entry) -> str:
    """The published "form" of a work: "Loạt bài 3 kỳ" for a series, "Tác phẩm đơn" otherwise."""
    if entry.form == Entry.SERIES or entry.parts_count > 1:
        return f"{entry.genre.series_word_vi} {entry.parts_count} {entry.genre.part_word_vi}"
    return _("Single work")


def agencies(entry: Entry) -> str:
    return ", ".join(dict.fromkeys(p.outlet for p in entry.parts if p.outlet))


# Column headers and values of the CSV exports are Vietnamese whatever the UI language:
# the secretariat files and prints them.
STATUS_VI = {Entry.DRAFT: "Bản nháp", Entry.SUBMITTED: "Đã nộp", Entry.WITHDRAWN: "Đã rút",
             Entry.DELETED: "Đã xóa"}
ELIGIBILITY_VI = {Entry.PENDING: "Chờ thẩm định", Entry.ELIGIBLE: "Hợp lệ",
                  Entry.INELIGIBLE: "Không hợp lệ"}
REGISTRY_COLUMNS = (
    "Mã tác phẩm", "Tên tác phẩm", "Loại hình", "Hình thức", "Cơ quan báo chí", "Trạng thái",
    "Thẩm định", "Lý do", "Ngày nộp", "Số tệp đã xác minh", "Trùng tệp với", "Họ và tên tác giả",
    "Bút danh", "Năm sinh", "Chức danh", "Nơi công tác", "Điện thoại", "Email",
)


def registry_csv(contest: Contest, entries: list[Entry]) -> bytes:
    """The registry as CSV: UTF-8 with BOM (so Excel shows Vietnamese), one row per entry,
    several authors joined with "; " in each author column. Organizers only: personal data."""
    ids = [e.id for e in entries]
    counts, dups = verified_file_counts(ids), duplicate_files(contest, ids)

    def authors(entry, attr):
        return "; ".join("" if getattr(a, attr) is None else str(getattr(a, attr))
                         for a in entry.authors)

    rows = []
    for e in entries:
        submitted = (e.submitted_at.astimezone(ZoneInfo(contest.timezone))
                     .strftime("%H:%M %d/%m/%Y") if e.submitted_at else "")
        series = e.form == Entry.SERIES or e.parts_count > 1
        form = (f"{e.genre.series_word_vi} {e.parts_count} {e.genre.part_word_vi}" if series
                else "Tác phẩm đơn")
        rows.append([
            e.reference or "", e.title, e.genre.name_vi, form, agencies(e),
            STATUS_VI.get(e.status, e.status), ELIGIBILITY_VI.get(e.eligibility, e.eligibility),
            e.eligibility_reason, submitted, counts.get(e.id, 0), ", ".join(dups.get(e.id, [])),
            authors(e, "full_name"), authors(e, "pen_name"), authors(e, "year_of_birth"),
            authors(e, "title"), authors(e, "workplace"), authors(e, "phone"),
            authors(e, "email"),
        ])
    return csv_bytes(REGISTRY_COLUMNS, rows)
