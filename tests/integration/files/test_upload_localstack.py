"""What a signed upload URL allows, against an S3 that checks signatures (LocalStack):
moto checks none, so these guarantees of issue 9 (findings 1 and 6) are proven here."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from tests.support.s3 import localstack_server

from .helpers import MiB, Uploader, file_rows, make_pdf, open_uploads, over_http


@pytest.fixture(scope="module")
def localstack_endpoint(tmp_path_factory):
    with localstack_server(str(tmp_path_factory.mktemp("localstack"))) as endpoint:
        yield endpoint


@pytest.fixture
def app_config(localstack_endpoint):
    return {
        "UPLOAD_PART_SIZE": 5 * MiB,
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": f"portal-{uuid.uuid4().hex[:12]}",
        "S3_ENDPOINT_URL": localstack_endpoint,
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
    }


@pytest.fixture
def up(runner, owner_client, world):
    result = runner.invoke(args=["storage", "init", "--origin", "http://localhost"])
    assert result.exit_code == 0, result.output
    return Uploader(owner_client, world.entry.id, http=over_http)


def test_a_part_url_writes_exactly_its_signed_length_to_its_own_key(up, world):
    size = 11 * MiB
    fid = up.start(world.script.id, "a.pdf", size).get_json()["file_id"]
    last = up.sign(fid, "PUT", part_number=3).get_json()["url"]  # 1 MiB: the rest
    assert up.send("PUT", last, b"x" * (MiB + 1)).status == 403  # longer than signed
    assert up.send("PUT", last, b"x" * (MiB - 1)).status == 403  # shorter (truncated)
    key = up.uploads[fid]["key"]
    swapped = last.replace(key, key[:-1] + ("0" if key[-1] != "0" else "1"))
    assert up.send("PUT", swapped, b"x" * MiB).status == 403  # another key
    assert up.send("PUT", last, b"x" * MiB).status == 200
    assert [(n, s) for n, _e, s in up.list_parts(fid)] == [(3, MiB)]


def test_every_signed_url_is_dead_after_completion_and_verification(up, owner_client, world):
    data = make_pdf(pages=2)
    fid = up.start(world.script.id, "bai.pdf", len(data)).get_json()["file_id"]
    part = up.sign(fid, "PUT", part_number=1).get_json()["url"]
    listing = up.sign(fid, "GET").get_json()["url"]
    etag = up.send("PUT", part, data).etag
    assert up.complete_in_storage(fid, [(1, etag)]).status == 200
    evil = b"%PDF-1.4 evil " + b"x" * (len(data) - 14)
    assert up.send("PUT", part, evil).status == 404  # NoSuchUpload
    assert up.send("GET", listing).status == 404
    assert up.verify(fid).status_code == 200
    assert up.send("PUT", part, evil).status == 404
    assert up.sign(fid, "PUT", part_number=1).status_code == 409
    [row] = file_rows()
    assert row.sha256 == hashlib.sha256(data).hexdigest() and open_uploads() == []
    served = owner_client.get(f"/files/{row.id}")
    assert served.status_code == 302
    assert requests.get(served.headers["Location"], timeout=30).content == data
