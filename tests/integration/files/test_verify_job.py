"""Verification as a job: files over VERIFY_INLINE_MAX answer "checking" at once and a job
verifies them (same outcomes and audit events as inline); the entry waits for it."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from rq import SimpleWorker

from portal import jobs
from portal.extensions import db
from portal.files.services import verify_job
from portal.models import AuditEvent, Entry, EntryFile
from tests.support.factories import add_verified_files, make_entry
from tests.support.jobs import redis_url  # noqa: F401
from tests.support.web import html, post_form

from .helpers import MiB, Uploader, file_rows, make_pdf, stored_keys

THRESHOLD = 4000


@pytest.fixture
def app_config(redis_url):  # noqa: F811
    return {"UPLOAD_PART_SIZE": 5 * MiB, "VERIFY_INLINE_MAX": THRESHOLD,
            "REDIS_URL": redis_url, "JOBS_RETRY_INTERVALS": []}


def _run_queue(app):
    runner = jobs.runner(app)
    SimpleWorker([runner.queue()], connection=runner.connection).work(burst=True)


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _slots(client, entry_id) -> str:
    return html(client.get(f"/files/entries/{entry_id}/slots"))


def test_large_file_answers_checking_then_the_job_verifies_it(app, owner_client, world):
    data = make_pdf(pages=3, pad=3 * THRESHOLD)
    up = Uploader(owner_client, world.entry.id)
    response = up.upload(world.script.id, "Kịch bản.pdf", data)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "checking"
    [row] = file_rows(world.entry.id)
    assert (row.status, row.size, row.sha256, row.upload_id) == (
        "checking", len(data), None, None)
    assert _actions() == []
    assert "Đang kiểm tra…" in _slots(owner_client, world.entry.id)

    _run_queue(app)
    [row] = file_rows(world.entry.id)
    assert (row.status, row.page_count, row.content_type) == ("verified", 3, "application/pdf")
    assert row.sha256 == hashlib.sha256(data).hexdigest() and row.verified_at is not None
    assert _actions() == ["file.completed"]
    assert stored_keys() == [row.key]
    page = _slots(owner_client, world.entry.id)
    assert "Đang kiểm tra…" not in page and "file-verified" in page


def test_large_bad_file_is_rejected_by_the_job_and_deleted(app, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    response = up.upload(world.script.id, "giả.pdf", b"<html>not a pdf</html>" * 400)
    assert response.status_code == 202
    _run_queue(app)
    [row] = file_rows(world.entry.id)
    assert row.status == "rejected" and row.reject_reason
    assert stored_keys() == []
    assert _actions() == ["file.rejected"]
    assert row.reject_reason in _slots(owner_client, world.entry.id)


def test_small_file_is_still_verified_inline(app, owner_client, world):
    data = make_pdf(pages=1)
    assert len(data) < THRESHOLD
    response = Uploader(owner_client, world.entry.id).upload(world.script.id, "a.pdf", data)
    assert response.status_code == 200
    assert response.get_json()["status"] == "verified"
    assert _actions() == ["file.completed"]


def test_verify_job_run_twice_verifies_once(app, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    up.upload(world.script.id, "Kịch bản.pdf", make_pdf(pages=2, pad=2 * THRESHOLD))
    [row] = file_rows(world.entry.id)
    kwargs = {"file_id": row.id, "actor_id": world.owner.id, "sha256_inline_max": MiB}
    assert verify_job(**kwargs) == "verified"
    assert verify_job(**kwargs) == "nothing to do"
    assert _actions() == ["file.completed"]


@pytest.mark.parametrize("app_config", [{"UPLOAD_PART_SIZE": 5 * MiB,
                                         "VERIFY_INLINE_MAX": THRESHOLD}])
def test_without_redis_a_large_file_is_verified_before_the_answer(app, owner_client, world):
    data = make_pdf(pages=2, pad=3 * THRESHOLD)
    response = Uploader(owner_client, world.entry.id).upload(world.script.id, "k.pdf", data)
    assert response.status_code == 200
    assert response.get_json()["status"] == "verified"
    assert _actions() == ["file.completed"]


def test_entry_with_a_file_being_checked_cannot_be_submitted(app, world):
    from tests.support.web import login

    client = app.test_client()
    login(client, world.owner.email)
    entry = make_entry(world.contest, world.owner, title="Bài báo in")
    add_verified_files(entry)
    db.session.commit()
    checking = entry.files[0]
    checking.status = EntryFile.CHECKING
    db.session.commit()
    response = post_form(client, f"/entries/{entry.id}/submit", {"version": str(entry.version)},
                         page=f"/entries/{entry.id}/submit")
    assert response.status_code == 422
    assert (f"Tệp “{checking.original_filename}” vẫn đang được kiểm tra. Hãy chờ kiểm tra "
            "xong (tải lại trang) rồi nộp.") in html(response)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.DRAFT
