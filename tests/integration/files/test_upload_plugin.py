"""The protocol of Uppy's AwsS3 plugin (signRequest mode) on the local backend, driven the
way the plugin drives it: the portal allocates the key, signs each S3 request, the app's
S3-compatible endpoint answers in S3's XML, and the portal verifies the finished file."""

from __future__ import annotations

import hashlib
import re
import time
import xml.etree.ElementTree as ET

from portal.models import EntryFile
from tests.support.factories import make_user
from tests.support.web import login

from .helpers import MiB, csrf, file_rows, make_pdf, open_uploads, stored_keys

KEY = re.compile(r"^ha-tinh-2026/\d+/[0-9a-f]{32}$")


def _tag(element, name):
    return [e for e in element.iter() if e.tag.rsplit("}", 1)[-1] == name]


class Plugin:
    """What uploader.js and @uppy/aws-s3 6.1.0 send, through the test client."""

    def __init__(self, client, entry_id):
        self.client = client
        self.entry_id = entry_id
        self.token = csrf(client, entry_id)

    def _json(self, url, body=None):
        return self.client.post(url, json=body or {}, headers={
            "X-CSRFToken": self.token, "Accept": "application/json"})

    def start(self, slot_id, filename, size, *, part=None):
        return self._json(f"/files/entries/{self.entry_id}/uploads", {
            "plugin": "aws-s3", "slot_id": slot_id, "part_number": part,
            "filename": filename, "size": size, "type": "application/pdf"})

    def sign(self, file_id, method, key, upload_id=None, part_number=None):
        body = {"method": method, "key": key}
        if upload_id is not None:
            body["uploadId"] = upload_id
        if part_number is not None:
            body["partNumber"] = part_number
        return self._json(f"/files/uploads/{file_id}/sign", body)

    def send(self, url, method, data=b""):
        path = re.sub(r"^https?://[^/]+", "", url)
        return self.client.open(path, method=method, data=data)

    def request(self, file_id, method, key, upload_id=None, part_number=None, data=b""):
        signed = self.sign(file_id, method, key, upload_id, part_number)
        assert signed.status_code == 200, signed.get_json()
        return self.send(signed.get_json()["url"], method, data)

    def create(self, file_id, key):
        response = self.request(file_id, "POST", key)
        assert response.status_code == 200, response.data
        return _tag(ET.fromstring(response.data), "UploadId")[0].text

    def complete(self, file_id, key, upload_id, parts):
        body = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in parts
        ) + "</CompleteMultipartUpload>"
        return self.request(file_id, "POST", key, upload_id, data=body.encode())

    def verify(self, file_id):
        return self._json(f"/files/uploads/{file_id}/verify")


def _multipart(plugin, world, data, name="Phóng sự.pdf", skip=()):
    started = plugin.start(world.script.id, name, len(data))
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    fid, key = body["file_id"], body["key"]
    upload_id = plugin.create(fid, key)
    parts = []
    for n, start in enumerate(range(0, len(data), 5 * MiB), start=1):
        if n in skip:
            continue
        put = plugin.request(fid, "PUT", key, upload_id, n, data[start:start + 5 * MiB])
        assert put.status_code == 200, put.data
        parts.append((n, put.headers["ETag"].strip('"')))
    return fid, key, upload_id, parts


def test_multipart_upload_through_the_plugin_is_verified(owner_client, world):
    data = make_pdf(pages=3, pad=11 * MiB)
    plugin = Plugin(owner_client, world.entry.id)
    fid, key, upload_id, parts = _multipart(plugin, world, data, name="../../Phóng sự.pdf")
    assert KEY.match(key) and len(parts) == 3
    [row] = file_rows()
    assert row.upload_id == upload_id  # recorded the first time the plugin named it
    done = plugin.complete(fid, key, upload_id, parts)
    assert done.status_code == 200, done.data
    result = ET.fromstring(done.data)
    assert _tag(result, "Key")[0].text == key and _tag(result, "Location")[0].text
    verified = plugin.verify(fid)
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["size"] == len(data)
    assert verified.get_json()["page_count"] == 3
    [row] = file_rows()
    assert (row.status, row.size, row.sha256, row.upload_id, row.original_filename) == (
        EntryFile.VERIFIED, len(data), hashlib.sha256(data).hexdigest(), None, "Phóng sự.pdf")
    assert stored_keys() == [key] and open_uploads() == []


