"""send_mail: real SMTP delivery in UTF-8, logging without a server, failures that never raise."""

import logging

from portal.extensions import db
from portal.mail import send_mail
from tests.support.factories import make_user
from tests.support.smtp import free_port, smtp_server  # noqa: F401  (fixture)
from tests.support.web import html, post_form

SUBJECT = "Biên nhận tác phẩm dự thi BLV2026-BI-001"
BODY = "Kính gửi Trần Thị Mai,\nBan Tổ chức đã nhận tác phẩm “Đảng viên ở bản Lở”.\n"


def test_send_mail_delivers_vietnamese_subject_and_body(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.app_config())

    assert send_mail(["mai@baohatinh.vn", "thu.ky@hatinh.gov.vn"], SUBJECT, BODY) is True

    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["mai@baohatinh.vn", "thu.ky@hatinh.gov.vn"]
    assert mail.subject == SUBJECT
    assert mail.body == BODY
    assert mail.message.get_content_type() == "text/plain"
    assert mail.message.get_content_charset() == "utf-8"
    assert mail.message["Message-ID"].endswith("@localhost>")


def test_send_mail_without_server_logs_whole_message(app, caplog):
    app.config["MAIL_SERVER"] = None

    with caplog.at_level(logging.INFO, logger="portal.mail"):
        assert send_mail("mai@baohatinh.vn", SUBJECT, BODY, app=app) is False

    [record] = [r for r in caplog.records if r.name == "portal.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "To: mai@baohatinh.vn" in text
    assert f"Subject: {SUBJECT}" in text
    assert text.endswith(BODY)


def test_send_mail_to_unreachable_server_logs_and_returns_false(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)

    with caplog.at_level(logging.INFO, logger="portal.mail"):
        assert send_mail("mai@baohatinh.vn", SUBJECT, BODY) is False

    [record] = [r for r in caplog.records if r.name == "portal.mail"]
    assert record.levelno == logging.ERROR
    assert "Could not send the message" in record.getMessage()


def test_reset_request_with_mail_down_shows_the_usual_page(app, client, caplog):
    make_user("mai@baohatinh.vn")
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)

    with caplog.at_level(logging.ERROR, logger="portal.mail"):
        response = post_form(client, "/auth/forgot", {"email": "mai@baohatinh.vn"})

    assert response.status_code == 200
    assert "Nếu có tài khoản đăng ký bằng mai@baohatinh.vn" in html(response)
    assert [r.levelno for r in caplog.records if r.name == "portal.mail"] == [logging.ERROR]
