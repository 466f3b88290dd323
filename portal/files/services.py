"""The upload protocol: start, sign, list, complete (with verification), abort, delete."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import audit, clock, jobs
from portal.errors import DomainError
from portal.extensions import db
from portal.files import formats, media
from portal.files.verify import SHA256_INLINE_MAX, SlotPolicy, VerificationError, verify_object
from portal.models import Entry, EntryFile, FileSlot, User
from portal.storage import Storage, StorageError, get_storage
from portal.storage.base import MAX_PARTS, MIN_PART_SIZE, safe_filename

MiB = 1024 * 1024
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


class UploadRefused(DomainError):
    """An upload request broken in a way the entrant can act on; nothing was changed."""

    def __init__(self, message, *, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Completion:
    file: EntryFile
    duplicate_of: list[int]  # ids of OTHER entries of the edition holding the same bytes


def format_names(slot: FileSlot) -> str:
    """'PDF', 'MP4, MOV': the slot's formats as the entrant reads them."""
    return ", ".join(formats.name(f) for f in slot.format_list)


def human_size(size: int | None) -> str:
    """'4.0 GB', '12.3 MB', '850 KB': sizes as shown on the entry form."""
    if size is None:
        return ""
    if size >= 1000 * MiB:
        return f"{size / (1024 * MiB):.1f} GB"
    if size >= MiB:
        return f"{size / MiB:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _extension(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    ext = ext.lower() if dot else ""
    return formats.canonical(ext)


def upload_part_size(size: int, configured: int) -> int:
    """The fixed part size the browser must cut a file of ``size`` bytes into: the
    configured one, at least 5 MiB, and large enough that no file needs more than 10,000
    parts (uploader.js computes the same; a file smaller than it goes up as one part)."""
    part = max(int(configured), MIN_PART_SIZE)
    return max(part, math.ceil(max(size, 1) / MAX_PARTS))


def _active_in_slot(entry: Entry, slot: FileSlot) -> list[EntryFile]:
    return [
        f for f in entry.files
        if f.slot_id == slot.id
        and f.status in (EntryFile.UPLOADING, EntryFile.CHECKING, EntryFile.VERIFIED)
    ]


