"""Export and import stream objects: memory stays flat whatever the file size."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import zipfile

from portal.extensions import db
from portal.models import Entry, EntryFile
from portal.storage import get_storage
from tests.support.factories import make_contest, make_entry, make_user

SIZE = 24 * 1024 * 1024
LIMIT = 6 * 1024 * 1024


def _peak(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_large_object_is_streamed_both_ways(app, runner, make_fresh_app, tmp_path):
    owner = make_user()
    contest = make_contest(slug="video-2026")
    entry = make_entry(contest, owner, genre_code="TH", status=Entry.SUBMITTED)
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256(block * (SIZE // len(block))).hexdigest()
    key = f"video-2026/{entry.id}/phong-su"
    get_storage().put_file(key, io.BytesIO(block * (SIZE // len(block))),
                           content_type="video/mp4")
    db.session.add(EntryFile(entry=entry, slot=entry.genre.slots[0], key=key,
                             original_filename="phóng sự.mp4", content_type="video/mp4",
                             size=SIZE, sha256=digest, status=EntryFile.VERIFIED))
    db.session.commit()
    out = tmp_path / "video.zip"

    results = []
    peak = _peak(lambda: results.append(runner.invoke(
        args=["edition", "export", "video-2026", str(out), "--with-files"])))

    assert results[0].exit_code == 0, results[0].output
    assert peak < LIMIT, f"export peaked at {peak} bytes for a {SIZE}-byte object"
    with zipfile.ZipFile(out) as zf:
        assert zf.getinfo(f"objects/{key}").file_size == SIZE

    fresh = make_fresh_app()
    with fresh.app_context():
        runner = fresh.test_cli_runner()
        results = []
        peak = _peak(lambda: results.append(runner.invoke(args=["edition", "import", str(out)])))
        assert results[0].exit_code == 0, results[0].output
        assert peak < LIMIT, f"import peaked at {peak} bytes for a {SIZE}-byte object"
        assert get_storage().sha256(key) == digest
