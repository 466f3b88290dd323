"""Large files on S3: verified without reading them back; sha256 later by `flask storage
checksums`; ETag recorded on both backends; duplicates found by sha256, else ETag + size."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.files.services import duplicate_entries, duplicated_file_ids
from portal.models import AuditEvent, EntryFile
from portal.organize.listing import duplicate_files
from portal.storage import S3Storage, get_storage
from portal.storage.local import multipart_etag
from tests.support.factories import genre, make_entry

from .helpers import MiB, Uploader, file_rows, make_mp4, make_pdf, over_http

INLINE_MAX = 4 * MiB
SIZE = 11 * MiB  # three parts of 5 MiB


@pytest.fixture(scope="module")
def video():
    return make_mp4(SIZE)


def s3_etag(data: bytes, part: int = 5 * MiB) -> str:
    chunks = [data[i:i + part] for i in range(0, len(data), part)]
    joined = b"".join(hashlib.md5(c).digest() for c in chunks)
    return f"{hashlib.md5(joined).hexdigest()}-{len(chunks)}"


@pytest.fixture
def app_config(request):
    config = {"UPLOAD_PART_SIZE": 5 * MiB, "SHA256_INLINE_MAX": INLINE_MAX}
    if "s3" in request.node.name:
        config.update(
            STORAGE_BACKEND="s3", S3_BUCKET=f"portal-{uuid.uuid4().hex[:12]}",
            S3_ENDPOINT_URL=request.getfixturevalue("moto_endpoint"),
            S3_ACCESS_KEY_ID="testing", S3_SECRET_ACCESS_KEY="testing",
        )
    return config


@pytest.fixture
def uploader(app, runner, owner_client, world):
    if app.config["STORAGE_BACKEND"] != "s3":
        return Uploader(owner_client, world.entry.id)
    result = runner.invoke(args=["storage", "init", "--origin", "http://localhost"])
    assert result.exit_code == 0, result.output


    return Uploader(owner_client, world.entry.id, http=over_http)


def no_whole_reads(monkeypatch):
    """Fail the test if anything reads a whole object from S3 (ranges stay allowed)."""

    def whole(*args, **kwargs):
        raise AssertionError("a whole object was read back from S3")

    monkeypatch.setattr(S3Storage, "iter_chunks", whole)


def test_s3_large_video_is_verified_with_its_etag_and_no_read_back(
    uploader, world, video, monkeypatch
):
    no_whole_reads(monkeypatch)
    response = uploader.upload(world.video.id, "Phóng sự.mp4", video, part=1)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["size"], body["sha256"], body["etag"]) == (
        "verified", SIZE, None, s3_etag(video))
    assert body["duration_seconds"] == pytest.approx(2.0, abs=0.15)
    [row] = file_rows()
    assert (row.status, row.sha256, row.etag, row.size) == (
        "verified", None, s3_etag(video), SIZE)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "file.completed")).one()
    after = json.loads(event.after)
    assert (after["sha256"], after["etag"]) == (None, s3_etag(video))


def test_s3_small_file_gets_its_sha256_inline(uploader, world):
    data = make_pdf(pages=1)
    body = uploader.upload(world.script.id, "a.pdf", data).get_json()
    assert (body["sha256"], body["etag"]) == (
        hashlib.sha256(data).hexdigest(), s3_etag(data))


def test_s3_pdf_over_the_inline_limit_gets_sha256_from_the_pypdf_read(uploader, world):
    data = make_pdf(pages=2, pad=6 * MiB)
    body = uploader.upload(world.script.id, "big.pdf", data).get_json()
    assert (body["page_count"], body["sha256"]) == (2, hashlib.sha256(data).hexdigest())


def test_s3_checksums_command_records_the_sha256_audited(runner, uploader, world, video):
    uploader.upload(world.video.id, "v.mp4", video, part=1)
    [row] = file_rows()

    result = runner.invoke(args=["storage", "checksums"])

    digest = hashlib.sha256(video).hexdigest()
    assert (result.exit_code, result.output.splitlines()) == (0, [
        f"sha256 {digest} file {row.id} (v.mp4, key {row.key})",
        "Recorded 1 checksums, 0 failed, 0 files still without one.",
    ])
    [row] = file_rows()
    assert row.sha256 == digest
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "file.checksum")).one()
    assert (event.entry_id, json.loads(event.before), json.loads(event.after)) == (
        world.entry.id,
        {"file": row.id, "sha256": None, "etag": s3_etag(video)},
        {"file": row.id, "sha256": digest, "etag": s3_etag(video)},
    )
    again = runner.invoke(args=["storage", "checksums"])
    assert again.output == "Recorded 0 checksums, 0 failed, 0 files still without one.\n"


def test_s3_checksums_limit_and_unreadable_object(runner, uploader, world, video):
    uploader.upload(world.video.id, "v1.mp4", video, part=1)
    uploader.upload(world.video.id, "v2.mp4", video, part=2)
    first, second = file_rows()
    get_storage().delete(first.key)

    result = runner.invoke(args=["storage", "checksums", "--limit", "1"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAILED file {first.id} (v1.mp4, key {first.key}): "
        "The file was not found in the file store. It may have been deleted.",
        "Recorded 0 checksums, 1 failed, 2 files still without one.",
    ]
    result = runner.invoke(args=["storage", "checksums", "--limit", "5"])
    assert result.output.splitlines()[-1] == (
        "Recorded 1 checksums, 1 failed, 1 files still without one.")
    assert [r.sha256 for r in file_rows()] == [None, hashlib.sha256(video).hexdigest()]


def test_s3_verify_compares_the_recorded_etag(runner, uploader, world, video):
    uploader.upload(world.video.id, "v.mp4", video, part=1)
    ok = runner.invoke(args=["storage", "verify"])
    assert (ok.exit_code, ok.output) == (0, "Checked 1 files: 1 ok, 0 missing, 0 mismatched.\n")
    [row] = file_rows()
    row.etag = "0" * 32 + "-3"
    db.session.commit()

    bad = runner.invoke(args=["storage", "verify"])

    assert bad.exit_code == 1
    assert bad.output.splitlines() == [
        f"ETAG file {row.id} of entry #{world.entry.id} (v.mp4, key {row.key}): "
        f"stored {s3_etag(video)}, recorded {'0' * 32}-3",
        "Checked 1 files: 0 ok, 0 missing, 1 mismatched.",
    ]


def test_s3_same_large_video_in_two_entries_is_a_duplicate_by_etag(
    runner, app, owner_client, uploader, world, video
):
    other = make_entry(world.contest, world.owner, genre_code="TH")
    db.session.commit()
    first = Uploader(owner_client, other.id, http=uploader.http)
    assert first.upload(world.video.id, "a.mp4", video, part=1).get_json()["warning"] is None

    body = uploader.upload(world.video.id, "b.mp4", video, part=1).get_json()

    assert body["sha256"] is None
    assert body["warning"] == (
        "Một tệp giống hệt đã nằm trong một tác phẩm khác của giải này. Nếu đây là nhầm lẫn, "
        "hãy xoá tệp và tải lên đúng tệp; Ban Tổ chức sẽ thấy các tệp trùng nhau.")
    # still a duplicate when only one of them has its sha256 yet, and when both have it
    assert runner.invoke(args=["storage", "checksums", "--limit", "1"]).exit_code == 0
    a, b = file_rows()
    assert (a.sha256, b.sha256) == (hashlib.sha256(video).hexdigest(), None)
    assert duplicate_entries(b) == [other.id] and duplicate_entries(a) == [world.entry.id]
    runner.invoke(args=["storage", "checksums"])
    a, b = file_rows()
    assert a.sha256 == b.sha256
    assert duplicate_entries(b) == [other.id]


def test_local_upload_records_etag_and_sha256_written_in_place(uploader, world, video):
    started = uploader.start(world.video.id, "v.mp4", len(video), part=1,
                             type_="video/mp4").get_json()
    folder = get_storage().root / "multipart" / started["uploadId"]
    assert sorted(p.name for p in folder.iterdir()) == ["data", "meta.json"]
    chunks = [video[i:i + 5 * MiB] for i in range(0, len(video), 5 * MiB)]
    parts = [(n, uploader.send_part(started["file_id"], n, c))
             for n, c in enumerate(chunks, start=1)]

    body = uploader.complete(started["file_id"], parts).get_json()

    expected_etag = multipart_etag([hashlib.sha256(c).hexdigest() for c in chunks])
    assert (body["sha256"], body["etag"]) == (hashlib.sha256(video).hexdigest(), expected_etag)
    [row] = file_rows()
    assert (row.etag, row.sha256, row.size) == (expected_etag, body["sha256"], SIZE)
    assert Path(get_storage().media_source(row.key, expires_in=60).location).read_bytes() == video


def _file(entry, slot, *, sha256=None, etag=None, size=100, status=EntryFile.VERIFIED):
    row = EntryFile(entry=entry, slot=slot, key=f"k/{uuid.uuid4().hex}", original_filename="f",
                    sha256=sha256, etag=etag, size=size, status=status)
    db.session.add(row)
    return row


def test_duplicate_rules_sha256_when_both_have_one_else_etag_and_size(world):
    slot = next(s for s in genre(world.contest, "TH").slots if s.kind == "script")
    mine = world.entry
    cases = {  # name: (other file's sha256, etag, size, status) -> duplicate of mine?
        "same sha": (("a" * 64, "e1", 100, "verified"), True),
        "other sha, same etag": (("b" * 64, "e1", 100, "verified"), False),
        "no sha, same etag+size": ((None, "e1", 100, "verified"), True),
        "no sha, same etag, other size": ((None, "e1", 101, "verified"), False),
        "no sha, other etag": ((None, "e2", 100, "verified"), False),
        "same sha, rejected": (("a" * 64, "e1", 100, "rejected"), False),
    }
    others = {}
    for name, ((sha, etag, size, status), _dup) in cases.items():
        entry = make_entry(world.contest, world.owner, genre_code="TH")
        _file(entry, slot, sha256=sha, etag=etag, size=size, status=status)
        others[name] = entry
    target = _file(mine, slot, sha256="a" * 64, etag="e1", size=100)
    db.session.commit()

    expected = sorted(others[n].id for n, (_v, dup) in cases.items() if dup)
    assert duplicate_entries(target) == expected
    assert duplicated_file_ids(mine) == {target.id}
    refs = duplicate_files(world.contest, [mine.id])[mine.id]
    assert refs == sorted(f"#{i}" for i in expected)

    # without a sha256 of its own, the ETag and size decide against every other file
    target.sha256 = None
    db.session.commit()
    expected = sorted(others[n].id for n in ("same sha", "other sha, same etag",
                                             "no sha, same etag+size"))
    assert duplicate_entries(target) == expected
    assert duplicate_files(world.contest, [mine.id])[mine.id] == sorted(f"#{i}" for i in expected)
    target.etag = None
    db.session.commit()
    assert duplicate_entries(target) == []
    assert duplicated_file_ids(mine) == set()
    assert duplicate_files(world.contest, [mine.id]) == {}
