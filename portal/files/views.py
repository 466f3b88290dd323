"""Upload protocol endpoints (JSON), downloads, deletion and the entry form's file slots.

The one upload protocol: ``start`` opens the upload in storage; the browser's AwsS3 plugin
sends the parts and completes it through URLs that ``sign_request`` signs, each bound to
that one open upload; ``verify`` then checks what arrived.

Verification reads the stored bytes inside the request (sniffing, pypdf, Pillow, and
ffprobe for audio/video) for files up to VERIFY_INLINE_MAX; a larger file answers 202
"checking" at once and the "files.verify" job does the same work (portal/jobs.py).
ffprobe reads a presigned URL on S3 or the file itself on local storage, so the request
carries no bytes of the file; it is bounded by ffprobe's own timeout
(``portal.files.verify.FFPROBE_TIMEOUT``, 120 s) and a timeout is treated as "duration
unknown", never as a hang. Put the proxy's read timeout above that.

Nor does verification read a large object back for its sha256: on S3 an object over
SHA256_INLINE_MAX (64 MiB) is verified with its ETag recorded and sha256 left empty,
for ``flask storage checksums`` to fill in (docs/deploy.md, "Checksums of large files");
on local storage the parts were hashed as they arrived and the one assembled file is
read once, from the page cache.
"""

from __future__ import annotations

import sqlalchemy.orm as so
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.entries.permissions import can_manage_entry_files, window_open
from portal.errors import DomainError
from portal.extensions import db
from portal.files import blind, bp, formats, media, services
from portal.files.forms import DeleteFileForm
from portal.files.permissions import (
    can_delete_file,
    can_download_file,
    can_upload_to_entry,
    gets_blind_copy,
    is_author,
    sees_original_filename,
    streams_proxy,
)
from portal.files.sanitize import SanitizeError
from portal.i18n import localized
from portal.loading import load_or_404
from portal.models import Entry, EntryFile, Genre
from portal.storage import StorageError, get_storage


def _json_error(message, status: int):
    db.session.rollback()
    return jsonify(error=str(message)), status


def _refused(exc: DomainError | StorageError):
    """A service's or the store's refusal as the JSON error the uploader shows."""
    return _json_error(exc.message if isinstance(exc, DomainError) else exc, exc.status)


def _not_file_manager() -> str:
    return _("Only the entry's owner, or a co-author the owner allowed, can upload or "
             "delete its files.")


def _refusal_reason(entry: Entry, now) -> str:
    if entry.status != Entry.DRAFT:
        return _(
            "This entry is no longer a draft, so its files cannot change. "
            "Reopen it as a draft first."
        )
    if not window_open(entry.contest, now):
        return _("The submission window is closed, so files can no longer be uploaded.")
    return _("You do not have permission to do this.")


def _load_entry(entry_id: int) -> Entry:
    return load_or_404(Entry, entry_id, where=lambda e: e.status != Entry.DELETED, options=(
        so.selectinload(Entry.contest),
        so.selectinload(Entry.genre).selectinload(Genre.slots),
        so.selectinload(Entry.parts),
        so.selectinload(Entry.authors),
        so.selectinload(Entry.files).selectinload(EntryFile.slot),
    ))


def _load_upload(file_id: int) -> EntryFile:
    return load_or_404(EntryFile, file_id)


def _guard_json(entry: Entry, now):
    """None when the user may upload to the entry, else the JSON refusal (404 to strangers)."""
    if not current_user.is_authenticated:
        return _json_error(_("Please log in to continue. Your session may have expired."), 401)
    if not is_author(current_user, entry):
        return _json_error(_("This page does not exist, or you do not have access to it."), 404)
    if not can_manage_entry_files(current_user, entry):
        return _json_error(_not_file_manager(), 403)
    if not can_upload_to_entry(current_user, entry, now=now):
        return _json_error(_refusal_reason(entry, now), 409)
    return None


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _upload_urls(file: EntryFile) -> dict:
    return {
        "abort_url": url_for("files.abort_upload", file_id=file.id),
        "sign_request_url": url_for("files.sign_request", file_id=file.id),
        "verify_url": url_for("files.verify", file_id=file.id),
    }


def _int_or_none(value):
    """JSON numbers pass; digit strings (from data- attributes) become ints; "" is None."""
    if isinstance(value, str):
        value = value.strip()
        return int(value) if value.isdigit() else (None if value == "" else value)
    return value


