"""A fresh PostgreSQL database per test session (and per xdist worker), or a skip with one
line of reason.

`TEST_DATABASE_URL`, when set, is the session database of a run without xdist. Under xdist
each worker makes its own (workers must never share one), and a test that needs an empty
database of its own (restores, migrations) asks for `fresh=True` and always gets a new one,
whatever the environment says.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.support.workers import under_xdist, worker_id

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def require(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


def create_postgres_database(*, fresh: bool = False) -> tuple[str, callable]:
    """Create a throw-away database; return its URL and a function that drops it.

    fresh=False: the session database; `TEST_DATABASE_URL` is used as is when set and pytest
    runs without xdist. fresh=True: always a new, empty database.
    """
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit and not fresh and not under_xdist():
        return explicit, lambda: None
    name = f"portal_test_{worker_id()}_{uuid.uuid4().hex[:10]}"
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
