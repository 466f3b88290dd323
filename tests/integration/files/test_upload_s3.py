"""The same protocol against S3 (moto over real HTTP): happy path and the bad-input set."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from portal.extensions import db
from tests.support.factories import make_user
from tests.support.uploader import xml_values
from tests.support.web import login

from .helpers import MiB, Uploader, file_rows, make_pdf, open_uploads, over_http, stored_keys


@pytest.fixture
def app_config(moto_endpoint):
    return {
        "UPLOAD_PART_SIZE": 5 * MiB,
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": f"portal-{uuid.uuid4().hex[:12]}",
        "S3_ENDPOINT_URL": moto_endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }


@pytest.fixture
def s3_uploader(runner, owner_client, world):
    result = runner.invoke(args=["storage", "init", "--origin", "http://localhost"])
    assert result.exit_code == 0, result.output


    return Uploader(owner_client, world.entry.id, http=over_http)


def test_s3_multipart_upload_is_verified(s3_uploader, world):
    data = make_pdf(pages=2, pad=11 * MiB)
    response = s3_uploader.upload(world.script.id, "Kịch bản.pdf", data)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["size"], body["page_count"]) == (len(data), 2)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    [row] = file_rows()
    assert stored_keys() == [row.key] and open_uploads() == []


def _rejected(response, world, message):
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == message
    [row] = file_rows(world.entry.id)
    assert (row.status, row.reject_reason) == ("rejected", message)
    assert stored_keys() == [] and open_uploads() == []


def test_s3_renamed_executable(s3_uploader, world):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000
    _rejected(s3_uploader.upload(world.script.id, "bai.pdf", exe), world,
              "Tệp này thực chất là một chương trình Windows (EXE), dù tên tệp ghi gì. "
              "Ô này chỉ nhận: PDF.")


def test_s3_truncated_pdf(s3_uploader, world):
    data = make_pdf(pages=4)
    _rejected(s3_uploader.upload(world.script.id, "cut.pdf", data[: len(data) // 2]), world,
              "Tệp PDF bị hỏng hoặc không đầy đủ. Hãy xuất lại tệp và tải lên tệp mới.")


def test_s3_zero_bytes_sent_for_a_declared_file(s3_uploader, world):
    started = s3_uploader.start(world.script.id, "a.pdf", 100).get_json()
    etag = s3_uploader.send_part(started["file_id"], 1, b"")
    _rejected(s3_uploader.complete(started["file_id"], [(1, etag)]), world,
              "Tệp trống (0 byte). Hãy tải tệp lên lại.")


def test_s3_one_byte_over_the_limit(s3_uploader, world):
    data = make_pdf()
    world.script.max_size = len(data) - 1
    db.session.commit()
    refused = s3_uploader.start(world.script.id, "a.pdf", len(data))
    assert (refused.status_code, refused.get_json()["error"]) == (
        413, f"Tệp có dung lượng {len(data):,} bytes; giới hạn của ô này là "
             f"{len(data) - 1:,} bytes.")
    started = s3_uploader.start(world.script.id, "a.pdf", len(data) - 1).get_json()
    etag = s3_uploader.send_part(started["file_id"], 1, data)
    _rejected(s3_uploader.complete(started["file_id"], [(1, etag)]), world,
              f"Tệp có dung lượng {len(data):,} bytes; giới hạn của ô này là "
              f"{len(data) - 1:,} bytes.")


def test_s3_completion_with_missing_part(s3_uploader, world):
    data = make_pdf(pad=12 * MiB)
    started = s3_uploader.start(world.script.id, "big.pdf", len(data)).get_json()
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    e1 = s3_uploader.send_part(started["file_id"], 1, chunks[0])
    response = s3_uploader.complete(started["file_id"], [(1, e1), (2, '"' + "0" * 32 + '"')])
    # The store itself refuses the completion (the plugin then retries or resumes).
    assert response.status_code == 400
    assert xml_values(response.sent.body, "Code") == ["InvalidPart"]
    [row] = file_rows()
    assert row.status == "uploading" and stored_keys() == [] and open_uploads() == [row.key]


def test_s3_names_and_keys(s3_uploader, world):
    for name in ("../../x/evil.pdf", "Phóng sự kỳ 1.pdf"):
        assert s3_uploader.upload(world.script.id, name, make_pdf()).status_code == 200
    rows = file_rows()
    assert [r.original_filename for r in rows] == ["evil.pdf", "Phóng sự kỳ 1.pdf"]
    assert all(r.key.startswith(f"ha-tinh-2026/{world.entry.id}/") and len(r.key.split("/")[2])
               == 32 for r in rows)


def test_s3_part_url_for_another_users_entry_is_404(app, s3_uploader, world):
    started = s3_uploader.start(world.script.id, "a.pdf", 100).get_json()
    make_user("intruder@example.vn")
    db.session.commit()
    other = app.test_client()
    login(other, "intruder@example.vn")
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      other.get("/").get_data(as_text=True)).group(1)
    response = other.post(f"/files/uploads/{started['file_id']}/parts/1",
                          headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 404
    assert "url" not in response.get_json()


def test_s3_download_redirects_to_presigned_url(s3_uploader, owner_client, world):
    data = make_pdf()
    file_id = s3_uploader.upload(world.script.id, "a.pdf", data).get_json()["file_id"]
    response = owner_client.get(f"/files/{file_id}")
    assert response.status_code == 302
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(response.headers["Location"], timeout=30).content == data


@pytest.mark.parametrize("moment", ["completed", "verified"])
def test_s3_signed_urls_die_with_the_upload(s3_uploader, owner_client, world, moment):
    """Issue 9, finding 1, on S3: every URL signed for an upload, replayed with other
    bytes after completion or verification, writes nothing; the download (a presigned
    GET) serves the verified bytes."""
    data = make_pdf(pages=2)
    up = s3_uploader
    fid = up.start(world.script.id, "bai.pdf", len(data)).get_json()["file_id"]
    part = up.sign(fid, "PUT", part_number=1).get_json()["url"]
    listing = up.sign(fid, "GET").get_json()["url"]
    etag = up.send("PUT", part, data).etag
    done = up.complete_in_storage(fid, [(1, etag)])
    assert done.status == 200
    if moment == "verified":
        assert up.verify(fid).status_code == 200
    evil = b"%PDF-1.4 evil " + b"x" * (len(data) - 14)
    # AWS and LocalStack answer 404 NoSuchUpload; moto a 500. Either way nothing is written.
    assert up.send("PUT", part, evil).status >= 400
    assert up.send("GET", listing).status >= 400
    again = up.sign(fid, "PUT", part_number=1)
    if moment == "verified":
        assert again.status_code == 409  # nothing is signed for a verified file
    else:  # signed without asking the store, but for an upload the store no longer has
        assert up.send("PUT", again.get_json()["url"], evil).status >= 400
    if moment == "completed":
        assert up.verify(fid).status_code == 200
    [row] = file_rows()
    assert row.status == "verified" and row.sha256 == hashlib.sha256(data).hexdigest()
    served = owner_client.get(f"/files/{row.id}")
    assert served.status_code == 302
    assert requests.get(served.headers["Location"], timeout=30).content == data
