"""`flask storage init|gc|verify|checksums`: prepare the file store, clean it up, check it
against the database, record the sha256 of large files. Operator commands, so their output
is English like the other commands'.

``checksums`` exists because a completion on S3 does not read a large object back (see
portal.files.verify): such a file is verified with its ETag and no sha256, and this
command, run from cron, streams each one once and records its sha256 (audited).
"""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import force_locale

from portal import audit, clock
from portal.extensions import db
from portal.models import EntryFile

from . import LocalStorage, S3Storage, StorageError, get_storage
from .base import source_key


@click.group("storage")
def storage():
    """The file store: prepare it, collect garbage, check it against the database."""


@storage.command("init")
@click.option("--origin", "origins", multiple=True,
              help="Origin of the portal allowed to PUT parts to the bucket (S3); repeatable, "
                   "e.g. --origin https://bualiemvang.hatinh.gov.vn")
def init(origins):
    """Create the bucket and its CORS rule (S3), or the storage folders (local)."""
    backend = get_storage()
    try:
        with force_locale("en"):
            if isinstance(backend, S3Storage):
                if not origins:
                    raise click.UsageError(
                        "S3 needs at least one --origin: the address users open the portal at."
                    )
                backend.ensure_bucket(list(origins))
                click.echo(f"Bucket {backend.bucket} is ready; parts may be PUT from: "
                           + ", ".join(origins))
            else:
                # LocalStorage creates its folders when it is built; say where they are.
                click.echo(f"Local storage is ready under {backend.root}")
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc


def _uploading_rows_by_key() -> dict[str, EntryFile]:
    rows = db.session.scalars(
        sa.select(EntryFile).where(EntryFile.status == EntryFile.UPLOADING)
        .options(so.selectinload(EntryFile.entry))
    )
    return {row.key: row for row in rows}


@storage.command("gc")
@click.option("--older-than", "hours", type=click.FloatRange(min=0), default=None,
              help="Abort unfinished uploads started more than this many hours ago "
                   "(default: UPLOAD_ABANDON_HOURS, 24).")
@click.option("--apply", is_flag=True, help="Really abort and delete; without it, only list.")
def gc(hours, apply):
    """Abort stale multipart uploads and delete objects no file row references.

    A dry run by default: it lists what it would do. With --apply it does it; the rows of
    aborted uploads are removed too (they can no longer be completed), each audited, as
    are rows of uploads the store no longer has (a bucket lifecycle rule aborted them).
    Run it hourly from cron (docs/deploy.md): abandoned uploads then hold storage and
    count against the per-person limit of open uploads for at most a day and an hour.
    """
    backend = get_storage()
    if hours is None:
        hours = current_app.config["UPLOAD_ABANDON_HOURS"]
    cutoff = clock.now() - timedelta(hours=hours)
    verb = "Aborted" if apply else "Would abort"
    gone = "Deleted" if apply else "Would delete"
    try:
        with force_locale("en"):
            stale = [u for u in backend.list_multipart_uploads() if u[2] < cutoff]
            rows = _uploading_rows_by_key()
            for key, upload_id, started in stale:
                click.echo(f"{verb} upload {key} ({upload_id}) started "
                           f"{started:%Y-%m-%d %H:%M} UTC")
                if apply:
                    backend.abort(key, upload_id)
                    row = rows.get(key)
                    if row is not None and row.upload_id == upload_id:
                        audit.record("file.expired", entry=row.entry, obj=row,
                                     before={"file": row.id, "name": row.original_filename,
                                             "status": row.status})
                        db.session.delete(row)
            open_ids = {upload_id for _key, upload_id, _at in backend.list_multipart_uploads()}
            vanished = [row for row in rows.values()
                        if row.upload_id not in open_ids and row.created_at < cutoff
                        and row.id is not None and row not in db.session.deleted]
            for row in vanished:
                click.echo(f"{verb} upload {row.key}: the store no longer has it")
                if apply:
                    audit.record("file.expired", entry=row.entry, obj=row,
                                 before={"file": row.id, "name": row.original_filename,
                                         "status": row.status})
                    db.session.delete(row)
            stale = stale + [(row.key, row.upload_id, row.created_at) for row in vanished]
            referenced = set(db.session.scalars(sa.select(EntryFile.key)))
            orphans = [info for info in backend.list_keys()
                       if source_key(info.key) not in referenced]
            for info in orphans:
                click.echo(f"{gone} object {info.key} ({info.size} bytes), no file row uses it")
                if apply:
                    backend.delete(info.key)
    except StorageError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    total = len(stale) + len(orphans)
    if apply:
        click.echo(f"Done: {len(stale)} uploads aborted, {len(orphans)} objects deleted.")
    elif total:
        click.echo(f"Dry run: {len(stale)} uploads and {len(orphans)} objects. "
                   "Run again with --apply to do it.")
    else:
        click.echo("Nothing to clean up.")


