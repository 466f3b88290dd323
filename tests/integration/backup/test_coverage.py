"""Every table is either exported with an edition or declared as holding no edition data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.backup.services import (
    NOT_EDITION_DATA,
    REFERENCED_TABLES,
    BackupError,
    edition_filters,
    exported_table_names,
)
from portal.extensions import db


def _copy_of_schema() -> sa.MetaData:
    metadata = sa.MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    return metadata


def test_every_table_is_exported_or_declared_not_edition_data():
    where = edition_filters(db.metadata, 1)
    assert set(where) | set(NOT_EDITION_DATA) == set(db.metadata.tables)
    assert set(where) & set(NOT_EDITION_DATA) == set()
    assert set(where) == set(exported_table_names(db.metadata))
    assert set(REFERENCED_TABLES) == {"users"}


def test_a_new_table_the_walk_cannot_place_stops_the_export():
    metadata = _copy_of_schema()
    sa.Table("site_settings", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("login_attempts", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("user_id", sa.ForeignKey("users.id")))
    uncovered = [t.name for t in metadata.sorted_tables
                 if t.name in ("site_settings", "login_attempts")]

    with pytest.raises(BackupError) as refused:
        edition_filters(metadata, 1)

    assert str(refused.value) == (
        "The backup does not know which rows of these tables belong to an edition: "
        + ", ".join(uncovered) + ". Give each a foreign key to edition data, or list it in "
        "portal.backup.services.NOT_EDITION_DATA with the reason."
    )


def test_a_new_table_under_an_entry_is_exported_with_the_edition():
    metadata = _copy_of_schema()
    notes = sa.Table("entry_notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("entry_id", sa.ForeignKey("entries.id")),
                     sa.Column("author_id", sa.ForeignKey("users.id")))

    where = edition_filters(metadata, 7)

    assert "entry_notes" in where
    sql = str(sa.select(notes.c.id).where(where["entry_notes"]).compile(
        compile_kwargs={"literal_binds": True}))
    assert "entry_notes.entry_id IN (SELECT entries.id" in sql
    assert "contests.id = 7" in sql
    # Users pointed at by the new table come along too.
    users_sql = str(where["users"].compile(compile_kwargs={"literal_binds": True}))
    assert "SELECT entry_notes.author_id" in users_sql
