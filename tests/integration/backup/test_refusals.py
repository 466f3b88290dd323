"""An import that cannot be done safely is refused with a clear reason and changes nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from portal.audit import verify_chain
from portal.extensions import db
from portal.storage import get_storage
from tests.integration.backup.edition import dump_all, read_zip_json, rewrite_zip, seed_edition
from tests.support.factories import make_contest, make_user


def _export(runner, tmp_path, *extra) -> tuple:
    out = tmp_path / "backup.zip"
    result = runner.invoke(args=["edition", "export", "ha-tinh-2026", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def _import(app, path):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["edition", "import", str(path)])


def _stored_keys(app) -> list[str]:
    with app.app_context():
        return sorted(info.key for info in get_storage().list_keys())


def _nothing_in(app) -> None:
    with app.app_context():
        assert {name: rows for name, rows in dump_all().items() if rows} == {}
        assert sorted(info.key for info in get_storage().list_keys()) == []


def test_import_into_the_source_database_is_refused(app, runner, tmp_path):
    seeded = seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    before = dump_all()

    result = runner.invoke(args=["edition", "import", str(out)])

    assert result.exit_code == 1
    assert ("Error: The edition 'ha-tinh-2026' already exists in this database. An import "
            "restores into an empty database only; nothing was changed.") in result.output
    db.session.rollback()
    assert dump_all() == before
    assert sorted(info.key for info in get_storage().list_keys()) == sorted(seeded["keys"])


def test_import_is_refused_when_an_account_already_exists(app, runner, make_fresh_app, tmp_path):
    seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    fresh = make_fresh_app()
    with fresh.app_context():
        make_user("giamkhao2@example.vn", full_name="Người đã có")
        db.session.commit()
        before = dump_all()

    result = _import(fresh, out)

    assert result.exit_code == 1
    assert ("Error: These accounts already exist in this database: giamkhao2@example.vn. "
            "An import restores into an empty database only; nothing was changed."
            ) in result.output
    with fresh.app_context():
        assert dump_all() == before
    assert _stored_keys(fresh) == []


def test_import_is_refused_when_the_database_holds_another_edition(
    app, runner, make_fresh_app, tmp_path
):
    seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    fresh = make_fresh_app()
    with fresh.app_context():
        make_contest(slug="nghe-an-2026")
        db.session.commit()
        before = dump_all()

    result = _import(fresh, out)

    assert result.exit_code == 1
    assert ("Error: The database is not empty: table contests has 1 row. An import restores "
            "into an empty database only; nothing was changed.") in result.output
    with fresh.app_context():
        assert dump_all() == before
    assert _stored_keys(fresh) == []


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_tampered_object_fails_the_sha256_check_and_leaves_nothing(
    app, runner, make_fresh_app, tmp_path
):
    seeded = seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    manifest = {f["key"]: f for f in read_zip_json(out, "manifest.json")["files"]}
    # The last object in import order: the two before it are uploaded, then must be removed.
    victim = seeded["keys"][-1]
    with zipfile.ZipFile(out) as zf:
        original = zf.read(f"objects/{victim}")
    forged = original[:-5] + b"FORGE"
    tampered = tmp_path / "tampered.zip"
    rewrite_zip(out, tampered, {f"objects/{victim}": forged})
    fresh = make_fresh_app()

    result = _import(fresh, tampered)

    assert result.exit_code == 1
    assert (f"Error: The object {victim} in the zip does not match the manifest (sha256 "
            f"{hashlib.sha256(forged).hexdigest()}, {len(forged)} bytes; expected "
            f"{manifest[victim]['sha256']}, {manifest[victim]['size']} bytes). "
            "Nothing was imported.") in result.output
    _nothing_in(fresh)


def test_damaged_zip_member_is_refused_and_leaves_nothing(app, runner, make_fresh_app, tmp_path):
    seeded = seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    victim = seeded["keys"][0]
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo(f"objects/{victim}")
    # Flip one byte inside the stored (uncompressed) member: its CRC no longer matches.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 100
    data[start] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    fresh = make_fresh_app()

    result = _import(fresh, damaged)

    assert result.exit_code == 1
    assert f"Error: Could not restore the object {victim}: Bad CRC-32" in result.output
    _nothing_in(fresh)


def test_edited_audit_event_is_refused(app, runner, make_fresh_app, tmp_path):
    seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    events = read_zip_json(out, "tables/audit_events.json")
    events[1]["after"] = '{"status":"withdrawn"}'
    edited = tmp_path / "edited.zip"
    rewrite_zip(out, edited, {"tables/audit_events.json": json.dumps(events).encode()})
    fresh = make_fresh_app()

    result = _import(fresh, edited)

    assert result.exit_code == 1
    assert (f"Error: The audit chain in the backup is broken at event {events[1]['id']}: "
            "content does not match its hash. Nothing was imported.") in result.output
    _nothing_in(fresh)


def test_import_without_objects_needs_them_in_the_store(app, runner, make_fresh_app, tmp_path):
    seeded = seed_edition(get_storage())
    out = _export(runner, tmp_path)
    with zipfile.ZipFile(out) as zf:
        assert [n for n in zf.namelist() if n.startswith("objects/")] == []
    fresh = make_fresh_app()

    result = _import(fresh, out)

    assert result.exit_code == 1
    missing = ", ".join(f"{key} (missing)" for key in seeded["keys"])
    assert (f"Error: The backup holds no files and the file store lacks 3 of them: {missing}. "
            "Export with --with-files, or restore the file store first. Nothing was imported."
            ) in result.output
    _nothing_in(fresh)

    # Into a fresh database that shares the source's file store, the same zip is restored.
    shared = make_fresh_app(share_storage_with=app)
    result = _import(shared, out)
    assert result.exit_code == 0, result.output
    assert "0 objects uploaded, 0 already in the file store; audit chain intact" in result.output
    with shared.app_context():
        assert verify_chain()[1] is None
        assert len(dump_all()["entry_files"]) == 4


def test_import_with_objects_already_in_the_store_does_not_upload_them(
    app, runner, make_fresh_app, tmp_path
):
    seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    shared = make_fresh_app(share_storage_with=app)

    result = _import(shared, out)

    assert result.exit_code == 0, result.output
    assert "0 objects uploaded, 3 already in the file store" in result.output


def test_not_a_backup_is_refused(app, runner, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    result = runner.invoke(args=["edition", "import", str(junk)])
    assert result.exit_code == 1
    assert f"Error: {junk} is not a readable zip file (File is not a zip file)." in result.output

    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("hello.txt", "xin chào")
    result = runner.invoke(args=["edition", "import", str(empty)])
    assert result.exit_code == 1
    assert "Error: The zip has no meta.json: it is not an edition backup." in result.output


def test_backup_of_another_schema_is_refused(app, runner, make_fresh_app, tmp_path):
    seed_edition(get_storage())
    out = _export(runner, tmp_path)
    meta = read_zip_json(out, "meta.json")
    meta["tables"]["prizes_thematic"] = 2
    del meta["tables"]["awards"]
    other = tmp_path / "other.zip"
    rewrite_zip(out, other, {"meta.json": json.dumps(meta).encode()})
    fresh = make_fresh_app()

    result = _import(fresh, other)

    assert result.exit_code == 1
    assert ("Error: The backup was made with another database schema (tables this portal "
            "lacks: prizes_thematic; tables missing from it: awards).") in result.output
    _nothing_in(fresh)


def test_export_of_unknown_edition_or_onto_existing_file_is_refused(app, runner, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    result = runner.invoke(args=["edition", "export", "khong-co", str(folder / "x.zip")])
    assert result.exit_code == 1
    assert "Error: There is no edition with the slug 'khong-co'." in result.output
    assert list(folder.iterdir()) == []

    seed_edition(get_storage())
    existing = tmp_path / "old.zip"
    existing.write_bytes(b"an older backup")
    result = runner.invoke(args=["edition", "export", "ha-tinh-2026", str(existing)])
    assert result.exit_code == 1
    assert f"Error: {existing} already exists; choose another file name." in result.output
    assert existing.read_bytes() == b"an older backup"


def test_bad_rows_roll_everything_back(app, runner, make_fresh_app, tmp_path):
    seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    fresh = make_fresh_app()

    levels = read_zip_json(out, "tables/prize_levels.json")
    levels[0]["min_score"] = "tám mươi"
    bad_value = tmp_path / "bad-value.zip"
    rewrite_zip(out, bad_value, {"tables/prize_levels.json": json.dumps(levels).encode()})
    result = _import(fresh, bad_value)
    assert result.exit_code == 1
    assert ("Error: tables/prize_levels.json, row 1, column min_score: 'tám mươi' is not "
            "valid") in result.output
    _nothing_in(fresh)

    # A repeated primary key fails in the database, after earlier tables were inserted.
    genres = read_zip_json(out, "tables/genres.json")
    meta = read_zip_json(out, "meta.json")
    meta["tables"]["genres"] += 1
    duplicate = tmp_path / "duplicate.zip"
    rewrite_zip(out, duplicate, {
        "tables/genres.json": json.dumps([*genres, genres[0]]).encode(),
        "meta.json": json.dumps(meta).encode(),
    })
    result = _import(fresh, duplicate)
    assert result.exit_code == 1
    assert "Error: Import failed (IntegrityError: " in result.output
    assert "Nothing was imported." in result.output
    _nothing_in(fresh)


def test_row_pointing_at_nothing_is_refused(app, runner, make_fresh_app, tmp_path, db_backend):
    seed_edition(get_storage())
    out = _export(runner, tmp_path, "--with-files")
    parts = read_zip_json(out, "tables/entry_parts.json")
    parts[0]["entry_id"] = 999999
    orphan = tmp_path / "orphan.zip"
    rewrite_zip(out, orphan, {"tables/entry_parts.json": json.dumps(parts).encode()})
    fresh = make_fresh_app()

    result = _import(fresh, orphan)

    assert result.exit_code == 1
    if db_backend == "sqlite":  # PostgreSQL refuses the insert itself (IntegrityError)
        assert ("Error: tables/entry_parts.json: entry_id=999999 points at no row of "
                "entries. Nothing was imported.") in result.output
    else:
        assert "Error: Import failed (IntegrityError: " in result.output
    _nothing_in(fresh)