def start_upload(
    *,
    entry: Entry,
    slot_id,
    part_number,
    filename,
    size,
    content_type,
    user,
    storage: Storage,
    part_size: int,
    open_limit: int = 20,
) -> tuple[EntryFile, bool]:
    """Check the declared file against its slot and open its multipart upload in storage
    under a generated key; return (file row, resumed).

    The portal opens every upload itself, once: the browser is never given a URL that
    creates an upload or writes an object, only URLs for the parts of this one upload
    (``sign_request``). ``part_size`` is the configured UPLOAD_PART_SIZE; the upload's
    fixed part size is ``upload_part_size`` of it, which the browser must use.

    An unfinished upload of the same file (same slot, part, name and size, by the same
    user) is returned instead of a new one, so the browser can resume it after a reload.
    A user may have at most ``open_limit`` unfinished uploads at once.
    Raises UploadRefused (the slot, part, name, size or count is wrong) or StorageError.
    """
    slot = db.session.get(FileSlot, slot_id) if isinstance(slot_id, int) else None
    if slot is None or slot.genre_id != entry.genre_id:
        raise UploadRefused(_l("This file slot does not belong to the entry's genre."), status=400)
    if slot.per_part:
        if not isinstance(part_number, int) or not 1 <= part_number <= entry.parts_count:
            raise UploadRefused(
                _l(
                    "Choose which part (1 to %(count)s) this file belongs to.",
                    count=entry.parts_count,
                ),
                status=400,
            )
    else:
        part_number = None

    name = safe_filename(filename if isinstance(filename, str) else "")
    if not isinstance(filename, str) or not filename.strip() or name == "download":
        raise UploadRefused(_l("The file has no name."), status=400)
    if len(name) > 255:
        raise UploadRefused(_l("The file name is too long (at most 255 characters)."), 400)
    extension = _extension(name)
    if extension not in slot.format_list:
        raise UploadRefused(
            _l(
                "Files of type %(ext)s are not accepted here. This slot accepts: %(formats)s.",
                ext=("." + extension) if extension else _l("(no extension)"),
                formats=format_names(slot),
            )
        )
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise UploadRefused(_l("The file's size is missing or invalid."), status=400)
    if size == 0:
        raise UploadRefused(_l("The file is empty (0 bytes). Please choose the right file."))
    if size > slot.max_size:
        shown, limit = human_size(size), human_size(slot.max_size)
        if shown == limit:  # 1 byte over would read "10.0 MB; the limit is 10.0 MB"
            shown, limit = f"{size:,} bytes", f"{slot.max_size:,} bytes"
        raise UploadRefused(
            _l("The file is %(size)s; the limit for this slot is %(limit)s.",
               size=shown, limit=limit),
            status=413,
        )

    active = _active_in_slot(entry, slot)
    for existing in active:
        if (
            existing.status == EntryFile.UPLOADING
            and existing.part_number == part_number
            and existing.original_filename == name
            and existing.declared_size == size
            and existing.uploaded_by_id == user.id
            and existing.upload_id
        ):
            return existing, True
    if slot.per_part and any(f.part_number == part_number for f in active):
        raise UploadRefused(
            _l(
                "Part %(number)s already has a file here. Delete it first to replace it.",
                number=part_number,
            ),
            status=409,
        )
    if len(active) >= slot.max_count:
        raise UploadRefused(
            _l(
                "This slot already holds the most files it accepts (%(count)s). "
                "Delete one to upload another.",
                count=slot.max_count,
            ),
            status=409,
        )

    if open_uploads_of(user) >= open_limit:
        raise UploadRefused(
            _l(
                "You already have %(count)s unfinished uploads. Let them finish, or cancel "
                "some, before starting another.",
                count=open_limit,
            ),
            status=429,
        )

    declared_type = content_type.strip().lower() if isinstance(content_type, str) else ""
    if not _MIME.fullmatch(declared_type):
        declared_type = "application/octet-stream"
    key = f"{entry.contest.slug}/{entry.id}/{uuid.uuid4().hex}"
    upload_id = storage.start_upload(
        key, content_type=declared_type, part_size=upload_part_size(size, part_size)
    )
    file = EntryFile(
        entry=entry,
        slot=slot,
        part_number=part_number,
        key=key,
        upload_id=upload_id,
        original_filename=name,
        declared_type=declared_type,
        declared_size=size,
        status=EntryFile.UPLOADING,
        uploaded_by_id=user.id,
    )
    db.session.add(file)
    db.session.flush()
    return file, False


def open_uploads_of(user) -> int:
    """How many unfinished uploads ``user`` has, across every entry."""
    return db.session.scalar(
        sa.select(sa.func.count(EntryFile.id)).where(
            EntryFile.uploaded_by_id == user.id, EntryFile.status == EntryFile.UPLOADING
        )
    ) or 0


def _finished_error() -> UploadRefused:
    return UploadRefused(
        _l("This upload is already finished or was cancelled. Please start it again."),
        status=409,
    )


def _audit_state(file: EntryFile) -> dict:
    return {
        "file": file.id,
        "slot": file.slot.kind,
        "part": file.part_number,
        "name": file.original_filename,
        "status": file.status,
        "size": file.size,
        "sha256": file.sha256,
        "etag": file.etag,
        "reason": file.reject_reason or None,
    }


def _verify_stored(
    *, file: EntryFile, storage: Storage, actor, now: datetime, sha256_inline_max: int
) -> Completion:
    slot = file.slot
    policy = SlotPolicy(kind=slot.kind, formats=slot.format_list, max_size=slot.max_size)
    try:
        facts = verify_object(storage, file.key, policy, sha256_inline_max=sha256_inline_max)
    except (VerificationError, StorageError) as exc:
        storage.delete(file.key)
        file.status = EntryFile.REJECTED
        file.reject_reason = str(exc)
        db.session.flush()
        audit.record("file.rejected", actor=actor, entry=file.entry, obj=file,
                     after=_audit_state(file))
        return Completion(file=file, duplicate_of=[])
    file.size = facts.size
    file.content_type = facts.content_type
    file.sha256 = facts.sha256
    file.etag = facts.etag or None
    file.page_count = facts.page_count
    file.duration_seconds = facts.duration_seconds
    file.width = facts.width
    file.height = facts.height
    file.status = EntryFile.VERIFIED
    file.verified_at = now
    db.session.flush()
    audit.record("file.completed", actor=actor, entry=file.entry, obj=file,
                 after=_audit_state(file))
    return Completion(file=file, duplicate_of=duplicate_entries(file))