def test_small_file_goes_up_in_one_put_and_a_renamed_exe_is_rejected(owner_client, world):
    plugin = Plugin(owner_client, world.entry.id)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000
    started = plugin.start(world.script.id, "bai.pdf", len(exe)).get_json()
    put = plugin.request(started["file_id"], "PUT", started["key"], data=exe)
    assert put.status_code == 200 and put.headers["ETag"] == (
        f'"{hashlib.sha256(exe).hexdigest()}"')
    refused = plugin.verify(started["file_id"])
    assert refused.status_code == 422
    [row] = file_rows()
    assert row.status == EntryFile.REJECTED and refused.get_json()["error"] == row.reject_reason
    assert row.reject_reason and stored_keys() == []


def test_single_put_longer_than_declared_is_refused(owner_client, world):
    plugin = Plugin(owner_client, world.entry.id)
    started = plugin.start(world.script.id, "bai.pdf", 1000).get_json()
    put = plugin.request(started["file_id"], "PUT", started["key"], data=b"%PDF" + b"x" * 2000)
    assert put.status_code == 413 and b"EntityTooLarge" in put.data
    assert stored_keys() == []


def test_portal_signs_only_its_key_and_the_multipart_operations(owner_client, world):
    plugin = Plugin(owner_client, world.entry.id)
    small = plugin.start(world.script.id, "a.pdf", 1000).get_json()
    big = plugin.start(world.script.id, "b.pdf", 11 * MiB).get_json()
    other_key = f"ha-tinh-2026/{world.entry.id}/{'0' * 32}"
    cases = [
        (plugin.sign(small["file_id"], "PUT", other_key), 403,
         "Cổng thông tin không ký yêu cầu cho tên tệp này."),
        (plugin.sign(small["file_id"], "DELETE", small["key"]), 403,
         "Cổng thông tin không ký loại yêu cầu này."),
        (plugin.sign(small["file_id"], "HEAD", small["key"]), 403,
         "Cổng thông tin không ký loại yêu cầu này."),
        (plugin.sign(big["file_id"], "PUT", big["key"]), 403,
         "Tệp có dung lượng này phải được tải lên theo từng phần."),
        (plugin.sign(small["file_id"], "PUT", None), 400,
         "Yêu cầu tải lên này không đúng định dạng."),
    ]
    for response, status, message in cases:
        assert (response.status_code, response.get_json()["error"]) == (status, message)
    upload_id = plugin.create(big["file_id"], big["key"])
    assert plugin.request(big["file_id"], "GET", big["key"], upload_id).status_code == 200
    wrong = plugin.sign(big["file_id"], "GET", big["key"], "f" * 32)
    assert (wrong.status_code, wrong.get_json()["error"]) == (
        403, "Mã tải lên này không thuộc về tệp này.")
    again = plugin.sign(big["file_id"], "POST", big["key"])
    assert again.status_code == 409


def test_tampered_reused_and_expired_tokens_are_refused(owner_client, world, monkeypatch):
    plugin = Plugin(owner_client, world.entry.id)
    started = plugin.start(world.script.id, "b.pdf", 11 * MiB).get_json()
    fid, key = started["file_id"], started["key"]
    upload_id = plugin.create(fid, key)
    url = plugin.sign(fid, "PUT", key, upload_id, 1).get_json()["url"]
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    other_part = url.replace("partNumber=1", "partNumber=2")
    other_key = url.replace(key, key[:-1] + ("0" if key[-1] != "0" else "1"))
    for bad in (tampered, other_part, other_key):
        response = plugin.send(bad, "PUT", b"x" * 10)
        assert response.status_code == 403 and b"AccessDenied" in response.data, bad
        assert "Liên kết tải lên này không hợp lệ.".encode() in response.data
    assert plugin.send(url, "GET").status_code == 403  # a part's token cannot list
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    expired = plugin.send(url, "PUT", b"x" * 10)
    assert expired.status_code == 403
    assert "Liên kết tải lên này đã hết hạn.".encode() in expired.data
    assert open_uploads() == [key] and stored_keys() == []


