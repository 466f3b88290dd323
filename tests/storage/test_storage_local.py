"""LocalStorage only: signed part URLs, size limit, disk full, CSRF exemption."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from flask_wtf import CSRFProtect

from portal.storage import StorageError, init_storage
from portal.storage import local as local_module
from tests.support.storage_requests import error_message, part_url

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
    url = part_url(local.storage, KEY, upload_id, 1, 3)
    assert url.startswith(f"/storage/s3/{KEY}?uploadId={upload_id}&partNumber=1&token=")


ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_part_put_answers_quoted_sha256_etag(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    response = local.put(part_url(local.storage, KEY, upload_id, 4, 3), b"abc")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{ABC_SHA256}"'
    assert part_files(local.storage.root, upload_id) == [
        "meta.json",
        "part-00004",
        "part-00004.json",
    ]


def test_tampered_token_is_refused(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = part_url(local.storage, KEY, upload_id, 1, 4)
    tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BB")

    response = local.put(tampered, b"data")

    assert response.status_code == 403
    assert error_message(response) == (
        "This upload link is invalid. Please reload the page and try again."
    )
    assert part_files(local.storage.root, upload_id) == ["meta.json"]


def test_expired_token_is_refused(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = part_url(local.storage, KEY, upload_id, 1, 4, expires_in=1)
    time.sleep(2.1)

    response = local.put(url, b"data")

    assert response.status_code == 403
    assert error_message(response) == (
        "This upload link has expired. Reload the page to resume the upload."
    )


def test_token_for_another_app_secret_is_refused(local, tmp_path):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    other = local_module.LocalStorage(
        local.storage.root,
        secret_key="another-secret",
        url_for_request=lambda key, query: local.storage._url_for_request(key, query),
    )
    response = local.put(part_url(other, KEY, upload_id, 1, 4), b"data")
    assert response.status_code == 403
    assert part_files(local.storage.root, upload_id) == ["meta.json"]


def test_part_for_an_aborted_upload_is_refused(local):
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = part_url(local.storage, KEY, upload_id, 1, 4)
    local.storage.abort(KEY, upload_id)

    response = local.put(url, b"data")

    assert response.status_code == 404
    assert error_message(response) == (
        "This upload has expired or was cancelled. Please start it again."
    )
    assert leftovers(local.storage.root) == []


def test_oversized_part_is_refused_while_streaming(local):
    local.storage.max_part_size = 3 * MiB
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    url = part_url(local.storage, KEY, upload_id, 1, 4 * MiB)

    # A generator makes requests send it chunked, with no Content-Length to check upfront.
    response = local.put(url, (b"x" * MiB for _ in range(4)))

    assert response.status_code == 413
    assert error_message(response) == ("A part of the upload is larger than 3 MB.")
    assert part_files(local.storage.root, upload_id) == ["meta.json"]
    assert leftovers(local.storage.root) == []


def test_oversized_part_with_content_length_is_refused_upfront(local):
    local.storage.max_part_size = MiB
    upload_id = local.storage.start_upload(KEY, content_type="application/pdf")
    response = local.put(part_url(local.storage, KEY, upload_id, 1, MiB + 1), b"x" * (MiB + 1))
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
    url = part_url(local.storage, KEY, upload_id, 1, 5 * MiB)
    fail_after(monkeypatch, 2)

    response = local.put(url, os.urandom(5 * MiB))

    assert response.status_code == 507
    assert error_message(response) == (DISK_FULL)
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
    source = local.storage.media_source(KEY, expires_in=60)
    assert (Path(source.location), source.local) == (local.storage.root / "objects" / KEY, True)


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
            url = part_url(storage, KEY, upload_id, 1, 3)
        response = app.test_client().put(url, data=b"abc")
        assert response.status_code == 200, (csrf_first, response.data)
        assert response.headers["ETag"] == f'"{ABC_SHA256}"'
        assert storage.root == tmp_path / f"i{csrf_first}" / "uploads"


# Parts written in place (the uploader's fixed part size) --------------------------------

PART = 6 * MiB  # above the 5 MiB floor, so "wrong size" and "too small" differ


def start_fixed(storage) -> str:
    return storage.start_upload(KEY, content_type="video/mp4", part_size=PART)


def chunks_of(data: bytes) -> list[bytes]:
    return [data[i:i + PART] for i in range(0, len(data), PART)]


def test_fixed_size_parts_go_straight_into_one_file_that_becomes_the_object(local):
    import hashlib

    storage = local.storage
    data = os.urandom(2 * PART + 777)
    upload_id = start_fixed(storage)
    # out of order, as four parallel PUTs arrive
    etags = {n: local.upload_part(KEY, upload_id, n, chunks_of(data)[n - 1]) for n in (3, 1, 2)}
    folder = storage.root / "multipart" / upload_id
    assert part_files(storage.root, upload_id) == [
        "data", "meta.json",
        "part-00001.json", "part-00001.lock", "part-00002.json", "part-00002.lock",
        "part-00003.json", "part-00003.lock",
    ]
    assembly = (folder / "data").stat()
    assert assembly.st_size == len(data)

    info = storage.complete(KEY, upload_id, sorted(etags.items()))

    assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert info.etag == local_module.multipart_etag(
        [hashlib.sha256(c).hexdigest() for c in chunks_of(data)])
    published = Path(storage.media_source(KEY, expires_in=60).location)
    assert published.read_bytes() == data
    # renamed, not copied: the object is the very file the parts were written into
    assert (published.stat().st_ino, published.stat().st_dev) == (
        assembly.st_ino, assembly.st_dev)
    assert not folder.exists()
    assert storage.head(KEY).sha256 == info.sha256
    assert os.listdir(storage.root / "tmp") == []


def test_fixed_size_part_longer_than_the_part_size_is_refused(local):
    upload_id = start_fixed(local.storage)
    response = local.put(part_url(local.storage, KEY, upload_id, 2, PART + 1), b"x" * (PART + 1))
    assert response.status_code == 413
    assert error_message(response) == ("A part of the upload is larger than 6 MB.")
    assert local.storage.list_parts(KEY, upload_id) == []


def test_fixed_size_short_middle_part_is_refused_and_can_be_sent_again(local):
    storage = local.storage
    data = os.urandom(2 * PART + 10)
    upload_id = start_fixed(storage)
    first = local.upload_part(KEY, upload_id, 1, data[:PART - 1] + b"")
    second = local.upload_part(KEY, upload_id, 2, data[PART:2 * PART])
    third = local.upload_part(KEY, upload_id, 3, data[2 * PART:])

    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, [(1, first), (2, second), (3, third)])

    assert (caught.value.status, str(caught.value)) == (400, (
        "Part 1 of the file does not have the size this upload uses for its parts. "
        "Your upload is kept; resume it to send that part again."))
    with pytest.raises(StorageError):
        storage.head(KEY)
    first = local.upload_part(KEY, upload_id, 1, data[:PART])
    assert storage.complete(KEY, upload_id, [(1, first), (2, second), (3, third)]).size == len(
        data)
    assert Path(storage.media_source(KEY, expires_in=60).location).read_bytes() == data


def test_fixed_size_retried_part_same_bytes_is_fine_other_bytes_replace_it(local):
    storage = local.storage
    one, two = os.urandom(PART), os.urandom(100)
    upload_id = start_fixed(storage)
    first = local.upload_part(KEY, upload_id, 1, one)
    assert local.upload_part(KEY, upload_id, 1, one) == first  # a retry: same ETag
    second = local.upload_part(KEY, upload_id, 2, two)
    other = os.urandom(PART)
    replaced = local.upload_part(KEY, upload_id, 1, other)

    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, [(1, first), (2, second)])
    assert str(caught.value).startswith("Part 1 of the file never arrived")

    storage.complete(KEY, upload_id, [(1, replaced), (2, second)])
    assert Path(storage.media_source(KEY, expires_in=60).location).read_bytes() == other + two


def fail_writes_after(monkeypatch, allowed: int):
    """ENOSPC from os.write and os.pwrite (as LocalStorage calls them) after some writes."""
    real_write, real_pwrite = os.write, os.pwrite
    calls = {"n": 0}

    def count():
        calls["n"] += 1
        if calls["n"] > allowed:
            raise OSError(errno.ENOSPC, "No space left on device")

    def write(fd, data):
        count()
        return real_write(fd, data)

    def pwrite(fd, data, offset):
        count()
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(local_module.os, "write", write)
    monkeypatch.setattr(local_module.os, "pwrite", pwrite)


def test_fixed_size_disk_full_while_receiving_lists_no_part_and_retry_works(local, monkeypatch):
    storage = local.storage
    upload_id = start_fixed(storage)
    url = part_url(storage, KEY, upload_id, 1, PART)
    data = os.urandom(PART)
    fail_writes_after(monkeypatch, 2)

    response = local.put(url, data)

    assert response.status_code == 507
    assert error_message(response) == (DISK_FULL)
    assert storage.list_parts(KEY, upload_id) == []
    assert leftovers(storage.root) == []
    monkeypatch.undo()
    etag = local.upload_part(KEY, upload_id, 1, data)
    assert storage.complete(KEY, upload_id, [(1, etag)]).size == PART
    assert Path(storage.media_source(KEY, expires_in=60).location).read_bytes() == data


def test_fixed_size_disk_full_while_completing_keeps_the_upload(local, monkeypatch):
    storage = local.storage
    data = os.urandom(2 * PART + 3)
    upload_id = start_fixed(storage)
    etags = [local.upload_part(KEY, upload_id, n, c) for n, c in
             enumerate(chunks_of(data), start=1)]
    fail_writes_after(monkeypatch, 0)  # the object's meta cannot be written

    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, list(enumerate(etags, start=1)))

    assert (caught.value.status, str(caught.value)) == (507, DISK_FULL)
    assert leftovers(storage.root) == []
    monkeypatch.undo()
    assert [p.number for p in storage.list_parts(KEY, upload_id)] == [1, 2, 3]
    storage.complete(KEY, upload_id, list(enumerate(etags, start=1)))
    assert Path(storage.media_source(KEY, expires_in=60).location).read_bytes() == data


def test_fixed_size_completion_with_fewer_parts_forgets_the_ones_it_cuts_off(local, monkeypatch):
    storage = local.storage
    data = os.urandom(3 * PART)
    upload_id = start_fixed(storage)
    etags = [local.upload_part(KEY, upload_id, n, c) for n, c in
             enumerate(chunks_of(data), start=1)]
    fail_writes_after(monkeypatch, 0)
    with pytest.raises(StorageError):
        storage.complete(KEY, upload_id, [(1, etags[0]), (2, etags[1])])
    monkeypatch.undo()

    # part 3's bytes were cut off with the file: it must be sent again, not trusted
    assert [p.number for p in storage.list_parts(KEY, upload_id)] == [1, 2]
    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, list(enumerate(etags, start=1)))
    assert str(caught.value).startswith("Part 3 of the file never arrived")
    third = local.upload_part(KEY, upload_id, 3, data[2 * PART:])
    storage.complete(KEY, upload_id, [(1, etags[0]), (2, etags[1]), (3, third)])
    assert Path(storage.media_source(KEY, expires_in=60).location).read_bytes() == data


def test_fixed_size_part_still_arriving_answers_503(local):
    import fcntl

    storage = local.storage
    upload_id = start_fixed(storage)
    folder = storage.root / "multipart" / upload_id
    # an earlier copy of part 1 is still being received (it holds the part's lock)
    lock = os.open(folder / "part-00001.lock", os.O_WRONLY | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        response = local.put(part_url(storage, KEY, upload_id, 1, 10), b"x" * 10)
    finally:
        os.close(lock)
    assert response.status_code == 503
    assert error_message(response) == (
        "An earlier copy of this part is still arriving. It will be sent again in a moment.")
    assert local.upload_part(KEY, upload_id, 1, b"x" * 10)  # once it is done, fine


def test_fixed_size_completion_waits_for_a_part_still_arriving(local, monkeypatch):
    import fcntl

    storage = local.storage
    upload_id = start_fixed(storage)
    etag = local.upload_part(KEY, upload_id, 1, b"abc")
    monkeypatch.setattr(local_module, "COMPLETE_WAIT_SECONDS", 0.2)
    receiving = os.open(storage.root / "multipart" / upload_id / "data", os.O_WRONLY)
    try:
        fcntl.flock(receiving, fcntl.LOCK_SH)  # as a part being written holds it
        with pytest.raises(StorageError) as caught:
            storage.complete(KEY, upload_id, [(1, etag)])
    finally:
        os.close(receiving)
    assert (caught.value.status, str(caught.value)) == (
        503, "A part of the file is still arriving. Please try again in a moment.")
    assert storage.complete(KEY, upload_id, [(1, etag)]).size == 3


def test_fixed_size_part_after_completion_or_abort_is_refused(local):
    storage = local.storage
    upload_id = start_fixed(storage)
    late = part_url(storage, KEY, upload_id, 2, 3)
    etag = local.upload_part(KEY, upload_id, 1, b"abc")
    storage.complete(KEY, upload_id, [(1, etag)])
    response = local.put(late, b"zzz")
    assert response.status_code == 404
    assert Path(storage.media_source(KEY, expires_in=60).location).read_bytes() == b"abc"

    upload_id = storage.start_upload("2025/entry-3/other", content_type="video/mp4",
                                     part_size=PART)
    url = part_url(storage, "2025/entry-3/other", upload_id, 1, 3)
    storage.abort("2025/entry-3/other", upload_id)
    assert local.put(url, b"zzz").status_code == 404
    assert os.listdir(storage.root / "multipart") == []
    assert os.listdir(storage.root / "tmp") == []
