"""The Storage contract, run identically against LocalStorage and S3Storage."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime, timedelta

import pytest

from portal.storage import StorageError
from portal.storage.base import normalize_etag

MiB = 1024 * 1024
KEY = "2025/entry-17/0b9f6c1e"


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def part_etag(backend: str, data: bytes) -> str:
    """S3's part ETag is the md5 of the part; LocalStorage's the cheaper sha256."""
    return (hashlib.md5 if backend == "s3" else hashlib.sha256)(data).hexdigest()


def object_etag(backend: str, chunks: list[bytes]) -> str:
    """The multipart scheme: digest of the parts' digests, "-<count>"."""
    algorithm = hashlib.md5 if backend == "s3" else hashlib.sha256
    joined = b"".join(algorithm(chunk).digest() for chunk in chunks)
    return f"{algorithm(joined).hexdigest()}-{len(chunks)}"


@pytest.fixture(params=[None, 5 * MiB], ids=["any-part-size", "fixed-part-size"])
def part_size(request):
    """Every upload-protocol test runs without and with the uploader's fixed part size
    (LocalStorage then writes parts in place; S3 ignores it)."""
    return request.param


def upload(harness, key: str, chunks: list[bytes], content_type="application/pdf",
           part_size=None):
    storage = harness.storage
    upload_id = storage.start_upload(key, content_type=content_type, part_size=part_size)
    etags = [
        harness.upload_part(key, upload_id, number, data)
        for number, data in enumerate(chunks, start=1)
    ]
    return upload_id, etags


def test_multipart_upload_round_trip_keeps_every_byte(harness, storage, part_size):
    chunks = [payload(5 * MiB, 1), payload(1234, 2)]
    source = b"".join(chunks)
    upload_id, etags = upload(harness, KEY, chunks, part_size=part_size)

    parts = storage.list_parts(KEY, upload_id)
    assert [(p.number, p.size, p.etag) for p in parts] == [
        (1, 5 * MiB, part_etag(harness.backend, chunks[0])),
        (2, 1234, part_etag(harness.backend, chunks[1])),
    ]
    assert [normalize_etag(e) for e in etags] == [p.etag for p in parts]

    info = storage.complete(KEY, upload_id, list(enumerate(etags, start=1)))
    assert (info.key, info.size, info.etag) == (
        KEY,
        len(source),
        object_etag(harness.backend, chunks),
    )
    head = storage.head(KEY)
    assert (head.size, head.content_type, head.etag) == (len(source), "application/pdf", info.etag)
    expected_sha = hashlib.sha256(source).hexdigest()
    if harness.backend == "local":
        assert head.sha256 == expected_sha
    assert storage.sha256(KEY) == expected_sha
    assert storage.read_range(KEY, 5 * MiB - 3, 10) == source[5 * MiB - 3 : 5 * MiB + 7]
    assert storage.read_range(KEY, len(source) - 4, 100) == source[-4:]
    assert storage.read_range(KEY, len(source) + 10, 5) == b""
    chunks_read = list(storage.iter_chunks(KEY, chunk_size=MiB))
    assert b"".join(chunks_read) == source
    assert max(len(chunk) for chunk in chunks_read) <= MiB
    assert storage.list_multipart_uploads() == []
    assert [(o.key, o.size) for o in storage.list_keys("2025/")] == [(KEY, len(source))]
    assert list(storage.list_keys("2024/")) == []


def test_abort_discards_parts_and_leaves_no_object(harness, storage, part_size):
    upload_id, _etags = upload(harness, KEY, [payload(1000)], part_size=part_size)
    assert [u[:2] for u in storage.list_multipart_uploads()] == [(KEY, upload_id)]

    storage.abort(KEY, upload_id)
    storage.abort(KEY, upload_id)  # idempotent

    with pytest.raises(StorageError) as caught:
        storage.list_parts(KEY, upload_id)
    assert str(caught.value) == "This upload has expired or was cancelled. Please start it again."
    with pytest.raises(StorageError) as caught:
        storage.head(KEY)
    assert caught.value.status == 404
    assert str(caught.value) == (
        "The file was not found in the file store. It may have been deleted."
    )
    assert storage.list_multipart_uploads() == []


def test_complete_with_a_part_missing_is_refused_and_stores_nothing(harness, storage, part_size):
    upload_id = storage.start_upload(KEY, content_type="application/pdf", part_size=part_size)
    first = harness.upload_part(KEY, upload_id, 1, payload(5 * MiB, 1))
    third = harness.upload_part(KEY, upload_id, 3, payload(10, 3))

    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, [(1, first), (2, '"0123456789abcdef"'), (3, third)])

    assert caught.value.status == 400
    assert str(caught.value) == (
        "Part 2 of the file never arrived or was damaged on the way. "
        "Your upload is kept; resume it to send the missing part."
    )
    with pytest.raises(StorageError):
        storage.head(KEY)
    assert [p.number for p in storage.list_parts(KEY, upload_id)] == [1, 3]


def test_complete_with_a_wrong_etag_is_refused(harness, storage, part_size):
    upload_id, (etag,) = upload(harness, KEY, [payload(100)], part_size=part_size)
    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, [(1, '"' + "0" * 32 + '"')])
    assert str(caught.value).startswith("Part 1 of the file never arrived")
    assert storage.complete(KEY, upload_id, [(1, etag)]).size == 100