def same_content(mine, other):
    """SQL: ``other`` (an EntryFile alias) holds the same bytes as ``mine`` (a file row or
    an alias): equal sha256 when both have one; otherwise equal store ETag and size. The
    ETag stands in while a large file's sha256 is not yet computed (see
    portal.files.verify); with a fixed part size it identifies content."""
    return sa.or_(
        sa.and_(mine.sha256.is_not(None), other.sha256.is_not(None),
                other.sha256 == mine.sha256),
        sa.and_(sa.or_(mine.sha256.is_(None), other.sha256.is_(None)),
                mine.etag.is_not(None), other.etag == mine.etag, other.size == mine.size),
    )


def _same_as_row(file: EntryFile):
    """``same_content`` for a loaded row: its values become bound parameters."""
    if file.sha256:
        by_etag = (
            sa.and_(EntryFile.sha256.is_(None), EntryFile.etag == file.etag,
                    EntryFile.size == file.size)
            if file.etag else sa.false()
        )
        return sa.or_(EntryFile.sha256 == file.sha256, by_etag)
    if not file.etag:
        return None
    return sa.and_(EntryFile.etag == file.etag, EntryFile.size == file.size)


def duplicate_entries(file: EntryFile) -> list[int]:
    """Ids of other entries of the same edition holding a verified file with the same
    content (``same_content``)."""
    condition = _same_as_row(file)
    if condition is None:
        return []
    return list(
        db.session.scalars(
            sa.select(EntryFile.entry_id).distinct()
            .join(Entry, Entry.id == EntryFile.entry_id)
            .where(
                condition,
                EntryFile.status == EntryFile.VERIFIED,
                EntryFile.entry_id != file.entry_id,
                Entry.contest_id == file.entry.contest_id,
            )
            .order_by(EntryFile.entry_id)
        )
    )


def abort_upload(*, file: EntryFile, storage: Storage) -> None:
    """Cancel an unfinished upload: discard its parts and forget the row; every URL
    signed for it dies with it."""
    if file.status != EntryFile.UPLOADING:
        raise _finished_error()
    if file.upload_id:
        storage.abort(file.key, file.upload_id)
    db.session.delete(file)
    db.session.flush()


def delete_file(*, file: EntryFile, storage: Storage, actor) -> None:
    """Remove a file from a draft: the row (audited) and its stored object or parts."""
    before = _audit_state(file)
    entry = file.entry
    if file.status == EntryFile.UPLOADING and file.upload_id:
        storage.abort(file.key, file.upload_id)
    else:
        storage.delete(file.key)
    audit.record("file.deleted", actor=actor, entry=entry, obj=file, before=before)
    entry.files.remove(file)
    db.session.delete(file)
    db.session.flush()


@dataclass
class SlotRow:
    """One line of the entry form's file section: a slot, or one part of a per-part slot."""

    slot: FileSlot
    part: int | None
    files: list[EntryFile]
    remaining: int  # how many more files this row accepts


def slot_rows(entry: Entry) -> list[SlotRow]:
    """The entry's upload slots in order, a per-part slot giving one row per part, with the
    files in each. Uses the loaded ``entry.files`` and ``entry.genre.slots``."""
    rows = []
    for slot in entry.genre.slots:
        files = [f for f in entry.files if f.slot_id == slot.id]
        active = [f for f in files if f.status != EntryFile.REJECTED]
        left = max(0, slot.max_count - len(active))
        if slot.per_part:
            for number in range(1, entry.parts_count + 1):
                mine = [f for f in files if f.part_number == number]
                taken = any(f.status != EntryFile.REJECTED for f in mine)
                rows.append(SlotRow(slot, number, mine, 0 if taken else min(1, left)))
        else:
            rows.append(SlotRow(slot, None, files, left))
    return rows


