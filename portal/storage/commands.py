"""`flask storage init|gc|verify`: prepare the file store, clean it up, check it against the
database. Operator commands, so their output is English like the other commands'."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale

from portal import audit, clock
from portal.extensions import db
from portal.models import EntryFile

from . import LocalStorage, S3Storage, StorageError, get_storage


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
@click.option("--older-than", "hours", type=click.FloatRange(min=0), default=24.0,
              show_default=True, help="Abort unfinished uploads started more than this many "
                                      "hours ago.")
@click.option("--apply", is_flag=True, help="Really abort and delete; without it, only list.")
def gc(hours, apply):
    """Abort stale multipart uploads and delete objects no file row references.

    A dry run by default: it lists what it would do. With --apply it does it; the rows of
    aborted uploads are removed too (they can no longer be completed), each audited.
    """
    backend = get_storage()
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
            referenced = set(db.session.scalars(sa.select(EntryFile.key)))
            orphans = [info for info in backend.list_keys() if info.key not in referenced]
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
    """Check that every verified file's object exists with its recorded size (and sha256,
    where the store records one). Exit status 1 when something is missing or differs."""
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
            elif isinstance(backend, LocalStorage) and info.sha256 and info.sha256 != row.sha256:
                mismatched += 1
                click.echo(f"SHA256 {where}: stored {info.sha256}, recorded {row.sha256}")
        db.session.expunge_all()
    click.echo(f"Checked {checked} files: {checked - missing - mismatched} ok, "
               f"{missing} missing, {mismatched} mismatched.")
    if missing or mismatched:
        raise SystemExit(1)


COMMANDS = [storage]