@bp.post("/entries/<int:entry_id>/uploads")
def start(entry_id: int):
    """Open an upload: {slot_id, part_number, filename, size, type} -> the file id, its
    key, the upload id the portal opened in storage and the part size to cut it into."""
    now = clock.now()
    entry = _load_entry(entry_id)
    if (refusal := _guard_json(entry, now)) is not None:
        return refusal
    data = _body()
    try:
        file, resumed = services.start_upload(
            entry=entry,
            slot_id=_int_or_none(data.get("slot_id")),
            part_number=_int_or_none(data.get("part_number")),
            filename=data.get("filename"),
            size=_int_or_none(data.get("size")),
            content_type=data.get("type"),
            user=current_user,
            storage=get_storage(),
            part_size=current_app.config["UPLOAD_PART_SIZE"],
            open_limit=current_app.config["UPLOAD_OPEN_MAX"],
        )
    except (DomainError, StorageError) as exc:
        return _refused(exc)
    db.session.commit()
    part_size = services.upload_part_size(
        file.declared_size, current_app.config["UPLOAD_PART_SIZE"]
    )
    return jsonify(
        file_id=file.id,
        key=file.key,
        uploadId=file.upload_id,
        resumed=resumed,
        part_size=part_size,
        parts=-(-file.declared_size // part_size),
        **_upload_urls(file),
    ), (200 if resumed else 201)


def _upload_context(file_id: int):
    """(file, None) when the user may continue this upload, else (None, JSON refusal)."""
    now = clock.now()
    file = _load_upload(file_id)
    entry = _load_entry(file.entry_id)
    refusal = _guard_json(entry, now)
    return (None, refusal) if refusal is not None else (file, None)


def _completion_response(result):
    file = result.file
    if file.status == EntryFile.CHECKING:
        return jsonify(file_id=file.id, status=file.status, size=file.size,
                       size_text=services.human_size(file.size),
                       message=_("Checking…")), 202
    if file.status == EntryFile.REJECTED:
        return jsonify(error=file.reject_reason, file_id=file.id, status=file.status), 422
    warning = None
    if result.duplicate_of:
        warning = _(
            "An identical file is already part of another entry in this edition. "
            "If this is a mistake, delete it and upload the right file; the secretariat "
            "sees duplicates."
        )
    return jsonify(
        file_id=file.id,
        status=file.status,
        size=file.size,
        size_text=services.human_size(file.size),
        content_type=file.content_type,
        sha256=file.sha256,
        etag=file.etag,
        page_count=file.page_count,
        duration_seconds=file.duration_seconds,
        width=file.width,
        height=file.height,
        warning=warning,
    )


@bp.post("/uploads/<int:file_id>/sign")
def sign_request(file_id: int):
    """Sign one S3 request of the browser's AwsS3 plugin: {method, key, uploadId,
    partNumber?} -> {url}, only on the upload the portal opened for this file."""
    file, refusal = _upload_context(file_id)
    if refusal is not None:
        return refusal
    try:
        url = services.sign_request(
            file=file, raw=_body(), storage=get_storage(),
            expires_in=current_app.config["UPLOAD_SIGN_EXPIRES"],
            part_size=current_app.config["UPLOAD_PART_SIZE"],
        )
    except (DomainError, StorageError) as exc:
        return _refused(exc)
    return jsonify(url=url)


@bp.post("/uploads/<int:file_id>/verify")
def verify(file_id: int):
    """After the plugin finished the upload: verify the stored file; 422 with the reason."""
    file, refusal = _upload_context(file_id)
    if refusal is not None:
        return refusal
    try:
        result = services.verify_upload(
            file=file, storage=get_storage(), actor=current_user, now=clock.now(),
            sha256_inline_max=current_app.config["SHA256_INLINE_MAX"],
            inline_max=current_app.config["VERIFY_INLINE_MAX"],
        )
    except (DomainError, StorageError) as exc:
        return _refused(exc)
    if result.file.status == EntryFile.VERIFIED:
        media.enqueue_after_commit(result.file,
                                   enabled=current_app.config["MEDIA_DERIVATIVES"])
    db.session.commit()  # a CHECKING file's job starts now (in-process without Redis)
    return _completion_response(result)


@bp.post("/uploads/<int:file_id>/abort")
def abort_upload(file_id: int):
    """Cancel an unfinished upload: its parts are discarded and the row forgotten."""
    file, refusal = _upload_context(file_id)
    if refusal is not None:
        return refusal
    try:
        services.abort_upload(file=file, storage=get_storage())
    except (DomainError, StorageError) as exc:
        return _refused(exc)
    db.session.commit()
    return jsonify(aborted=True)


@bp.get("/entries/<int:entry_id>/slots")
def slots(entry_id: int):
    """The entry form's file section alone, for the uploader to refresh after an upload."""
    entry = _load_entry(entry_id)
    if not current_user.is_authenticated or not is_author(current_user, entry):
        abort(404)
    return render_template("files/_slots.html", entry=entry, files_partial=True)


def _download_name(file: EntryFile) -> str:
    if sees_original_filename(current_user, file):
        return file.original_filename
    entry = file.entry
    stem = entry.reference or f"entry-{entry.id}"
    part = f"-{file.part_number}" if file.part_number else ""
    extension = formats.extension_for_mime(file.content_type)
    return f"{stem}-{file.slot.kind}{part}-{file.id}.{extension}"


@bp.get("/<int:file_id>")
def download(file_id: int):
    """The file, after the permission check; 404 for anyone else (never a presigned URL).

    ``?inline=1`` shows PDFs, images, audio and video in place; every other type, SVG and
    HTML included, is always an attachment.
    """
    file = db.session.get(EntryFile, file_id)
    if file is None or not can_download_file(current_user, file):
        abort(404)
    inline = request.args.get("inline") == "1"
    key = file.key
    content_type = file.content_type or "application/octet-stream"
    filename = _download_name(file)
    try:
        proxy = streams_proxy(current_user, file) and media.proxy_key(file, get_storage())
        if proxy:  # a judge streams the web-playable proxy (derived data, no metadata)
            key, content_type = proxy, media.derivatives(file)[media.PROXY][1]
            filename = filename.rsplit(".", 1)[0] + (".mp4" if content_type == "video/mp4"
                                                     else ".m4a")
        elif gets_blind_copy(current_user, file) and blind.needs_clean_copy(file):
            key = blind.ensure_clean_copy(file=file, storage=get_storage())
        response = get_storage().download_response(
            key,
            filename=filename,
            content_type=content_type,
            inline=inline,
            # The verified object must still carry its ETag; a clean copy is derived data.
            etag=file.etag if key == file.key else None,
        )
    except StorageError as exc:
        if exc.status == 409:
            current_app.logger.error("file %s: stored object differs from the verified one",
                                     file.id)
        abort(exc.status if exc.status in (404, 409, 503) else 500)
    except SanitizeError:
        current_app.logger.warning("file %s could not be cleaned for a blind round", file_id)
        return render_template(
            "errors.html", status=409, title=_("This file cannot be shown"),
            message=_("Its hidden details (author, software) could not be removed for blind "
                      "judging, so it is not shown. Ask the secretariat for a clean copy."),
        ), 409
    response.headers["X-Content-Type-Options"] = "nosniff"
    disposition = response.headers.get("Content-Disposition", "")
    if disposition.startswith("inline"):
        # The judge's page shows PDFs in an iframe: allow framing by the portal only.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'self'; "
            "frame-ancestors 'self'"
        )
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/<int:file_id>/delete")
def delete(file_id: int):
    """Remove a file from a draft (a form: works without JavaScript)."""
    now = clock.now()
    file = db.session.get(EntryFile, file_id)
    if file is None or not current_user.is_authenticated or not is_author(
        current_user, file.entry
    ):
        abort(404)
    entry_id = file.entry_id
    back = url_for("entries.edit", entry_id=entry_id) + "#files"
    form = DeleteFileForm()
    if not form.validate_on_submit():
        abort(400)
    if not can_manage_entry_files(current_user, file.entry):
        abort(403, _not_file_manager())
    if not can_delete_file(current_user, file, now=now):
        flash(_refusal_reason(file.entry, now), "danger")
        return redirect(back), 303
    name = file.original_filename
    try:
        services.delete_file(file=file, storage=get_storage(), actor=current_user)
    except StorageError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back), 303
    db.session.commit()
    flash(_("The file %(name)s was deleted.", name=name), "success")
    return redirect(back), 303


