"""`flask` commands: each area contributes its own group from a `commands` module."""

from __future__ import annotations

import click
from flask import Flask

from portal import audit_commands, jobs_commands
from portal.auth import commands as auth_commands
from portal.backup import commands as backup_commands
from portal.demo import commands as demo_commands
from portal.files import commands as files_commands
from portal.organize import commands as organize_commands
from portal.storage import commands as storage_commands

AREAS = (auth_commands, organize_commands, storage_commands, files_commands, backup_commands,
         demo_commands)


def init_app(app: Flask) -> None:
    for module in AREAS:
        for command in module.COMMANDS:
            _add(app, command)
    app.cli.add_command(audit_commands.audit)
    app.cli.add_command(jobs_commands.jobs_group)


def _add(app: Flask, command) -> None:
    """Add a command; two areas' groups of the same name (`flask edition …`) are merged."""
    existing = app.cli.commands.get(command.name)
    if isinstance(existing, click.Group) and isinstance(command, click.Group):
        for name, sub in command.commands.items():
            existing.add_command(sub, name)
    else:
        app.cli.add_command(command)
