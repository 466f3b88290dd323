"""`flask contest load FILE`: create or update an edition from TOML; `flask edition
export-dossier|import-dossier`: the province's dossier for the national award."""

from pathlib import Path

import click
import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import Contest, Membership, User, normalize_email
from portal.organize.loader import EditionFileError, load_edition, read_edition_file
from portal.organize.national import DossierError, discard_objects, import_dossier
from portal.storage import get_storage


@click.group("contest")
def contest():
    """Edition (contest) commands."""


@contest.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load(path):
    """Create the edition in PATH, or update it in place when its slug exists."""
    try:
        edition = load_edition(read_edition_file(path))
    except EditionFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Loaded edition {edition.slug}: {len(edition.genres)} genres.")


@click.group("edition")
def edition():
    """Edition commands: the national dossier."""


def _edition(slug: str) -> Contest:
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
    if contest is None:
        raise click.ClickException(f"No edition with the slug {slug!r}.")
    return contest


@edition.command("export-dossier")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_dossier(slug: str, out: Path):
    """Write edition SLUG's dossier of works sent to the national award to OUT (a zip)."""
    from portal.exports import national_dossier, results_pdf

    contest = _edition(slug)
    try:
        with out.open("wb") as fh:
            report = national_dossier.write_dossier(
                contest, fh, storage=get_storage(), decision_pdf=results_pdf.annex(contest),
                now=clock.now())
    finally:
        db.session.rollback()  # read only
    click.echo(f"Wrote the dossier of {slug} to {out}: {report.works} works, "
               f"{report.files} files ({report.bytes} bytes).")


@edition.command("import-dossier")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "slug", required=True, help="The national edition's slug.")
@click.option("--by", "email", default="",
              help="The organizer recorded as importing it (default: the edition's first).")
def import_dossier_command(path: Path, slug: str, email: str):
    """Verify the province's dossier PATH and create its works in the national edition."""
    contest = _edition(slug)
    query = (sa.select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.contest_id == contest.id,
                    Membership.role == Membership.ORGANIZER).order_by(Membership.id))
    if email:
        query = query.where(User.email == normalize_email(email))
    actor = db.session.scalars(query.limit(1)).first()
    if actor is None:
        raise click.ClickException(
            f"{email or 'Nobody'} is not an organizer of {slug}; "
            "give --by the email of one.")
    storage = get_storage()
    try:
        result = import_dossier(path, contest=contest, actor=actor, storage=storage,
                                now=clock.now())
    except DossierError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} Nothing was imported.") from exc
    except Exception as exc:  # noqa: BLE001 - any failure: roll back and say so plainly
        db.session.rollback()
        raise click.ClickException(
            f"Import failed ({type(exc).__name__}: {exc}). Nothing was imported.") from exc
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_objects(storage, result.uploaded)
        raise
    click.echo(f"Imported {len(result.entries)} works from {result.dossier.province} into "
               f"{slug}: " + ", ".join(e.reference for e in result.entries) + ".")


COMMANDS = [contest, edition]
