"""`flask audit verify`: prove the audit chain has not been edited."""

import click

from portal.audit import verify_chain


@click.group()
def audit():
    """Audit log commands."""


@audit.command("verify")
def verify():
    """Walk the hash chain and report the first event that does not match."""
    checked, broken = verify_chain()
    if broken is None:
        click.echo(f"OK: {checked} audit events, chain intact.")
        return
    click.echo(
        f"BROKEN at audit event {broken.event_id}: {broken.reason} "
        f"({checked} events before it are intact).",
        err=True,
    )
    raise SystemExit(1)
