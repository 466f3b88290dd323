"""Fixtures: the app on SQLite and on PostgreSQL, a client, a CLI runner and a login helper."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g, request_started

from portal import create_app
from portal.extensions import db
from tests.support.databases import create_postgres_database

os.environ.setdefault("RATELIMIT_ENABLED", "0")

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def _sqlite_url(tmp_path_factory):
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal.sqlite")


@pytest.fixture(scope="session")
def _postgres_url():
    url, drop = create_postgres_database()
    yield url
    drop()


@pytest.fixture(scope="session")
def _schemas():
    """Which database URLs already have the schema (created once per session)."""
    return set()


def _base_config(db_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_ROOT": str(tmp_path / "uploads"),
        "SERVER_NAME": "localhost",
        "MAIL_SERVER": None,
    }


def _truncate_all() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def _fresh_g(sender, **extra) -> None:
    """Start every test request with an empty `g`, as in production.

    Test requests reuse the fixture's app context and so its `g`: without this the
    logged-in user (flask-login), the CSRF token and the locale would leak from one
    request, or one client, to the next.
    """
    g._get_current_object().__dict__.clear()


@pytest.fixture(params=BACKENDS)
def db_backend(request):
    return request.param


@pytest.fixture
def app_config():
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(request, db_backend, tmp_path, _schemas, app_config):
    url = request.getfixturevalue(f"_{db_backend}_url")
    app = create_app({**_base_config(url, tmp_path), **app_config})
    request_started.connect(_fresh_g, app)
    with app.app_context():
        if url not in _schemas:
            db.drop_all()
            db.create_all()
            _schemas.add(url)
        try:
            yield app
        finally:
            db.session.rollback()
            _truncate_all()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextmanager
def count_queries(engine=None):
    """Count SQL statements executed inside the block: `with count_queries() as q: ...; q.n`."""

    class Counter:
        n = 0
        statements: list[str] = []

    counter = Counter()
    counter.statements = []
    target = engine or db.engine

    def before(conn, cursor, statement, *args):
        counter.n += 1
        counter.statements.append(statement)

    sa.event.listen(target, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(target, "before_cursor_execute", before)


@pytest.fixture
def queries():
    return count_queries
