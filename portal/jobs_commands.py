"""`flask jobs worker` and `flask jobs tick`: the queue's processes (docs/deploy.md)."""

import click
from flask import current_app

from portal import clock, jobs
from portal.extensions import db


@click.group("jobs")
def jobs_group():
    """Background jobs."""


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst):
    """Run one worker on the Redis queue (REDIS_URL) until stopped."""
    runner = jobs.runner(current_app)
    if runner.inline_only:
        raise click.ClickException(
            "REDIS_URL is not set (or JOBS_INLINE is on): jobs run inside the web process, "
            "there is no queue for a worker.")
    runner.worker(burst=burst)


@jobs_group.command("tick")
def tick():
    """Enqueue what is due (run from cron every 10 minutes): unsent mail, reminders."""
    now = clock.now()
    for name, fn in sorted(jobs.PERIODIC.items()):
        n = fn(now=now)
        db.session.commit()
        click.echo(f"{name}: {n}")



