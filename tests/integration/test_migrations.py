"""The Alembic revisions build the schema on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.support.databases import create_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrate.sqlite")
        return
    url, drop = create_postgres_database(fresh=True)
    yield url
    drop()


def test_upgrade_builds_schema_matching_models(fresh_url, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": fresh_url,
                      "STORAGE_LOCAL_ROOT": str(tmp_path / "u")})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == []
    assert {"users", "contests", "entries", "score_sheets", "audit_events"} <= tables
    assert "alembic_version" in tables
