"""The local store's disk fills up during an upload: 507 with the reason, nothing partial."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import EntryFile
from tests.support.factories import genre, make_contest, make_entry, make_user
from tests.support.faults import entry_state, row_dicts
from tests.support.media import MiB, make_pdf
from tests.support.uploader import Uploader
from tests.support.web import login

DISK_FULL = ("Ổ đĩa của máy chủ đã đầy nên không lưu được tệp. "
             "Hãy thử lại sau hoặc báo cho Ban Tổ chức.")


def _mount(path: Path, size: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                   check=True, capture_output=True)


def _resize(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True,
                   capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs for the uploads (a real ENOSPC from the kernel), unmounted afterwards."""
    root = tmp_path / "small-disk"
    root.mkdir()
    try:
        _mount(root, "8m")
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc)
        pytest.skip(f"cannot mount a tmpfs here (needs root): {detail!r}")
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False, capture_output=True)


@pytest.fixture
def app_config(small_disk):
    return {"PROPAGATE_EXCEPTIONS": False, "UPLOAD_PART_SIZE": 5 * MiB,
            "STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(small_disk / "uploads")}


def _leftovers(root: Path) -> list[str]:
    """Temp files and objects on the disk, as paths relative to the storage root."""
    return sorted(str(p.relative_to(root)) for folder in ("tmp", "objects", "meta")
                  for p in (root / folder).rglob("*") if p.is_file())


def test_disk_full_during_part_and_completion_refuses_clearly_and_leaves_nothing(
        app, small_disk):
    root = small_disk / "uploads"
    contest = make_contest(slug="ha-tinh-2026")
    owner = make_user("owner@example.vn")
    entry = make_entry(contest, owner, genre_code="TH", parts=2)
    script = next(s for s in genre(contest, "TH").slots if s.kind == "script")
    db.session.commit()
    entry_id, script_id = entry.id, script.id
    client = app.test_client()
    assert login(client, owner.email).status_code in (302, 303)
    uploader = Uploader(client, entry_id)

    small = make_pdf(pages=1)
    first = uploader.upload(script_id, "Kịch bản kỳ 1.pdf", small)
    assert first.status_code == 200, first.get_json()
    first_key = row_dicts(EntryFile)[0]["key"]
    kept_files = [f"objects/{first_key}", f"meta/{first_key}.json"]
    assert _leftovers(root) == sorted(kept_files)

    data = make_pdf(pages=2, pad=11 * MiB)
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    started = uploader.start(script_id, "Kịch bản đầy đủ.pdf", len(data))
    assert started.status_code == 201, started.get_json()
    file_id = started.get_json()["file_id"]
    etags = [uploader.send_part(file_id, 1, chunks[0])]
    before = entry_state(entry_id)

    # Part 2 does not fit on the 8 MB disk.
    sent = uploader.put_part(file_id, 2, chunks[1])
    assert (sent.status, sent.error()) == (507, DISK_FULL)
    assert _leftovers(root) == sorted(kept_files)  # no temp file, no half part
    listed = uploader.list_parts(file_id)
    assert [(n, size) for n, _e, size in listed] == [(1, 5 * MiB)]
    assert entry_state(entry_id) == before

    # More room: the parts fit, and so does the file: completion renames the file the
    # parts were written into, it needs no second copy of the bytes.
    _resize(small_disk, "13m")
    etags += [uploader.send_part(file_id, n, chunk)
              for n, chunk in enumerate(chunks[1:], start=2)]
    completed = uploader.complete(file_id, list(enumerate(etags, start=1)))
    assert completed.status_code == 200, completed.get_json()
    assert completed.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    [kept, done] = row_dicts(EntryFile, EntryFile.entry_id == entry_id)
    assert (kept["status"], done["status"], done["size"]) == ("verified", "verified", len(data))
    assert (root / "objects" / done["key"]).read_bytes() == data
    assert list((root / "tmp").iterdir()) == []
