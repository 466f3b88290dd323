"""The suite's own isolation: databases a test needs fresh are fresh whatever the environment
says, and xdist workers never share a database or a Redis db."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.databases import create_postgres_database
from tests.support.workers import redis_db, worker_id

SHARED = "postgresql+psycopg://postgres@127.0.0.1:5432/a_shared_database"


def _empty(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_a_fresh_database_ignores_test_database_url(monkeypatch):
    """Backup restores and migrations failed with "edition already exists" / "relation already
    exists" when TEST_DATABASE_URL pointed at a shared database: they now always get a new one."""
    monkeypatch.setenv("TEST_DATABASE_URL", SHARED)
    url, drop = create_postgres_database(fresh=True)
    try:
        assert url != SHARED
        assert url.rsplit("/", 1)[1].startswith(f"portal_test_{worker_id()}_")
        assert _empty(url)
    finally:
        drop()


def test_the_session_database_is_test_database_url_only_without_xdist(monkeypatch):
    monkeypatch.setenv("TEST_DATABASE_URL", SHARED)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert create_postgres_database()[0] == SHARED

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    url, drop = create_postgres_database()
    try:
        assert url.rsplit("/", 1)[1].startswith("portal_test_gw1_")
    finally:
        drop()


@pytest.mark.parametrize(("worker", "db"), [(None, 15), ("gw0", 15), ("gw1", 14), ("gw7", 8)])
def test_each_worker_has_its_own_redis_db(monkeypatch, worker, db):
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert redis_db() == db