@storage.command("verify")
def verify():
    """Check that every verified file's object exists with its recorded size, and its
    recorded sha256 (local storage records one per object) or ETag (S3). Exit status 1
    when something is missing or differs."""
    backend = get_storage()
    checked = missing = mismatched = 0
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(EntryFile)
            .where(EntryFile.status == EntryFile.VERIFIED, EntryFile.id > last_id)
            .order_by(EntryFile.id)
            .limit(500)
            .options(so.selectinload(EntryFile.entry))
        ).all()
        if not batch:
            break
        for row in batch:
            last_id = row.id
            checked += 1
            where = (f"file {row.id} of entry {row.entry.reference or '#' + str(row.entry_id)} "
                     f"({row.original_filename}, key {row.key})")
            try:
                with force_locale("en"):
                    info = backend.head(row.key)
            except StorageError:
                missing += 1
                click.echo(f"MISSING {where}")
                continue
            if info.size != row.size:
                mismatched += 1
                click.echo(f"SIZE {where}: {info.size} bytes stored, {row.size} recorded")
            elif (isinstance(backend, LocalStorage) and info.sha256 and row.sha256
                  and info.sha256 != row.sha256):
                mismatched += 1
                click.echo(f"SHA256 {where}: stored {info.sha256}, recorded {row.sha256}")
            elif isinstance(backend, S3Storage) and row.etag and info.etag != row.etag:
                mismatched += 1
                click.echo(f"ETAG {where}: stored {info.etag}, recorded {row.etag}")
        db.session.expunge_all()
    click.echo(f"Checked {checked} files: {checked - missing - mismatched} ok, "
               f"{missing} missing, {mismatched} mismatched.")
    if missing or mismatched:
        raise SystemExit(1)


@storage.command("checksums")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Stop after this many files (default: all of them).")
def checksums(limit):
    """Record the sha256 of every verified file that has none yet (large files on S3),
    streaming each object once; each one audited and committed on its own, so an
    interrupted run keeps what it did. Exit status 1 when an object could not be read."""
    backend = get_storage()
    done = failed = 0
    last_id = 0
    while limit is None or done + failed < limit:
        row = db.session.scalar(
            sa.select(EntryFile)
            .where(EntryFile.status == EntryFile.VERIFIED, EntryFile.sha256.is_(None),
                   EntryFile.id > last_id)
            .order_by(EntryFile.id)
            .limit(1)
            .options(so.selectinload(EntryFile.entry))
        )
        if row is None:
            break
        last_id = row.id
        where = f"file {row.id} ({row.original_filename}, key {row.key})"
        with force_locale("en"):
            try:
                digest = backend.sha256(row.key)
            except StorageError as exc:
                db.session.rollback()
                failed += 1
                click.echo(f"FAILED {where}: {exc}")
                continue
        # The file may have been deleted or replaced while we read it.
        try:
            db.session.refresh(row)
        except sa.exc.InvalidRequestError:  # deleted meanwhile
            db.session.rollback()
            continue
        if row.status != EntryFile.VERIFIED or row.sha256 is not None:
            db.session.rollback()
            continue
        before = {"file": row.id, "sha256": None, "etag": row.etag}
        row.sha256 = digest
        audit.record("file.checksum", entry=row.entry, obj=row, before=before,
                     after={"file": row.id, "sha256": digest, "etag": row.etag})
        db.session.commit()
        done += 1
        click.echo(f"sha256 {digest} {where}")
    left = db.session.scalar(
        sa.select(sa.func.count(EntryFile.id))
        .where(EntryFile.status == EntryFile.VERIFIED, EntryFile.sha256.is_(None))
    )
    click.echo(f"Recorded {done} checksums, {failed} failed, {left} files still without one.")
    if failed:
        raise SystemExit(1)


COMMANDS = [storage]
