"""`flask contest load FILE`: create or update an edition from TOML."""

import click

from portal.extensions import db
from portal.organize.loader import EditionFileError, load_edition, read_edition_file


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


COMMANDS = [contest]