def duplicated_file_ids(entry: Entry) -> set[int]:
    """Ids of this entry's verified files whose bytes also sit in another entry of the
    edition (``same_content``; one query)."""
    mine_ids = [f.id for f in entry.files if f.status == EntryFile.VERIFIED]
    if not mine_ids:
        return set()
    mine, other = so.aliased(EntryFile), so.aliased(EntryFile)
    found = db.session.scalars(
        sa.select(mine.id).distinct()
        .join(other, sa.and_(same_content(mine, other), other.entry_id != mine.entry_id,
                             other.status == EntryFile.VERIFIED))
        .join(Entry, Entry.id == other.entry_id)
        .where(mine.id.in_(mine_ids), Entry.contest_id == entry.contest_id)
    )
    return set(found)


def duration_text(seconds: float | None) -> str:
    if not seconds:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def accept_extensions(slot: FileSlot) -> list[str]:
    """What the browser's file picker should offer: ".pdf", ".jpg", ".jpeg"…"""
    out = []
    for fmt in slot.format_list:
        out.append("." + fmt)
        out.extend("." + alias for alias in formats.aliases(fmt))
    return out


# The browser's uploader is Uppy's AwsS3 plugin. The portal opens the upload (start_upload)
# and hands the plugin its key and upload id; the plugin then asks the portal to sign each
# S3 request it builds, {method, key, uploadId, partNumber?}. Only these, only on the one
# open upload of the row, and an UploadPart only for a part the declared size has, with
# that part's exact length.

S3_OPERATIONS = {
    ("PUT", True): "upload_part",
    ("GET", False): "list_parts",
    ("POST", False): "complete",
    ("DELETE", False): "abort",
}


def classify_request(raw) -> tuple[str, str, str, int | None]:
    """(operation, key, upload id, part number) of the plugin's request, or UploadRefused."""
    if not isinstance(raw, dict):
        raw = {}
    method, key = raw.get("method"), raw.get("key")
    upload_id, number = raw.get("uploadId"), raw.get("partNumber")
    if not isinstance(method, str) or not isinstance(key, str) or not key:
        raise UploadRefused(_l("This upload request is malformed."), status=400)
    if upload_id is None:
        # CreateMultipartUpload or a single PUT: the portal opens every upload itself.
        raise UploadRefused(_l("The portal does not sign this kind of request."), status=403)
    if not isinstance(upload_id, str) or not upload_id.strip():
        raise UploadRefused(_l("This upload request is malformed."), status=400)
    if number is not None and (
        not isinstance(number, int) or isinstance(number, bool) or number < 1
    ):
        raise UploadRefused(_l("Invalid part number."), status=400)
    operation = S3_OPERATIONS.get((method.upper(), number is not None))
    if operation is None:
        raise UploadRefused(_l("The portal does not sign this kind of request."), status=403)
    return operation, key, upload_id, number


def part_length(declared_size: int, part_size: int, number: int) -> int:
    """The exact length of part ``number`` of an upload of ``declared_size`` bytes cut into
    parts of ``part_size`` (the last part holds the rest)."""
    return min(part_size, declared_size - (number - 1) * part_size)


def sign_request(
    *, file: EntryFile, raw, storage: Storage, expires_in: int, part_size: int
) -> str:
    """The URL for one request of the plugin on ``file``'s open upload.

    Refused (UploadRefused): anything but UploadPart, ListParts, Complete and Abort; a key
    or upload id other than the row's; a part number past the last part of the declared
    size; any request once the upload is finished, verified or cancelled.
    """
    operation, key, upload_id, number = classify_request(raw)
    if file.status != EntryFile.UPLOADING or not file.upload_id:
        raise _finished_error()
    if key != file.key:
        raise UploadRefused(_l("The portal does not sign requests for this file name."),
                             status=403)
    if upload_id != file.upload_id:
        raise UploadRefused(_l("This upload id does not belong to this file."), status=403)
    length = None
    if operation == "upload_part":
        size = upload_part_size(file.declared_size, part_size)
        if number > math.ceil(file.declared_size / size):
            raise UploadRefused(
                _l("This part is beyond the end of the file that was declared."), status=403
            )
        length = part_length(file.declared_size, size, number)
    return storage.sign_request(
        operation=operation, key=key, upload_id=upload_id, part_number=number,
        content_length=length, expires_in=expires_in,
    )


