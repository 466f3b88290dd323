"""`flask` commands: each area contributes its own group from a `commands` module."""

from __future__ import annotations

import importlib

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
            app.cli.add_command(command)
    from portal import audit_commands, jobs_commands

    app.cli.add_command(audit_commands.audit)
    app.cli.add_command(jobs_commands.jobs_group)
