"""LocalStorage only: signed part URLs, size limit, disk full, CSRF exemption."""

from __future__ import annotations

import errno
import os
import time

import pytest
from flask import Flask
from flask_babel import Babel
from flask_wtf import CSRFProtect

from portal.storage import StorageError, init_storage
from portal.storage import local as local_module

MiB = 1024 * 1024
KEY = "2025/entry-3/5d2c"


def leftovers(root) -> list[str]:
    """Every file under root/tmp, root/objects and root/meta (none may be left behind)."""
    found = []
    for sub in ("tmp", "objects", "meta"):
        for folder, _dirs, files in os.walk(root / sub):
            found += [os.path.join(folder, name) for name in files]
    return found


def part_files(root, upload_id) -> list[str]:
    return sorted(os.listdir(root / "multipart" / upload_id))


def test_signed_part_url_is_relative_to_the_app(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = local.storage.sign_part(KEY, upload_id, 1)
    assert url.startswith("/storage/part/")


def test_part_put_answers_quoted_md5_etag(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    response = local.put(local.storage.sign_part(KEY, upload_id, 4), b"abc")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"900150983cd24fb0d6963f7d28e17f72"'
    assert part_files(local.storage.root, upload_id) == [
        "meta.json",
        "part-00004",
        "part-00004.json",
    ]


def test_tampered_token_is_refused(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = local.storage.sign_part(KEY, upload_id, 1)
    tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BB")

    response = local.put(tampered, b"data")

    assert response.status_code == 403
    assert response.json() == {
        "error": "This upload link is invalid. Please reload the page and try again."
    }
    assert part_files(local.storage.root, upload_id) == ["meta.json"]


def test_expired_token_is_refused(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = local.storage.sign_part(KEY, upload_id, 1, expires_in=1)
    time.sleep(2.1)

    response = local.put(url, b"data")

    assert response.status_code == 403
    assert response.json() == {
        "error": "This upload link has expired. Reload the page to resume the upload."
    }


def test_token_for_another_app_secret_is_refused(local, tmp_path):
    other = local_module.LocalStorage(
        tmp_path / "other",
        secret_key="another-secret",
        url_for_part=lambda token: "/storage/part/" + token,
    )
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    forged = other._serializer.dumps({"k": KEY, "u": upload_id, "p": 1, "e": 3600})
    response = local.put("/storage/part/" + forged, b"data")
    assert response.status_code == 403


def test_part_for_an_aborted_upload_is_refused(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = local.storage.sign_part(KEY, upload_id, 1)
    local.storage.abort(KEY, upload_id)

    response = local.put(url, b"data")

    assert response.status_code == 404
    assert response.json()["error"] == (
        "This upload has expired or was cancelled. Please start it again."
    )
    assert leftovers(local.storage.root) == []


def test_oversized_part_is_refused_while_streaming(local):
    local.storage.max_part_size = 3 * MiB
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = local.storage.sign_part(KEY, upload_id, 1)

    # A generator makes requests send it chunked, with no Content-Length to check upfront.
    response = local.put(url, (b"x" * MiB for _ in range(4)))

    assert response.status_code == 413
    assert response.json() == {"error": "A part of the upload is larger than 3 MB."}
    assert part_files(local.storage.root, upload_id) == ["meta.json"]
    assert leftovers(local.storage.root) == []


def test_oversized_part_with_content_length_is_refused_upfront(local):
    local.storage.max_part_size = MiB
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    response = local.put(local.storage.sign_part(KEY, upload_id, 1), b"x" * (MiB + 1))
    assert response.status_code == 413
    assert part_files(local.storage.root, upload_id) == ["meta.json"]


def fail_after(monkeypatch, allowed_writes: int):
    """Make os.write (as LocalStorage calls it) hit ENOSPC after some successful writes."""
    real_write = os.write
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] > allowed_writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(local_module.os, "write", write)


DISK_FULL = (
    "The server's disk is full, so the file could not be saved. "
    "Please try again later or tell the secretariat."
)


def test_disk_full_while_receiving_a_part_leaves_nothing(local, monkeypatch):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = local.storage.sign_part(KEY, upload_id, 1)
    fail_after(monkeypatch, 2)

    response = local.put(url, os.urandom(5 * MiB))

    assert response.status_code == 507
    assert response.json() == {"error": DISK_FULL}
    assert part_files(local.storage.root, upload_id) == ["meta.json"]
    assert leftovers(local.storage.root) == []


def test_disk_full_while_completing_leaves_no_object_and_keeps_parts(local, monkeypatch):
    storage = local.storage
    upload_id = storage.start_upload(KEY, content_type="application/pdf")
    etags = [
        local.upload_part(KEY, upload_id, 1, os.urandom(5 * MiB)),
        local.upload_part(KEY, upload_id, 2, os.urandom(MiB)),
    ]
    fail_after(monkeypatch, 3)

    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, [(1, etags[0]), (2, etags[1])])

    assert caught.value.status == 507
    assert str(caught.value) == DISK_FULL
    assert leftovers(storage.root) == []
    with pytest.raises(StorageError):
        storage.head(KEY)
    # The user can retry once space is freed: the parts are still there.
    monkeypatch.undo()
    assert storage.complete(KEY, upload_id, [(1, etags[0]), (2, etags[1])]).size == 6 * MiB


def test_disk_full_in_put_file_leaves_nothing(local, monkeypatch):
    import io

    fail_after(monkeypatch, 1)
    with pytest.raises(StorageError) as caught:
        local.storage.put_file(KEY, io.BytesIO(os.urandom(3 * MiB)), content_type="application/pdf")
    assert str(caught.value) == DISK_FULL
    assert leftovers(local.storage.root) == []


def test_head_reports_sha256_recorded_at_write(local):
    import hashlib
    import io

    info = local.storage.put_file(KEY, io.BytesIO(b"abc"), content_type="text/plain")
    assert local.storage.head(KEY).sha256 == hashlib.sha256(b"abc").hexdigest() == info.sha256
    assert local.storage.local_path(KEY) == local.storage.root / "objects" / KEY


def test_part_put_works_under_csrf_protection_in_either_order(tmp_path):
    for csrf_first in (True, False):
        app = Flask(__name__, instance_path=str(tmp_path / f"i{csrf_first}"))
        app.config.update(SECRET_KEY="s", STORAGE_BACKEND="local")
        Babel(app)
        csrf = CSRFProtect()
        if csrf_first:
            csrf.init_app(app)
        storage = init_storage(app)
        if not csrf_first:
            csrf.init_app(app)
        with app.test_request_context():
            upload_id = storage.start_upload(KEY, content_type="application/pdf")
            url = storage.sign_part(KEY, upload_id, 1)
        response = app.test_client().put(url, data=b"abc")
        assert response.status_code == 200, (csrf_first, response.data)
        assert response.headers["ETag"] == '"900150983cd24fb0d6963f7d28e17f72"'
        assert storage.root == tmp_path / f"i{csrf_first}" / "uploads"
