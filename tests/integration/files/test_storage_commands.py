"""`flask storage init|gc|verify` on local storage."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from portal.extensions import db
from portal.models import AuditEvent
from portal.storage import get_storage

from .helpers import MiB, Uploader, file_rows, make_pdf, open_uploads, stored_keys


def test_init_local_reports_the_folder(runner, app):
    result = runner.invoke(args=["storage", "init"])
    assert result.exit_code == 0
    assert result.output == f"Local storage is ready under {app.config['STORAGE_LOCAL_ROOT']}\n"


def _age_upload(upload_id: str, hours: float):
    """Backdate an unfinished local upload (its meta records when it started)."""
    import json
    from datetime import UTC, datetime, timedelta

    meta_path = Path(get_storage().root) / "multipart" / upload_id / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["created"] = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    meta_path.write_text(json.dumps(meta))


def test_gc_dry_run_lists_and_apply_deletes(runner, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    kept = up.upload(world.script.id, "kept.pdf", make_pdf()).get_json()
    stale = up.start(world.script.id, "stale.pdf", 6 * MiB).get_json()
    fresh = up.start(world.script.id, "fresh.pdf", 6 * MiB).get_json()
    _age_upload(stale["uploadId"], 30)
    get_storage().put_file("ha-tinh-2026/999/" + "cd" * 16, io.BytesIO(b"orphan"),
                           content_type="application/pdf")

    dry = runner.invoke(args=["storage", "gc", "--older-than", "24"])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert lines[0].startswith(f"Would abort upload {stale['key']} ({stale['uploadId']}) started ")
    assert lines[1] == (f"Would delete object ha-tinh-2026/999/{'cd' * 16} (6 bytes), "
                        "no file row uses it")
    assert lines[2] == "Dry run: 1 uploads and 1 objects. Run again with --apply to do it."
    assert len(open_uploads()) == 2 and len(stored_keys()) == 2

    done = runner.invoke(args=["storage", "gc", "--older-than", "24", "--apply"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "Done: 1 uploads aborted, 1 objects deleted."
    assert open_uploads() == [fresh["key"]]
    rows = file_rows()
    assert [r.original_filename for r in rows] == ["kept.pdf", "fresh.pdf"]
    assert stored_keys() == [rows[0].key] and rows[0].id == kept["file_id"]
    assert "file.expired" in set(db.session.scalars(db.select(AuditEvent.action)))
    again = runner.invoke(args=["storage", "gc"])
    assert again.output == "Nothing to clean up.\n"


def test_verify_reports_a_deleted_object(runner, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    up.upload(world.script.id, "a.pdf", make_pdf())
    second = up.upload(world.script.id, "b.pdf", make_pdf(pages=3)).get_json()
    ok = runner.invoke(args=["storage", "verify"])
    assert (ok.exit_code, ok.output) == (0, "Checked 2 files: 2 ok, 0 missing, 0 mismatched.\n")

    row = next(r for r in file_rows() if r.id == second["file_id"])
    get_storage().delete(row.key)
    bad = runner.invoke(args=["storage", "verify"])
    assert bad.exit_code == 1
    assert bad.output.splitlines() == [
        f"MISSING file {row.id} of entry #{world.entry.id} (b.pdf, key {row.key})",
        "Checked 2 files: 1 ok, 1 missing, 0 mismatched.",
    ]


def test_verify_reports_changed_bytes(runner, owner_client, world):
    Uploader(owner_client, world.entry.id).upload(world.script.id, "a.pdf", make_pdf())
    [row] = file_rows()
    path = Path(get_storage().media_source(row.key, expires_in=60).location)
    with open(path, "ab") as fh:
        fh.write(b"tampered")
    os.utime(path, (time.time(), time.time()))
    result = runner.invoke(args=["storage", "verify"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"SIZE file {row.id} of entry #{world.entry.id} (a.pdf, key {row.key}): "
        f"{row.size + 8} bytes stored, {row.size} recorded")


def test_gc_forgets_uploads_the_store_no_longer_has_and_frees_the_open_upload_limit(
        app, runner, owner_client, world):
    """The hourly schedule (docs/deploy.md): an upload abandoned for longer than
    UPLOAD_ABANDON_HOURS is aborted, and a row whose upload the store already dropped (a
    bucket lifecycle rule) is forgotten, so neither counts against UPLOAD_OPEN_MAX."""
    from datetime import timedelta

    from portal.models import EntryFile

    app.config.update(UPLOAD_OPEN_MAX=2, UPLOAD_ABANDON_HOURS=24)
    up = Uploader(owner_client, world.entry.id)
    gone = up.start(world.script.id, "gone.pdf", 100).get_json()
    old = up.start(world.script.id, "old.pdf", 100).get_json()
    assert up.start(world.script.id, "third.pdf", 100).status_code == 429
    get_storage().abort(gone["key"], gone["uploadId"])  # the store dropped it
    _age_upload(old["uploadId"], 25)
    for row in file_rows():
        row.created_at = row.created_at - timedelta(hours=25)
    db.session.commit()

    done = runner.invoke(args=["storage", "gc", "--apply"])
    assert done.exit_code == 0, done.output
    assert f"Aborted upload {gone['key']}: the store no longer has it" in done.output
    assert done.output.splitlines()[-1] == "Done: 2 uploads aborted, 0 objects deleted."
    assert file_rows() == [] and open_uploads() == []
    assert db.session.scalar(db.select(db.func.count(EntryFile.id))) == 0
    assert up.start(world.script.id, "third.pdf", 100).status_code == 201

def test_gc_keeps_a_clean_copy_while_its_original_is_referenced(runner, owner_client, world):
    from portal.files.blind import ensure_clean_copy
    from portal.models import EntryFile

    up = Uploader(owner_client, world.entry.id)
    kept = up.upload(world.script.id, "kept.pdf", make_pdf()).get_json()
    file = db.session.get(EntryFile, kept["file_id"])
    copy_key = ensure_clean_copy(file=file, storage=get_storage())
    orphan_copy = "ha-tinh-2026/999/" + "ef" * 16 + ".derived-judge-clean-1"
    get_storage().put_file(orphan_copy, io.BytesIO(b"old copy"), content_type="application/pdf")

    done = runner.invoke(args=["storage", "gc", "--apply"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "Done: 0 uploads aborted, 1 objects deleted."
    assert stored_keys() == sorted([file.key, copy_key])
