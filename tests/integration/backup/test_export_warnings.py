"""The export reports what the file store lacks or holds differently, and still completes."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import EntryFile
from portal.storage import get_storage
from tests.integration.backup.edition import read_zip_json, seed_edition


def test_export_warns_about_missing_and_changed_objects(app, runner, tmp_path):
    seeded = seed_edition(get_storage())
    lost, changed = seeded["keys"][0], seeded["keys"][2]
    get_storage().delete(lost)
    row = db.session.scalars(sa.select(EntryFile).where(EntryFile.key == changed)).one()
    row.sha256 = "0" * 64
    db.session.commit()
    out = tmp_path / "e.zip"

    result = runner.invoke(args=["edition", "export", "ha-tinh-2026", str(out), "--with-files"])

    assert result.exit_code == 0, result.output
    assert "4 files in the manifest, 2 objects" in result.output
    assert f"Warning: verified file {lost} is not in the file store." in result.output
    assert (f"Warning: the stored bytes of {changed} differ from its recorded sha256."
            in result.output)
    manifest = {f["key"]: f for f in read_zip_json(out, "manifest.json")["files"]}
    assert (manifest[lost]["present"], manifest[lost]["size"]) == (False, None)
    assert manifest[changed]["recorded_sha256"] == "0" * 64
    assert manifest[changed]["sha256"] == get_storage().sha256(changed)