def test_complete_with_a_small_middle_part_is_refused(harness, storage, part_size):
    upload_id, etags = upload(harness, KEY, [payload(100, 1), payload(100, 2)],
                              part_size=part_size)
    with pytest.raises(StorageError) as caught:
        storage.complete(KEY, upload_id, list(enumerate(etags, start=1)))
    assert str(caught.value) == (
        "Part 1 of the file is smaller than 5 MB but is not the last part. "
        "Please upload the file again."
    )


def test_upload_resumes_after_a_restart(harness, storage, part_size):
    chunks = [payload(5 * MiB, seed) for seed in (1, 2, 3)]
    upload_id = storage.start_upload(KEY, content_type="video/mp4", part_size=part_size)
    for number in (1, 2):
        harness.upload_part(KEY, upload_id, number, chunks[number - 1])

    restarted = harness.restart()
    assert restarted is not storage
    parts = restarted.list_parts(KEY, upload_id)
    assert [(p.number, p.size) for p in parts] == [(1, 5 * MiB), (2, 5 * MiB)]
    harness.upload_part(KEY, upload_id, 3, chunks[2], storage=restarted)
    parts = restarted.list_parts(KEY, upload_id)
    info = restarted.complete(KEY, upload_id, [(p.number, p.etag) for p in parts])

    assert info.size == 15 * MiB
    assert restarted.sha256(KEY) == hashlib.sha256(b"".join(chunks)).hexdigest()


def test_put_file_then_delete_is_idempotent(harness, storage):
    info = storage.put_file(KEY, io.BytesIO(b"hello"), content_type="text/plain")
    assert (info.size, info.etag) == (5, part_etag(harness.backend, b"hello"))
    assert storage.read_range(KEY, 1, 3) == b"ell"

    storage.delete(KEY)
    storage.delete(KEY)

    with pytest.raises(StorageError):
        storage.head(KEY)
    assert list(storage.list_keys()) == []


def test_missing_object_raises_for_every_read(storage):
    for read in (
        lambda: storage.head("nope"),
        lambda: storage.read_range("nope", 0, 10),
        lambda: storage.iter_chunks("nope"),
        lambda: storage.sha256("nope"),
    ):
        with pytest.raises(StorageError) as caught:
            read()
        assert caught.value.status == 404


@pytest.mark.parametrize("key", ["a/../b", "../etc/passwd", "/abs", "a//b", "a\\b", "ä/b", ""])
def test_unsafe_key_is_refused(storage, key):
    with pytest.raises(StorageError) as caught:
        storage.start_upload(key, content_type="application/pdf")
    assert str(caught.value) == "Invalid file name in the file store."
    with pytest.raises(StorageError):
        storage.put_file(key, io.BytesIO(b"x"), content_type="text/plain")


def test_list_multipart_uploads_reports_aware_utc_start(harness, storage):
    before = datetime.now(UTC) - timedelta(seconds=2)
    upload_id = storage.start_upload(KEY, content_type="audio/mpeg")
    [(key, listed_id, started)] = storage.list_multipart_uploads()
    assert (key, listed_id) == (KEY, upload_id)
    assert started.tzinfo is not None and started.utcoffset() == timedelta(0)
    if harness.backend == "local":  # moto reports a fixed 2010 date for every upload
        assert before <= started <= datetime.now(UTC) + timedelta(seconds=2)


def test_download_sends_vietnamese_filename_inline(harness, storage):
    storage.put_file(KEY, io.BytesIO(b"%PDF-1.4 body"), content_type="application/pdf")

    response = harness.download(
        KEY, filename="Bài báo số 1.pdf", content_type="application/pdf", inline=True
    )

    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 body"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="Bai bao so 1.pdf"; '
        "filename*=UTF-8''B%C3%A0i%20b%C3%A1o%20s%E1%BB%91%201.pdf"
    )


def test_download_strips_path_from_filename(harness, storage):
    storage.put_file(KEY, io.BytesIO(b"x"), content_type="application/pdf")
    response = harness.download(
        KEY, filename="../../etc/passwd.pdf", content_type="application/pdf", inline=False
    )
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"passwd.pdf\"; filename*=UTF-8''passwd.pdf"
    )


def test_download_never_shows_svg_inline(harness, storage):
    storage.put_file(KEY, io.BytesIO(b"<svg onload=alert(1)/>"), content_type="image/svg+xml")
    response = harness.download(KEY, filename="logo.svg", content_type="image/svg+xml", inline=True)
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"logo.svg\"; filename*=UTF-8''logo.svg"
    )


def test_download_serves_a_byte_range(harness, storage):
    source = payload(100_000)
    storage.put_file(KEY, io.BytesIO(source), content_type="audio/mpeg")
    response = harness.download(
        KEY,
        filename="phong-su.mp3",
        content_type="audio/mpeg",
        inline=True,
        headers={"Range": "bytes=1000-1999"},
    )
    assert response.status_code == 206
    assert response.content == source[1000:2000]
    assert response.headers["Content-Range"] == "bytes 1000-1999/100000"


def test_download_of_a_missing_object_is_refused(storage, harness):
    with pytest.raises(StorageError) as caught:
        storage.download_response(
            "nope", filename="a.pdf", content_type="application/pdf", inline=True
        )
    assert caught.value.status == 404
