"""Optional `X-SQL-Count` response header (bench/pages.py), on when SQL_COUNT_HEADER is set."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, g, has_request_context
from sqlalchemy.engine import Engine

_listening = False


def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context():
        g._sql_count = g.get("_sql_count", 0) + 1


def init_app(app: Flask) -> None:
    """Count the SQL statements of each request into a header; a no-op unless configured."""
    global _listening
    if not app.config["SQL_COUNT_HEADER"]:
        return
    if not _listening:
        sa.event.listen(Engine, "before_cursor_execute", _count)
        _listening = True

    @app.after_request
    def _sql_count_header(response):
        response.headers["X-SQL-Count"] = str(g.get("_sql_count", 0))
        return response