def _viewer_items(entry) -> list[dict]:
    """The entry's verified files for files/_viewer.html (the secretariat's view: every
    slot). URLs are built from file ids; downloads still check can_download_file."""
    items = []
    for f in entry.files:
        if f.status != EntryFile.VERIFIED:
            continue
        mime = (f.content_type or "").split(";", 1)[0].strip().lower()
        kind = "pdf" if mime == "application/pdf" else next(
            (k for k in ("audio", "video", "image") if mime.startswith(k + "/")), "other")
        embed = url_for("files.download", file_id=f.id, inline=1)
        if kind in ("audio", "video") and "files.stream" in current_app.view_functions:
            embed = url_for("files.stream", file_id=f.id)
        items.append({
            "id": f.id, "kind": kind, "label": localized(f.slot, "label"),
            "part": f.part_number if entry.parts_count > 1 else None, "embed": embed,
            "download": url_for("files.download", file_id=f.id), "caption": f.caption,
            "pages": f.page_count, "duration": services.duration_text(f.duration_seconds)
            if f.duration_seconds else None,
        })
    items.sort(key=lambda m: (m["part"] or 0, m["id"]))
    return items


@bp.app_context_processor
def _file_helpers():
    """What files/_slots.html needs wherever it is included (the entry form)."""
    return {
        "file_slot_rows": services.slot_rows,
        "duplicated_file_ids": services.duplicated_file_ids,
        "can_upload_to_entry": can_upload_to_entry,
        "file_size_text": services.human_size,
        "file_viewer_items": _viewer_items,
        "file_duration_text": services.duration_text,
        "file_format_names": services.format_names,
        "file_accept_extensions": services.accept_extensions,
        "files_now": clock.now,
        "upload_part_size": lambda: current_app.config["UPLOAD_PART_SIZE"],
    }
