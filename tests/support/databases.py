"""A fresh PostgreSQL database per test session, or a skip with one line of reason."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def require(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


def create_postgres_database() -> tuple[str, callable]:
    """Create a throw-away database; return its URL and a function that drops it."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit, lambda: None
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001  (any failure means: no PostgreSQL here)
        message = f"PostgreSQL not available at {ADMIN_URL}: {type(exc).__name__}"
        if require("REQUIRE_POSTGRES"):
            pytest.fail(message + " (REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop
