"""The upload protocol on local storage: happy path, every refusal, resume, abort."""

from __future__ import annotations

import hashlib
import re

from portal.extensions import db
from portal.models import AuditEvent, EntryFile
from tests.support.factories import make_user
from tests.support.web import login

from .helpers import MiB, Uploader, file_rows, make_pdf, open_uploads, stored_keys


def test_pdf_upload_is_verified_with_size_sha256_and_pages(owner_client, world):
    data = make_pdf(pages=3)
    up = Uploader(owner_client, world.entry.id)
    response = up.upload(world.script.id, "Kịch bản.pdf", data)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "verified"
    assert body["size"] == len(data)
    assert body["page_count"] == 3
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["warning"] is None
    [row] = file_rows(world.entry.id)
    assert (row.status, row.size, row.page_count, row.content_type) == (
        "verified", len(data), 3, "application/pdf")
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.verified_at is not None and row.upload_id is None
    assert stored_keys() == [row.key]
    assert open_uploads() == []
    actions = list(db.session.scalars(db.select(AuditEvent.action)))
    assert actions == ["file.completed"]


def test_key_is_generated_and_names_are_kept_for_display(owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    for name in ("../../etc/passwd.pdf", "Phóng sự kỳ 1 – Đồng Lộc.pdf"):
        assert up.upload(world.script.id, name, make_pdf()).status_code == 200
    rows = file_rows(world.entry.id)
    assert [r.original_filename for r in rows] == ["passwd.pdf", "Phóng sự kỳ 1 – Đồng Lộc.pdf"]
    for row in rows:
        assert re.fullmatch(rf"ha-tinh-2026/{world.entry.id}/[0-9a-f]{{32}}", row.key)
    assert sorted(stored_keys()) == sorted(r.key for r in rows)


def test_multipart_upload_resumes_after_the_client_restarts(app, owner_client, world):
    data = make_pdf(pages=1, pad=12 * MiB)
    assert len(data) > 10 * MiB
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "big.pdf", len(data)).get_json()
    assert (started["parts"], started["part_size"]) == (3, 5 * MiB)
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    first = [(n, up.send_part(started["file_id"], n, chunks[n - 1])) for n in (1, 2)]

    fresh = app.test_client()  # the browser restarted: new session, logged in again
    login(fresh, world.owner.email)
    again = Uploader(fresh, world.entry.id)
    resumed = again.start(world.script.id, "big.pdf", len(data))
    assert resumed.status_code == 200
    assert resumed.get_json()["resumed"] is True
    assert resumed.get_json()["file_id"] == started["file_id"]
    listed = again.list_parts(started["file_id"])
    assert [(n, e) for n, e, _size in listed] == [(n, e.strip('"')) for n, e in first]
    third = again.send_part(started["file_id"], 3, chunks[2])
    done = again.complete(started["file_id"], [*first, (3, third)])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(file_rows(world.entry.id)) == 1


def _assert_nothing_changed(world, version):
    world.refresh()
    assert world.entry.version == version
    assert world.entry.status == "draft"
    assert stored_keys() == []
    assert open_uploads() == []


def _rejected(response, world, version, message):
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == message
    [row] = file_rows(world.entry.id)
    assert (row.status, row.reject_reason) == ("rejected", message)
    _assert_nothing_changed(world, version)
    assert list(db.session.scalars(db.select(AuditEvent.action))) == ["file.rejected"]


def test_renamed_executable_is_rejected_and_deleted(owner_client, world):
    version = world.entry.version
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000
    response = Uploader(owner_client, world.entry.id).upload(world.script.id, "bai.pdf", exe)
    _rejected(response, world, version,
              "Tệp này thực chất là một chương trình Windows (EXE), dù tên tệp ghi gì. "
              "Ô này chỉ nhận: PDF.")


def test_truncated_pdf_is_rejected(owner_client, world):
    version = world.entry.version
    data = make_pdf(pages=4)
    response = Uploader(owner_client, world.entry.id).upload(
        world.script.id, "cut.pdf", data[: len(data) // 2])
    _rejected(response, world, version,
              "Tệp PDF bị hỏng hoặc không đầy đủ. Hãy xuất lại tệp và tải lên tệp mới.")


def test_part_longer_than_declared_is_refused_and_nothing_is_stored(owner_client, world):
    data = make_pdf()
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", len(data) - 10).get_json()
    sent = up.put_part(started["file_id"], 1, data)
    assert sent.status == 413, sent.body
    assert sent.error() == (
        f"Một phần của tệp lớn hơn {len(data) - 10:,} byte đã được ký cho nó.".replace(",", "."))
    assert up.list_parts(started["file_id"]) == []
    assert stored_keys() == []


def test_file_over_the_slot_limit_is_rejected_at_verification(owner_client, world):
    version = world.entry.version
    data = make_pdf()
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", len(data)).get_json()
    etag = up.send_part(started["file_id"], 1, data)
    world.script.max_size = len(data) - 1  # the organizer lowered the limit meanwhile
    db.session.commit()
    response = up.complete(started["file_id"], [(1, etag)])
    _rejected(response, world, version,
              f"Tệp có dung lượng {len(data):,} bytes; giới hạn của ô này là "
              f"{len(data) - 1:,} bytes.")


def test_start_refusals_change_nothing(owner_client, world):
    version = world.entry.version
    up = Uploader(owner_client, world.entry.id)
    world.script.max_size = 1000
    db.session.commit()
    cases = [
        (up.start(world.script.id, "empty.pdf", 0), 422,
         "Tệp trống (0 byte). Hãy chọn đúng tệp."),
        (up.start(world.script.id, "big.pdf", 1001), 413,
         "Tệp có dung lượng 1,001 bytes; giới hạn của ô này là 1,000 bytes."),
        (up.start(world.script.id, "setup.exe", 10), 422,
         "Không nhận tệp loại .exe ở đây. Ô này chỉ nhận: PDF."),
        (up.start(world.video.id, "video.mp4", 10), 400,
         "Hãy chọn tệp này thuộc kỳ nào (từ 1 đến 2)."),
        (up.start(999999, "a.pdf", 10), 400,
         "Ô tệp này không thuộc loại hình của tác phẩm."),
    ]
    for response, status, message in cases:
        assert (response.status_code, response.get_json()["error"]) == (status, message)
    assert file_rows() == []
    _assert_nothing_changed(world, version)


def test_completion_with_a_missing_part_is_refused_and_stays_resumable(owner_client, world):
    data = make_pdf(pad=12 * MiB)
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "big.pdf", len(data)).get_json()
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    e1 = up.send_part(started["file_id"], 1, chunks[0])
    e3 = up.send_part(started["file_id"], 3, chunks[2])
    response = up.complete(started["file_id"], [(1, e1), (2, "0" * 32), (3, e3)])
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "Phần 2 của tệp chưa đến nơi hoặc bị hỏng trên đường truyền. "
        "Lượt tải lên vẫn được giữ; hãy tiếp tục để gửi phần còn thiếu.")
    [row] = file_rows(world.entry.id)
    assert row.status == "uploading" and row.upload_id
    assert stored_keys() == []
    e2 = up.send_part(started["file_id"], 2, chunks[1])
    assert up.complete(started["file_id"], [(1, e1), (2, e2), (3, e3)]).status_code == 200


def test_tampered_and_expired_part_tokens_are_refused(owner_client, world, monkeypatch):
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", 100).get_json()
    url = up.sign(started["file_id"], "PUT", part_number=1).get_json()["url"]
    base, token = url.split("&token=")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    sent = up.send("PUT", f"{base}&token={flipped}", b"x" * 100)
    assert sent.status == 403
    assert sent.error() == "Liên kết tải lên này không hợp lệ. Hãy tải lại trang rồi thử lại."

    import time as real_time

    import portal.storage.local as local

    class Later:
        @staticmethod
        def time():
            return real_time.time() + 3601

    monkeypatch.setattr(local, "time", Later)
    sent = up.send("PUT", url, b"x" * 100)
    assert sent.status == 403
    assert sent.error() == (
        "Liên kết tải lên này đã hết hạn. Hãy tải lại trang để tiếp tục tải lên.")
    monkeypatch.undo()
    assert up.list_parts(started["file_id"]) == []


def test_other_users_cannot_touch_the_upload(app, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", 100).get_json()
    stranger = make_user("stranger@example.vn")
    db.session.commit()
    other = app.test_client()
    login(other, stranger.email)
    token = other.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token).group(1)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for response in (
        other.post(f"/files/uploads/{started['file_id']}/sign",
                   json={"method": "PUT", "key": started["key"],
                         "uploadId": started["uploadId"], "partNumber": 1}, headers=headers),
        other.post(f"/files/uploads/{started['file_id']}/verify", headers=headers),
        other.post(f"/files/uploads/{started['file_id']}/abort", headers=headers),
        other.post(f"/files/entries/{world.entry.id}/uploads",
                   json={"slot_id": world.script.id, "filename": "a.pdf", "size": 5},
                   headers=headers),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"] == (
            "Trang này không tồn tại hoặc bạn không có quyền truy cập.")
    [row] = file_rows()
    assert row.status == "uploading"


def test_requests_without_csrf_header_are_refused(owner_client, world):
    response = owner_client.post(
        f"/files/entries/{world.entry.id}/uploads",
        json={"slot_id": world.script.id, "filename": "a.pdf", "size": 5},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert file_rows() == []


def test_abort_discards_parts_and_row(owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", 6 * MiB).get_json()
    up.send_part(started["file_id"], 1, b"y" * 5 * MiB)
    response = up.abort(started["file_id"])
    assert response.status_code == 200
    assert file_rows() == [] and open_uploads() == [] and stored_keys() == []


def test_slot_count_and_part_rules(owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    world.script.max_count = 1
    db.session.commit()
    assert up.upload(world.script.id, "a.pdf", make_pdf()).status_code == 200
    response = up.start(world.script.id, "b.pdf", 100)
    assert (response.status_code, response.get_json()["error"]) == (
        409, "Ô này đã có đủ số tệp tối đa (1). Hãy xoá bớt một tệp để tải tệp khác lên.")
    first = up.start(world.video.id, "k1.mp4", 100, part=1, type_="video/mp4")
    assert first.status_code == 201
    again = up.start(world.video.id, "k1-khac.mp4", 100, part=1, type_="video/mp4")
    assert (again.status_code, again.get_json()["error"]) == (
        409, "Kỳ 1 đã có tệp ở đây. Hãy xoá tệp đó trước để thay bằng tệp khác.")
    assert up.start(world.video.id, "k2.mp4", 100, part=2, type_="video/mp4").status_code == 201
    assert up.start(world.video.id, "k3.mp4", 100, part=3, type_="video/mp4").status_code == 400


def test_uploads_are_refused_once_the_entry_is_submitted(owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    world.entry.status = "submitted"
    db.session.commit()
    response = up.start(world.script.id, "a.pdf", 100)
    assert response.status_code == 409
    assert response.get_json()["error"] == (
        "Tác phẩm này không còn là bản nháp nên không thể thay đổi tệp. "
        "Hãy chuyển tác phẩm về bản nháp trước.")
    assert file_rows() == []


def test_duplicate_across_entries_is_flagged(owner_client, world):
    from tests.support.factories import make_entry

    other = make_entry(world.contest, world.owner, genre_code="TH")
    db.session.commit()
    data = make_pdf(pages=2)
    assert Uploader(owner_client, other.id).upload(world.script.id, "x.pdf", data).get_json()[
        "warning"] is None
    body = Uploader(owner_client, world.entry.id).upload(world.script.id, "y.pdf", data).get_json()
    assert body["warning"] == (
        "Một tệp giống hệt đã nằm trong một tác phẩm khác của giải này. Nếu đây là nhầm lẫn, "
        "hãy xoá tệp và tải lên đúng tệp; Ban Tổ chức sẽ thấy các tệp trùng nhau.")
    page = owner_client.get(f"/files/entries/{world.entry.id}/slots").get_data(as_text=True)
    assert page.count("file-duplicate") == 1
    rows = file_rows()
    assert rows[0].sha256 == rows[1].sha256 and rows[0].entry_id != rows[1].entry_id
    assert EntryFile.VERIFIED == rows[1].status
