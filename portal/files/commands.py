"""`flask media rebuild`: (re)make the derived media of verified files as jobs."""

from __future__ import annotations

import click
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.files import media
from portal.models import Contest, Entry, EntryFile


@click.group("media")
def media_group():
    """Derived media: web-playable proxies, poster frames, PDF thumbnails."""


@media_group.command("rebuild")
@click.option("--contest", "slug", help="Only this edition's files.")
@click.option("--force", is_flag=True, help="Remake derivatives that already exist.")
def rebuild(slug, force):
    """Enqueue "media.build" for every verified video, audio and PDF file."""
    query = (sa.select(EntryFile.id, EntryFile.content_type, Entry.contest_id)
             .join(Entry, Entry.id == EntryFile.entry_id)
             .where(EntryFile.status == EntryFile.VERIFIED).order_by(EntryFile.id))
    if slug:
        contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
        if contest is None:
            raise click.ClickException(f"No edition has the slug {slug}.")
        query = query.where(Entry.contest_id == contest.id)
    n = 0
    for file_id, content_type, contest_id in db.session.execute(query).all():
        if media.kind(EntryFile(content_type=content_type)) is None:
            continue
        jobs.enqueue("media.build", contest_id=contest_id, job_id=f"media-{file_id}",
                     file_id=file_id, force=force)
        n += 1
    click.echo(f"{n} files enqueued.")


COMMANDS = [media_group]
