"""The one upload protocol on local storage: what the portal signs, and that no signed URL
outlives its upload (issue 9, findings 1 and 6). The same replay runs on S3 in
test_upload_s3.py and against a signature-checking S3 in tests/storage/test_localstack.py.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from portal.extensions import db
from portal.models import Entry, EntryFile
from tests.support.factories import add_verified_files
from tests.support.uploader import xml_values
from tests.support.web import login, post_form

from .helpers import MiB, Uploader, file_rows, make_pdf, open_uploads, stored_keys


def test_plugin_protocol_completes_in_storage_then_the_portal_verifies(owner_client, world):
    data = make_pdf(pages=2, pad=11 * MiB)
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "../../Phóng sự.pdf", len(data))
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert re.fullmatch(rf"ha-tinh-2026/{world.entry.id}/[0-9a-f]{{32}}", body["key"])
    assert body["uploadId"] and open_uploads() == [body["key"]]  # the portal opened it
    assert (body["part_size"], body["parts"]) == (5 * MiB, 3)
    parts = [(n, up.send_part(body["file_id"], n, chunk))
             for n, chunk in enumerate(up.chunks(body["file_id"], data), start=1)]
    done = up.complete_in_storage(body["file_id"], parts)
    assert done.status == 200 and xml_values(done.body, "Key") == [body["key"]]
    verified = up.verify(body["file_id"])
    assert verified.status_code == 200, verified.get_json()
    [row] = file_rows()
    assert (row.status, row.size, row.sha256, row.upload_id, row.original_filename) == (
        EntryFile.VERIFIED, len(data), hashlib.sha256(data).hexdigest(), None, "Phóng sự.pdf")
    assert stored_keys() == [row.key] and open_uploads() == []


def test_portal_signs_only_requests_on_the_open_upload(owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    size = 11 * MiB  # three parts of 5 MiB
    started = up.start(world.script.id, "a.pdf", size).get_json()
    fid, key = started["file_id"], started["key"]
    not_signed = "Cổng thông tin không ký loại yêu cầu này."
    cases = [
        # CreateMultipartUpload and a single PUT: the portal opens uploads itself.
        (up.sign(fid, "POST", upload_id=""), 400, "Yêu cầu tải lên này không đúng định dạng."),
        (up._post(f"/files/uploads/{fid}/sign", {"method": "POST", "key": key}), 403,
         not_signed),
        (up._post(f"/files/uploads/{fid}/sign", {"method": "PUT", "key": key}), 403,
         not_signed),
        (up.sign(fid, "HEAD"), 403, not_signed),
        (up.sign(fid, "PUT", part_number=1, key="ha-tinh-2026/1/other"), 403,
         "Cổng thông tin không ký yêu cầu cho tên tệp này."),
        (up.sign(fid, "PUT", part_number=1, upload_id="f" * 32), 403,
         "Mã tải lên này không thuộc về tệp này."),
        (up.sign(fid, "PUT", part_number=4), 403,
         "Phần này nằm ngoài dung lượng tệp đã khai báo."),
        (up.sign(fid, "PUT", part_number=0), 400, "Số thứ tự phần tải lên không hợp lệ."),
    ]
    for response, status, message in cases:
        assert (response.status_code, response.get_json()["error"]) == (status, message)
    # Each part is signed for its exact length: 5 MiB, 5 MiB, then the remaining 1 MiB.
    for number, length in ((1, 5 * MiB), (3, size - 10 * MiB)):
        url = up.sign(fid, "PUT", part_number=number).get_json()["url"]
        assert up.send("PUT", url, b"x" * (length + 1)).status == 413
        assert up.send("PUT", url, b"x" * (length - 1)).status == 400
        assert up.send("PUT", url, b"x" * length).status == 200
    assert [(n, s) for n, _e, s in up.list_parts(fid)] == [(1, 5 * MiB), (3, size - 10 * MiB)]


def _open_upload(up, world, data):
    started = up.start(world.script.id, "bai.pdf", len(data)).get_json()
    fid = started["file_id"]
    urls = {
        "part": up.sign(fid, "PUT", part_number=1).get_json()["url"],
        "list": up.sign(fid, "GET").get_json()["url"],
        "abort": up.sign(fid, "DELETE").get_json()["url"],
    }
    return fid, urls


def _replay_changes_nothing(up, fid, urls, data, *, complete_url=None):
    """Every signed URL, sent again with other bytes, is refused; the object (if any)
    still holds ``data``."""
    evil = b"%PDF-1.4 evil " + b"x" * (len(data) - 14)
    assert up.send("PUT", urls["part"], evil).status in (403, 404)
    assert up.send("GET", urls["list"]).status in (403, 404)
    if complete_url:
        again = up.send("POST", complete_url, b"<CompleteMultipartUpload/>")
        assert again.status in (400, 403, 404)
    # Abort of a finished upload is a no-op: the stored object stays.
    up.send("DELETE", urls["abort"])
    for method in ("PUT", "GET", "DELETE"):  # nothing more is signed for this file
        response = up.sign(fid, method, part_number=1 if method == "PUT" else None)
        assert response.status_code in (404, 409), response.get_json()


@pytest.mark.parametrize("moment", ["completed", "verified"])
def test_signed_urls_die_when_the_upload_completes(app, owner_client, world, moment):
    data = make_pdf(pages=2)
    up = Uploader(owner_client, world.entry.id)
    fid, urls = _open_upload(up, world, data)
    etag = up.send_part(fid, 1, data)
    complete = up.sign(fid, "POST").get_json()["url"]
    body = f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>" \
           "</Part></CompleteMultipartUpload>"
    assert up.send("POST", complete, body.encode()).status == 200
    if moment == "verified":
        assert up.verify(fid).status_code == 200
    _replay_changes_nothing(up, fid, urls, data, complete_url=complete)
    if moment == "completed":
        assert up.verify(fid).status_code == 200
    [row] = file_rows()
    assert row.status == EntryFile.VERIFIED and row.sha256 == hashlib.sha256(data).hexdigest()
    served = owner_client.get(f"/files/{row.id}")
    assert served.status_code == 200 and served.get_data() == data
    assert open_uploads() == []


def test_signed_urls_die_when_the_upload_is_cancelled(owner_client, world):
    data = make_pdf()
    up = Uploader(owner_client, world.entry.id)
    fid, urls = _open_upload(up, world, data)
    assert up.abort(fid).status_code == 200
    _replay_changes_nothing(up, fid, urls, data)
    assert file_rows() == [] and open_uploads() == [] and stored_keys() == []


def test_signed_urls_of_a_draft_die_when_it_is_submitted(app, owner_client, world):
    add_verified_files(world.entry)
    db.session.commit()
    data = make_pdf()
    up = Uploader(owner_client, world.entry.id)
    fid, urls = _open_upload(up, world, data)
    response = post_form(owner_client, f"/entries/{world.entry.id}/submit",
                         {"version": str(world.entry.version)},
                         page=f"/entries/{world.entry.id}/submit")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    world.refresh()
    assert db.session.get(Entry, world.entry.id).status == Entry.SUBMITTED
    assert up.send("PUT", urls["part"], data).status == 404
    assert open_uploads() == [] and stored_keys() == []
    assert all(f.status == EntryFile.VERIFIED for f in file_rows(world.entry.id))
    assert db.session.get(EntryFile, fid) is None


def test_served_bytes_must_be_the_verified_ones(owner_client, world):
    """Second lock: should the stored object change anyway (by hand, a bug, another
    tool), the portal refuses to serve it instead of serving other bytes."""
    data = make_pdf()
    up = Uploader(owner_client, world.entry.id)
    assert up.upload(world.script.id, "a.pdf", data).status_code == 200
    [row] = file_rows()
    from io import BytesIO

    from portal.storage import get_storage

    get_storage().put_file(row.key, BytesIO(data + b"%tampered"), content_type="application/pdf")
    response = owner_client.get(f"/files/{row.id}")
    assert response.status_code == 409
    assert data + b"%tampered" not in response.get_data()


def test_open_uploads_per_person_are_capped(app, owner_client, world):
    app.config["UPLOAD_OPEN_MAX"] = 2
    up = Uploader(owner_client, world.entry.id)
    for name in ("a.pdf", "b.pdf"):
        assert up.start(world.script.id, name, 100).status_code == 201
    third = up.start(world.script.id, "c.pdf", 100)
    assert (third.status_code, third.get_json()["error"]) == (
        429, "Bạn đang có 2 lượt tải lên chưa xong. Hãy chờ chúng xong hoặc huỷ bớt rồi mới "
             "tải tệp khác.")
    assert len(open_uploads()) == 2 and len(file_rows()) == 2


def test_another_user_cannot_sign_verify_or_abort(app, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", 100).get_json()
    from tests.support.factories import make_user

    stranger = make_user("stranger@example.vn")
    db.session.commit()
    other = app.test_client()
    login(other, stranger.email)
    thief = Uploader.__new__(Uploader)
    thief.client, thief.uploads = other, {started["file_id"]: started}
    page = other.get("/").get_data(as_text=True)
    thief.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    for response in (thief.sign(started["file_id"], "PUT", part_number=1),
                     thief.verify(started["file_id"]), thief.abort(started["file_id"])):
        assert response.status_code == 404
    [row] = file_rows()
    assert row.status == EntryFile.UPLOADING and open_uploads() == [row.key]
