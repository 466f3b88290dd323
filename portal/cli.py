"""`flask` commands: each area contributes its own group from a `commands` module."""

from __future__ import annotations

import importlib

import click
from flask import Flask

AREAS = (
    "auth", "organize", "storage", "files", "entries", "rounds", "judge", "results", "backup",
    "demo",
)


def init_app(app: Flask) -> None:
    for area in AREAS:
        try:
            module = importlib.import_module(f"portal.{area}.commands")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"portal.{area}", f"portal.{area}.commands"):
                raise
            continue
        for command in module.COMMANDS:
            _add(app, command)
    from portal import audit_commands

    app.cli.add_command(audit_commands.audit)


def _add(app: Flask, command) -> None:
    """Add a command; two areas' groups of the same name (`flask edition …`) are merged."""
    existing = app.cli.commands.get(command.name)
    if isinstance(existing, click.Group) and isinstance(command, click.Group):
        for name, sub in command.commands.items():
            existing.add_command(sub, name)
    else:
        app.cli.add_command(command)
