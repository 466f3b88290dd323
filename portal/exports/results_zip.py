"""The nomination package for the national round: a ZIP streamed from storage, never held
whole in memory, with the forwarded list and a manifest of sha256 per file."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from openpyxl import Workbook

from portal.exports.cells import csv_bytes, xlsx_row
from portal.exports.results_lists import DRAFT_MARK, HEADERS, Lists, lists
from portal.extensions import db
from portal.models import Entry, EntryFile
from portal.storage import get_storage

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTENT_EXT = {"application/pdf": "pdf", "image/jpeg": "jpg", "audio/mpeg": "mp3",
                "video/mp4": "mp4", "image/png": "png"}


def safe_part(text: str) -> str:
    """A path component made of ASCII letters, digits, dot, dash and underscore only."""
    cleaned = _SAFE.sub("-", text or "").strip(".-")
    return cleaned or "x"


def _ext(f: EntryFile) -> str:
    allowed = f.slot.format_list if f.slot else ()
    own = f.original_filename.rsplit(".", 1)[-1].lower() if "." in f.original_filename else ""
    if own and own in allowed:
        return safe_part(own)
    return _CONTENT_EXT.get(f.content_type, allowed[0] if allowed else "bin")


def archive_names(files: list[EntryFile], reference: str) -> list[str]:
    """`<ref>/<part or kind>-<n>.<ext>` per file, unique within the entry."""
    folder = safe_part(reference)
    counters: dict[str, int] = {}
    used: set[str] = set()
    names = []
    for f in files:
        kind = f.slot.kind if f.slot else "file"
        if f.slot is not None and f.slot.per_part and f.part_number and kind == "work":
            stem = f"part-{f.part_number}"
        else:
            counters[kind] = counters.get(kind, 0) + 1
            stem = f"{safe_part(kind)}-{counters[kind]}"
        name, n = f"{folder}/{stem}.{_ext(f)}", 2
        while name in used:
            name, n = f"{folder}/{stem}-{n}.{_ext(f)}", n + 1
        used.add(name)
        names.append(name)
    return names


class _Sink(io.RawIOBase):
    """An unseekable writer: zipfile then writes data descriptors, and we drain the bytes."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def _forwarded_xlsx(found: Lists) -> bytes:
    rows = found.forwarded
    wb = Workbook(write_only=True)
    if found.draft:
        wb.properties.title = DRAFT_MARK
    ws = wb.create_sheet(found.title("Chuyển vòng toàn quốc"))
    ws.freeze_panes = "A2"
    ws.append(xlsx_row(ws, HEADERS))
    for row in rows:
        ws.append(xlsx_row(ws, row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def nomination_stream(contest) -> Iterator[bytes]:
    """Load everything from the database now; the returned generator only reads storage."""
    found = lists(contest)
    references = [row[-1] for row in found.forwarded]
    reference = dict(db.session.execute(
        sa.select(Entry.id, Entry.reference).where(Entry.contest_id == contest.id,
                                                   Entry.reference.in_(references))
    ).all()) if references else {}
    entry_ids = list(reference)
    files = list(db.session.scalars(
        sa.select(EntryFile).where(EntryFile.entry_id.in_(entry_ids),
                                   EntryFile.status == EntryFile.VERIFIED)
        .order_by(EntryFile.entry_id, EntryFile.part_number, EntryFile.id)
        .options(so.joinedload(EntryFile.slot))
    )) if entry_ids else []
    plan: list[tuple[str, str, int | None, str | None]] = []  # name, key, size, recorded sha
    by_entry: dict[int, list[EntryFile]] = {}
    for f in files:
        by_entry.setdefault(f.entry_id, []).append(f)
    for entry_id in sorted(by_entry, key=lambda e: reference[e]):
        group = by_entry[entry_id]
        for f, name in zip(group, archive_names(group, reference[entry_id]), strict=True):
            plan.append((name, f.key, f.size, f.sha256))
    listing = _forwarded_xlsx(found)
    storage = get_storage()
    return _generate(plan, listing, storage)


def _generate(plan, listing: bytes, storage) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w") as zf:
        zf.writestr("danh-sach-chuyen-vong-toan-quoc.xlsx", listing, zipfile.ZIP_DEFLATED)
        yield sink.drain()
        manifest = []
        for name, key, size, recorded in plan:
            digest, length = hashlib.sha256(), 0
            big = size is None or size > zipfile.ZIP64_LIMIT // 2
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=big) as dest:
                for chunk in storage.iter_chunks(key):
                    digest.update(chunk)
                    length += len(chunk)
                    dest.write(chunk)
                    yield sink.drain()
            manifest.append((name, length, digest.hexdigest(), recorded or ""))
            yield sink.drain()
        zf.writestr("manifest.csv",
                    csv_bytes(["file", "size", "sha256", "sha256_recorded_at_upload"], manifest,
                              bom=False), zipfile.ZIP_DEFLATED)
    yield sink.drain()
