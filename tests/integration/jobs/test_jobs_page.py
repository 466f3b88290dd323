"""The organizer's jobs page: queue health, failed jobs with a retry, the edition's mail."""

from __future__ import annotations

import pytest
from rq import SimpleWorker

from portal import jobs, outbox
from portal.extensions import db
from portal.models import Membership
from tests.support.factories import grant, make_contest, make_user
from tests.support.jobs import redis_url  # noqa: F401
from tests.support.smtp import controlled_smtp  # noqa: F401
from tests.support.web import html, login, post_form


def _organizer(client):
    contest, other = make_contest(slug="ht"), make_contest(slug="na")
    org = make_user("btc@example.vn")
    grant(org, contest, Membership.ORGANIZER)
    db.session.commit()
    login(client, org.email)
    return contest, other


@pytest.mark.parametrize("app_config", [{}])  # no REDIS_URL: jobs run in-process
def test_jobs_page_shows_this_editions_mail_only(app, client):
    contest, other = _organizer(client)
    outbox.send_mail("mai@baohatinh.vn", "Biên nhận HT-001", "…", kind="receipt",
                     contest_id=contest.id)
    outbox.send_mail("lan@baonghean.vn", "Biên nhận NA-001", "…", kind="receipt",
                     contest_id=other.id)
    outbox.send_mail("x@example.vn", "Đặt lại mật khẩu", "…", kind="password_reset")
    db.session.commit()  # no REDIS_URL: each is "sent" (logged) right after the commit

    page = html(client.get("/organize/ht/jobs"))
    assert "Chưa cấu hình hàng đợi công việc" in page
    assert "mai@baohatinh.vn" in page and "Biên nhận HT-001" in page
    assert "Đã ghi vào nhật ký lúc" in page  # no MAIL_SERVER in tests
    assert "lan@baonghean.vn" not in page and "Biên nhận NA-001" not in page
    assert "x@example.vn" not in page and "Đặt lại mật khẩu" not in page
    assert client.get("/organize/na/jobs").status_code == 404


@pytest.fixture
def app_config(redis_url, controlled_smtp):  # noqa: F811
    # No retries: a failed send goes straight to the failed jobs.
    return {"REDIS_URL": redis_url, "JOBS_RETRY_INTERVALS": [],
            **controlled_smtp.app_config()}


def _run_queue(app):
    runner = jobs.runner(app)
    SimpleWorker([runner.queue()], connection=runner.connection).work(burst=True)


def _fail_one(app, contest_id, to):
    outbox.send_mail(to, "Kết quả thẩm định", "…", kind="ruling", contest_id=contest_id)
    db.session.commit()
    _run_queue(app)  # SMTP is not running: the job fails
    [failed] = [j for j in jobs.runner(app).health(contest_id=contest_id,
                                                    everything=False)["failed_jobs"]]
    return failed["id"]


def test_failed_job_shows_its_reason_and_retry_sends_it(app, client, controlled_smtp):  # noqa: F811
    contest, _other = _organizer(client)
    job_id = _fail_one(app, contest.id, "mai@baohatinh.vn")

    page = html(client.get("/organize/ht/jobs"))
    assert job_id in page
    assert "MailNotSent: ConnectionRefusedError" in page
    assert "Chưa gửi được (đã thử 1 lần)" in page

    controlled_smtp.start()
    response = post_form(client, "/organize/ht/jobs/retry", {"job_id": job_id},
                         page="/organize/ht/jobs", follow_redirects=True)
    assert "Việc đã được đưa trở lại hàng đợi." in html(response)
    _run_queue(app)
    [message] = controlled_smtp.wait_for(1)
    assert (message.rcpt_tos, message.subject) == (["mai@baohatinh.vn"], "Kết quả thẩm định")
    assert jobs.runner(app).health(contest_id=contest.id, everything=True)["failed"] == 0


def test_retry_of_another_editions_job_is_refused(app, client):
    contest, other = _organizer(client)
    job_id = _fail_one(app, other.id, "lan@baonghean.vn")

    assert job_id not in html(client.get("/organize/ht/jobs"))
    response = post_form(client, "/organize/ht/jobs/retry", {"job_id": job_id},
                         page="/organize/ht/screening", follow_redirects=True)
    assert "Việc này không còn trong danh sách thất bại" in html(response)
    assert jobs.runner(app).failed_job_contest(job_id) == (True, other.id)


def test_retry_without_csrf_is_refused(app, client):
    contest, _other = _organizer(client)
    job_id = _fail_one(app, contest.id, "mai@baohatinh.vn")
    response = client.post("/organize/ht/jobs/retry", data={"job_id": job_id})
    assert response.status_code == 400
    assert jobs.runner(app).failed_job_contest(job_id) == (True, contest.id)


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_jobs_page_says_when_the_queue_is_down(app, client):
    _organizer(client)
    page = html(client.get("/organize/ht/jobs"))
    assert "Không kết nối được hàng đợi công việc" in page
