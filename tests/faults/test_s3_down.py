"""S3 goes down in the middle of an upload: clear 503s, nothing changes, then it resumes."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import requests

from portal.extensions import db
from portal.models import EntryFile
from tests.support.factories import genre, make_contest, make_entry, make_user
from tests.support.faults import entry_state, restartable_moto, row_dicts
from tests.support.media import MiB, make_pdf
from tests.support.uploader import Uploader, over_http
from tests.support.web import html, login

UNREACHABLE = ("Hiện không kết nối được kho lưu trữ. Lượt tải lên vẫn được giữ; "
               "hãy thử lại sau vài phút.")


@pytest.fixture(scope="module")
def moto():
    with restartable_moto() as server:
        yield server


@pytest.fixture
def app_config(moto):
    return {
        "PROPAGATE_EXCEPTIONS": False,
        "UPLOAD_PART_SIZE": 5 * MiB,
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": f"faults-{uuid.uuid4().hex[:12]}",
        "S3_ENDPOINT_URL": moto.endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }


@pytest.fixture
def setup(app, runner, moto):
    result = runner.invoke(args=["storage", "init", "--origin", "http://localhost"])
    assert result.exit_code == 0, result.output
    contest = make_contest(slug="ha-tinh-2026")
    owner = make_user("owner@example.vn")
    entry = make_entry(contest, owner, genre_code="TH", parts=2)
    slots = {s.kind: s for s in genre(contest, "TH").slots}
    db.session.commit()
    client = app.test_client()
    assert login(client, owner.email).status_code in (302, 303)


    uploader = Uploader(client, entry.id, http=over_http)
    yield entry, slots["script"], uploader
    if not moto.is_listening():  # a failed test must not leave the next one without S3
        moto.start()


def test_s3_outage_mid_upload_refuses_clearly_changes_nothing_and_resumes(setup, moto):
    entry, script, uploader = setup
    # An earlier file of the entry, complete before the outage.
    small = make_pdf(pages=1)
    done = uploader.upload(script.id, "Kịch bản kỳ 1.pdf", small)
    assert done.status_code == 200, done.get_json()
    # A 3-part file: part 1 arrives, then the store goes down.
    data = make_pdf(pages=3, pad=12 * MiB)
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    assert len(chunks) == 3
    started = uploader.start(script.id, "Kịch bản đầy đủ.pdf", len(data))
    assert started.status_code == 201, started.get_json()
    file_id = started.get_json()["file_id"]
    etag1 = uploader.send_part(file_id, 1, chunks[0])
    before = entry_state(entry.id)

    moto.stop()
    assert not moto.is_listening()

    # Signing is local arithmetic (a presigned URL): it still answers, and the request
    # itself (a part, the listing, the completion) fails in the browser, which retries;
    # nothing reaches the portal.
    for method, number in (("PUT", 2), ("GET", None), ("POST", None)):
        signed = uploader.sign(file_id, method, part_number=number)
        assert signed.status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.request(method, signed.get_json()["url"], data=chunks[1], timeout=10)
    # A new upload cannot be opened.
    other = uploader.start(script.id, "Phụ lục.pdf", len(small))
    assert (other.status_code, other.get_json()) == (503, {"error": UNREACHABLE})
    # Verification with the store down: refused, the file stays "uploading" (not lost).
    verified = uploader.verify(file_id)
    assert (verified.status_code, verified.get_json()) == (503, {"error": UNREACHABLE})
    # Aborting is refused too, so the parts already sent are not forgotten.
    aborted = uploader.abort(file_id)
    assert (aborted.status_code, aborted.get_json()) == (503, {"error": UNREACHABLE})

    assert entry_state(entry.id) == before
    [kept, pending] = row_dicts(EntryFile, EntryFile.entry_id == entry.id)
    assert (kept["status"], kept["sha256"]) == ("verified", hashlib.sha256(small).hexdigest())
    assert (pending["status"], pending["upload_id"]) == ("uploading",
                                                        started.get_json()["uploadId"])

    moto.start()  # same port, same in-process moto state

    listed = uploader.list_parts(file_id)
    assert listed == [(1, etag1.strip('"'), 5 * MiB)]
    resumed = uploader.start(script.id, "Kịch bản đầy đủ.pdf", len(data))
    assert (resumed.status_code, resumed.get_json()["file_id"]) == (200, file_id)
    etags = [etag1] + [uploader.send_part(file_id, n, chunk)
                       for n, chunk in enumerate(chunks[1:], start=2)]
    completed = uploader.complete(file_id, list(enumerate(etags, start=1)))
    assert completed.status_code == 200, completed.get_json()
    body = completed.get_json()
    assert (body["status"], body["size"], body["page_count"]) == ("verified", len(data), 3)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    rows = row_dicts(EntryFile, EntryFile.entry_id == entry.id)
    assert [(r["status"], r["sha256"]) for r in rows] == [
        ("verified", hashlib.sha256(small).hexdigest()),
        ("verified", hashlib.sha256(data).hexdigest()),
    ]
    assert requests.get(uploader.client.get(f"/files/{file_id}").headers["Location"],
                        timeout=30).content == data


def test_s3_outage_download_answers_503_page(setup, moto):
    entry, script, uploader = setup
    data = make_pdf(pages=1)
    file_id = uploader.upload(script.id, "a.pdf", data).get_json()["file_id"]
    moto.stop()
    response = uploader.client.get(f"/files/{file_id}")
    assert response.status_code == 503
    assert ("Một dịch vụ mà hệ thống cần (cơ sở dữ liệu hoặc kho lưu trữ tệp) hiện không "
            "kết nối được. Chưa có gì bị thay đổi; hãy thử lại sau vài phút.") in html(response)
    moto.start()
    assert uploader.client.get(f"/files/{file_id}").status_code == 302


def test_s3_completion_reads_the_object_once(setup, monkeypatch):
    """Verification streams the object once (a temp copy for pypdf that also yields the
    sha256), not twice: on deadline night every completion's bytes cross the network."""
    from portal.storage import S3Storage

    entry, script, uploader = setup
    reads = []
    real = S3Storage.iter_chunks
    monkeypatch.setattr(S3Storage, "iter_chunks",
                        lambda self, key, *a, **kw: reads.append(key) or real(self, key, *a, **kw))
    data = make_pdf(pages=2, pad=6 * MiB)
    done = uploader.upload(script.id, "a.pdf", data)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    [row] = row_dicts(EntryFile, EntryFile.entry_id == entry.id)
    assert reads == [row["key"]]
