"""Fixtures: the app on SQLite and on PostgreSQL, a client, a CLI runner and a login helper."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g, request_started
from hypothesis import HealthCheck, settings

from portal import create_app
from portal.extensions import db
from tests.support.apps import base_config, empty_all_tables, memoize_url_builders
from tests.support.databases import create_postgres_database
from tests.support.s3 import moto_server
from tests.support.workers import worker_id

os.environ.setdefault("RATELIMIT_ENABLED", "0")
memoize_url_builders()  # every test makes its app; see the function for why this is safe

# No test asserts a duration: hypothesis' per-example deadline and its "too slow" health
# check fail on a loaded machine, not on wrong code. Timings live in bench/.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def _sqlite_url(tmp_path_factory):
    # tmp_path_factory's base folder is already per xdist worker; the name says whose it is.
    return "sqlite:///" + str(tmp_path_factory.mktemp(f"db-{worker_id()}") / "portal.sqlite")


@pytest.fixture(scope="session")
def _postgres_url():
    url, drop = create_postgres_database()
    yield url
    drop()


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's S3 server over real HTTP, one per test session (so one per xdist worker).

    Tests share it through buckets of their own (a random name each)."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def _schemas():
    """Which database URLs already have the schema (created once per session)."""
    return set()


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
    app = create_app({**base_config(url, tmp_path), **app_config})
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
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def mails(monkeypatch):
    """Every message the auth views send: (to, subject, body)."""
    sent = []
    monkeypatch.setattr("portal.auth.views.send_mail",
                        lambda to, subject, body, **kw: sent.append((to, subject, body)))
    return sent


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
