"""`flask edition export|import`: back up one edition with its files, restore it elsewhere."""

from __future__ import annotations

from pathlib import Path

import click

from portal import clock
from portal.backup.services import BackupError, discard_objects, export_edition, import_edition
from portal.extensions import db
from portal.storage import get_storage


@click.group("edition")
def edition():
    """Back up and restore one edition (rows and files)."""


@edition.command("export")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-files", is_flag=True,
              help="Also put every stored file in the zip (streamed, one at a time).")
def export(slug: str, out: Path, with_files: bool):
    """Write edition SLUG's rows (and files) to the zip OUT."""
    try:
        report = export_edition(slug, out, storage=get_storage(), with_files=with_files,
                                now=clock.now())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.session.rollback()  # read only: end the snapshot transaction
    rows = sum(report.rows.values())
    click.echo(
        f"Exported edition {slug} to {out}: {rows} rows in {len(report.rows)} tables, "
        f"{report.files} files in the manifest"
        + (f", {report.objects_written} objects ({report.bytes_written} bytes) in the zip."
           if with_files else " (objects not included).")
    )
    if not report.audit_chain_complete:
        click.echo(
            "Note: the database holds audit events of other editions; the exported events "
            "are checked one by one on import, not as a chain from the start.", err=True)
    for key in report.missing:
        click.echo(f"Warning: verified file {key} is not in the file store.", err=True)
    for key in report.mismatched:
        click.echo(f"Warning: the stored bytes of {key} differ from its recorded sha256.",
                   err=True)


@edition.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(path: Path):
    """Restore the edition backup PATH into this (empty) database and file store."""
    storage = get_storage()
    try:
        report = import_edition(path, storage=storage)
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - any failure: roll back and say so plainly
        db.session.rollback()
        raise click.ClickException(
            f"Import failed ({type(exc).__name__}: {exc}). Nothing was imported."
        ) from exc
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_objects(storage, report.uploaded)
        raise
    rows = sum(report.rows.values())
    chain = ("audit chain intact" if report.audit_chain_complete
             else "audit events match their hashes (part of a longer chain)")
    click.echo(
        f"Imported edition {report.slug}: {rows} rows in {len(report.rows)} tables, "
        f"{len(report.uploaded)} objects uploaded, {len(report.already_present)} already in "
        f"the file store; {chain} ({report.audit_checked} events)."
    )


COMMANDS = [edition]