def abort_open_uploads(entry: Entry, *, storage: Storage) -> int:
    """Cancel every unfinished upload of ``entry`` (on submission: no URL signed for a
    draft outlives it); return how many."""
    doomed = [f for f in entry.files if f.status == EntryFile.UPLOADING]
    for file in doomed:
        abort_upload(file=file, storage=storage)
        entry.files.remove(file)
    return len(doomed)


def verify_upload(
    *, file: EntryFile, storage: Storage, actor, now: datetime,
    sha256_inline_max: int = SHA256_INLINE_MAX, inline_max: int | None = None,
) -> Completion:
    """After the plugin finished the upload in storage: verify the object exactly as
    ``complete_upload`` does (verified, or rejected with the object deleted; audited).

    An object larger than ``inline_max`` bytes is not verified here: the file becomes
    CHECKING and the "files.verify" job (enqueued for when the transaction commits) does
    the same verification, with the same outcomes and audit events. None: always inline."""
    if file.status != EntryFile.UPLOADING:
        raise _finished_error()
    try:
        info = storage.head(file.key)
    except StorageError as exc:
        if exc.status != 404:
            raise
        raise UploadRefused(
            _l("The file has not arrived completely yet. Resume the upload to finish it."),
            status=409,
        ) from None
    file.upload_id = None
    if inline_max is not None and info.size > inline_max:
        file.status = EntryFile.CHECKING
        file.size = info.size
        db.session.flush()
        jobs.enqueue_after_commit("files.verify", contest_id=file.entry.contest_id,
                                  job_id=f"verify-{file.id}", file_id=file.id,
                                  actor_id=getattr(actor, "id", None),
                                  sha256_inline_max=sha256_inline_max)
        return Completion(file=file, duplicate_of=[])
    return _verify_stored(file=file, storage=storage, actor=actor, now=now,
                          sha256_inline_max=sha256_inline_max)


@jobs.job("files.verify")
def verify_job(*, file_id: int, actor_id: int | None, sha256_inline_max: int) -> str:
    """Verify one CHECKING file (the row is locked while it runs); a file no longer
    CHECKING (verified, rejected, deleted, or done by an earlier run) is left alone."""
    file = db.session.get(EntryFile, file_id, with_for_update=True)
    if file is None or file.status != EntryFile.CHECKING:
        db.session.rollback()
        return "nothing to do"
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    result = _verify_stored(file=file, storage=get_storage(), actor=actor, now=clock.now(),
                            sha256_inline_max=sha256_inline_max)
    if result.file.status == EntryFile.VERIFIED:
        media.enqueue_after_commit(result.file,
                                   enabled=current_app.config.get("MEDIA_DERIVATIVES", False))
    db.session.commit()
    return result.file.status


@jobs.periodic("files.verify_waiting")
def requeue_checking(*, now: datetime) -> int:
    """At each tick: enqueue "files.verify" again for every file CHECKING since more than
    10 minutes whose job is not waiting, running or retrying (e.g. Redis lost it)."""
    rows = db.session.execute(
        sa.select(EntryFile.id, EntryFile.uploaded_by_id, Entry.contest_id)
        .join(Entry, Entry.id == EntryFile.entry_id)
        .where(EntryFile.status == EntryFile.CHECKING,
               EntryFile.created_at < now - timedelta(minutes=10))).all()
    runner = jobs.runner()
    n = 0
    for file_id, actor_id, contest_id in rows:
        if runner.is_active(f"verify-{file_id}"):
            continue
        jobs.enqueue("files.verify", contest_id=contest_id, job_id=f"verify-{file_id}",
                     file_id=file_id, actor_id=actor_id,
                     sha256_inline_max=current_app.config["SHA256_INLINE_MAX"])
        n += 1
    return n
