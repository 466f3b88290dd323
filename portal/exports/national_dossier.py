"""The province's dossier for the national award: a ZIP written to a temporary file (never
held in memory) with, per work sent, its data as JSON and its files, the province's decision
PDF and a manifest holding the sha256 of every member."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
import sqlalchemy.orm as so
from openpyxl import Workbook

from portal.exports.cells import xlsx_row
from portal.exports.results_lists import DRAFT_MARK, HEADERS, Lists, lists
from portal.exports.results_zip import archive_names, safe_part
from portal.extensions import db
from portal.models import Entry, EntryFile
from portal.results.services import review_results
from portal.storage import Storage

FORMAT = "blv-national-dossier"
FORMAT_VERSION = 1
INDEX = "dossier.json"
MANIFEST = "manifest.json"
DECISION = "quyet-dinh.pdf"
LISTING = "danh-sach-gui-giai-toan-quoc.xlsx"
CHUNK = 1 << 20


@dataclass
class DossierReport:
    works: int
    files: int
    bytes: int


def _entry_data(entry: Entry, files: list[tuple[EntryFile, str]], *, level_code: str,
                level_vi: str, reason: str) -> dict:
    genre = entry.genre
    return {
        "reference": entry.reference or "",
        "title": entry.title,
        "medium": {"code": genre.code, "name_vi": genre.name_vi, "name_en": genre.name_en},
        "form": entry.form,
        "parts_count": entry.parts_count,
        "summary": entry.summary,
        "language": entry.language,
        "submitted_at": entry.submitted_at.isoformat() if entry.submitted_at else None,
        "prior_prize": {"declared": entry.prior_prize, "name": entry.prior_prize_name,
                        "level": entry.prior_prize_level, "giver": entry.prior_prize_giver},
        "parts": [{"number": p.number, "title": p.title,
                   "published_on": p.published_on.isoformat() if p.published_on else None,
                   "outlet": p.outlet, "section": p.section, "url": p.url}
                  for p in entry.parts],
        "authors": [{"position": a.position, "role": a.role, "full_name": a.full_name,
                     "pen_name": a.pen_name, "year_of_birth": a.year_of_birth,
                     "agency": a.workplace, "title": a.title}
                    for a in entry.authors],
        "province_prize": {"level": level_code, "name_vi": level_vi},
        "reason": reason,
        "files": [{"name": name, "kind": f.slot.kind, "part_number": f.part_number,
                   "original_filename": f.original_filename, "content_type": f.content_type,
                   "size": f.size, "sha256": f.sha256, "caption": f.caption}
                  for f, name in files],
    }


def _listing_xlsx(found: Lists) -> bytes:
    """The list of works sent, with the published list's columns (every cell guarded);
    marked as a draft when the edition is not published."""
    wb = Workbook(write_only=True)
    if found.draft:
        wb.properties.title = DRAFT_MARK
    ws = wb.create_sheet("Gửi Giải toàn quốc (dự thảo)" if found.draft
                         else "Gửi tham dự Giải toàn quốc")
    ws.freeze_panes = "A2"
    ws.append(xlsx_row(ws, HEADERS))
    for row in found.forwarded:
        ws.append(xlsx_row(ws, row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def write_dossier(contest, out: BinaryIO, *, storage: Storage, decision_pdf: bytes,
                  now: datetime) -> DossierReport:
    """Write the dossier of ``contest``'s works selected for the national award to ``out``
    (a seekable binary file). Files are streamed from ``storage`` one chunk at a time and
    hashed on the way; the manifest lists every member with its size and sha256.

    Raises StorageError when a selected work's verified file is missing from the store."""
    review = review_results(contest, with_agreement=False)
    found = lists(contest, review)  # the published list once published, else the draft
    sent = {row[-1] for row in found.forwarded}
    rows = sorted((r for r in (review.results.rows.values() if review.results else [])
                   if r.reference in sent), key=lambda r: r.reference)
    ids = [r.entry_id for r in rows]
    entries = {e.id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.id.in_(ids)).options(
            so.selectinload(Entry.parts), so.selectinload(Entry.authors),
            so.joinedload(Entry.genre))
    )} if ids else {}
    files: dict[int, list[EntryFile]] = {}
    for f in (db.session.scalars(
        sa.select(EntryFile).where(EntryFile.entry_id.in_(ids),
                                   EntryFile.status == EntryFile.VERIFIED)
        .order_by(EntryFile.entry_id, EntryFile.part_number, EntryFile.id)
        .options(so.joinedload(EntryFile.slot))
    ) if ids else []):
        files.setdefault(f.entry_id, []).append(f)

    manifest: list[dict] = []
    report = DossierReport(works=len(rows), files=0, bytes=0)
    stamp = now.timetuple()[:6]

    def member(name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = compress
        return info

    def put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        zf.writestr(member(name, zipfile.ZIP_DEFLATED), data)
        manifest.append({"name": name, "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()})

    works = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        put(zf, DECISION, decision_pdf)
        put(zf, LISTING, _listing_xlsx(found))
        for row in rows:
            entry = entries[row.entry_id]
            folder = f"works/{safe_part(entry.reference or str(entry.id))}"
            own = files.get(entry.id, [])
            names = [f"works/{n}" for n in archive_names(own, entry.reference or str(entry.id))]
            for f, name in zip(own, names, strict=True):
                digest, size = hashlib.sha256(), 0
                # Media is already compressed: store it, do not deflate it again.
                with zf.open(member(name, zipfile.ZIP_STORED), "w", force_zip64=True) as dest:
                    for chunk in storage.iter_chunks(f.key, CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        dest.write(chunk)
                manifest.append({"name": name, "size": size, "sha256": digest.hexdigest()})
                report.files += 1
                report.bytes += size
            data = _entry_data(entry, list(zip(own, names, strict=True)),
                               level_code=row.level or "",
                               level_vi=review.level_name(row.level, "vi"),
                               reason=row.award.forward_reason if row.award else "")
            put(zf, f"{folder}/entry.json", _json_bytes(data))
            works.append(f"{folder}/entry.json")
        put(zf, INDEX, _json_bytes({
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "province": contest.province or contest.organizing_body,
            "organizing_body": contest.organizing_body,
            "edition": {"slug": contest.slug, "name": contest.name, "year": contest.year,
                        "number": contest.number},
            "decision": {"number": contest.decision_number,
                         "date": contest.decision_date.isoformat()
                         if contest.decision_date else None,
                         "file": DECISION},
            "works": works,
            "draft": found.draft,
            "created_at": now.isoformat(),
        }))
        zf.writestr(member(MANIFEST, zipfile.ZIP_DEFLATED),
                    _json_bytes({"format": FORMAT, "files": manifest}))
    return report


def dossier_stream(contest, *, storage: Storage, decision_pdf: bytes,
                   now: datetime) -> Iterator[bytes]:
    """Write the dossier to a temporary file now, then stream it; the file is removed when
    the stream ends or is closed."""
    handle = tempfile.TemporaryFile()
    try:
        write_dossier(contest, handle, storage=storage, decision_pdf=decision_pdf, now=now)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return _chunks(handle)


def _chunks(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