def test_missing_part_then_resume_after_client_restart(app, owner_client, world):
    data = make_pdf(pages=2, pad=11 * MiB)
    plugin = Plugin(owner_client, world.entry.id)
    fid, key, upload_id, parts = _multipart(plugin, world, data, skip=(2,))
    refused = plugin.complete(fid, key, upload_id, parts + [(2, "0" * 64)])
    assert refused.status_code == 400 and b"InvalidPart" in refused.data
    early = plugin.verify(fid)
    assert (early.status_code, early.get_json()["error"]) == (
        409, "Tệp chưa được tải lên đầy đủ. Hãy tải tiếp để hoàn tất.")

    fresh = app.test_client()  # the browser restarted: a new session, the same file
    login(fresh, world.owner.email)
    plugin = Plugin(fresh, world.entry.id)
    again = plugin.start(world.script.id, "Phóng sự.pdf", len(data))
    assert again.status_code == 200
    body = again.get_json()
    assert (body["file_id"], body["key"], body["uploadId"], body["resumed"]) == (
        fid, key, upload_id, True)
    listed = ET.fromstring(plugin.request(fid, "GET", key, upload_id).data)
    assert [p.text for p in _tag(listed, "PartNumber")] == ["1", "3"]
    put = plugin.request(fid, "PUT", key, upload_id, 2, data[5 * MiB:10 * MiB])
    parts = sorted(parts + [(2, put.headers["ETag"].strip('"'))])
    assert plugin.complete(fid, key, upload_id, parts).status_code == 200
    assert plugin.verify(fid).status_code == 200
    [row] = file_rows()
    assert (row.status, row.sha256) == (EntryFile.VERIFIED, hashlib.sha256(data).hexdigest())


def test_another_user_cannot_sign_or_verify(app, owner_client, world):
    plugin = Plugin(owner_client, world.entry.id)
    started = plugin.start(world.script.id, "a.pdf", 1000).get_json()
    make_user("other@example.vn")
    from portal.extensions import db

    db.session.commit()
    other = app.test_client()
    login(other, "other@example.vn")
    token = csrf(owner_client, world.entry.id)  # any valid session token for the header
    for url in (f"/files/uploads/{started['file_id']}/sign",
                f"/files/uploads/{started['file_id']}/verify"):
        response = other.post(url, json={"method": "PUT", "key": started["key"]},
                              headers={"X-CSRFToken": token})
        assert response.status_code in (400, 404)
    no_csrf = owner_client.post(f"/files/uploads/{started['file_id']}/sign",
                                json={"method": "PUT", "key": started["key"]})
    assert no_csrf.status_code == 400
    assert [r.status for r in file_rows()] == [EntryFile.UPLOADING]


def test_cancel_aborts_the_upload_and_forgets_the_row(owner_client, world):
    plugin = Plugin(owner_client, world.entry.id)
    data = make_pdf(pages=1, pad=11 * MiB)
    fid, key, upload_id, _parts = _multipart(plugin, world, data, skip=(3,))
    aborted = plugin._json(f"/files/uploads/{fid}/abort")
    assert aborted.status_code == 200
    assert file_rows() == [] and open_uploads() == [] and stored_keys() == []


def test_plugin_start_refusals_and_truncated_pdf(owner_client, world):
    plugin = Plugin(owner_client, world.entry.id)
    limit = world.script.max_size
    empty = plugin.start(world.script.id, "a.pdf", 0)
    assert (empty.status_code, empty.get_json()["error"]) == (
        422, "Tệp trống (0 byte). Hãy chọn đúng tệp.")
    over = plugin.start(world.script.id, "a.pdf", limit + 1)
    assert over.status_code == 413 and f"{limit + 1:,} bytes" in over.get_json()["error"]
    assert file_rows() == []
    pdf = make_pdf(pages=2)
    truncated = pdf[: len(pdf) // 2]
    started = plugin.start(world.script.id, "a.pdf", len(truncated)).get_json()
    assert plugin.request(started["file_id"], "PUT", started["key"],
                          data=truncated).status_code == 200
    refused = plugin.verify(started["file_id"])
    assert refused.status_code == 422
    [row] = file_rows()
    assert row.status == EntryFile.REJECTED and row.reject_reason == refused.get_json()["error"]
    assert stored_keys() == []
