"""Password reset by email, through a real SMTP server on 127.0.0.1."""

import re
from datetime import timedelta

import pytest

from portal.auth.services import make_reset_token
from portal.clock import now
from portal.extensions import db
from portal.passwords import check_password
from tests.support.factories import PASSWORD
from tests.support.smtp import smtp_server  # noqa: F401  (fixture)
from tests.support.web import html, login, post_form

SENT = ("Nếu có tài khoản đăng ký bằng {email}, chúng tôi đã gửi tới địa chỉ đó một đường dẫn "
        "để chọn mật khẩu mới.")
LINK_RE = re.compile(r"http://localhost(/auth/reset/\S+)")
NEW = "mat-khau-moi-2026"
CSRF_VALUE_RE = re.compile(r'name="csrf_token" value="[^"]*"')


@pytest.fixture
def app_config(smtp_server):  # noqa: F811
    return smtp_server.app_config()


def _comparable(page: str, email: str) -> str:
    """The page without the typed address and the (time-stamped) CSRF tokens."""
    return CSRF_VALUE_RE.sub("", page.replace(email, "X"))


def _request_link(client, smtp_server, email="mai@baohatinh.vn") -> str:  # noqa: F811
    response = post_form(client, "/auth/forgot", {"email": email})
    assert response.status_code == 200
    [mail] = smtp_server.wait_for(1)
    return LINK_RE.search(mail.body).group(1)


def test_reset_flow_end_to_end_through_smtp(app, client, user, smtp_server):  # noqa: F811
    response = post_form(client, "/auth/forgot", {"email": " MAI@baohatinh.vn "})

    assert response.status_code == 200
    assert SENT.format(email="MAI@baohatinh.vn") in html(response)
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["mai@baohatinh.vn"]
    assert mail.subject == "Đặt lại mật khẩu trên cổng thông tin Giải"
    assert mail.message["From"] == app.config["MAIL_SENDER"]
    assert mail.body.startswith("Kính gửi Trần Thị Mai,\n")
    assert "Đường dẫn chỉ dùng được một lần, trong vòng 60 phút." in mail.body
    path = LINK_RE.search(mail.body).group(1)

    form = client.get(path)
    assert form.status_code == 200
    assert "Chọn mật khẩu mới" in html(form)
    done = post_form(client, path, {"password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert done.headers["Location"] == "/auth/login"
    assert ("Mật khẩu của bạn đã được thay đổi. Hãy đăng nhập bằng mật khẩu mới."
            in html(client.get("/auth/login")))

    db.session.refresh(user)
    assert check_password(user.password_hash, NEW)
    assert user.session_version == 2
    assert login(client, user.email, PASSWORD).status_code == 422
    assert login(client, user.email, NEW).status_code == 302


def test_reset_link_reused_is_refused(app, client, user, smtp_server):  # noqa: F811
    path = _request_link(client, smtp_server)
    post_form(client, path, {"password": NEW, "confirm": NEW})
    db.session.refresh(user)
    hash_after_reset = user.password_hash

    again = client.get(path)

    assert again.status_code == 410
    assert ("Đường dẫn đặt lại mật khẩu này đã được sử dụng. Nếu vẫn cần đặt lại mật khẩu, "
            "hãy yêu cầu đường dẫn mới.") in html(again)
    assert 'href="/auth/forgot"' in html(again)
    refused = post_form(app.test_client(), path,
                        {"password": "ba-lan-doi-mat-khau", "confirm": "ba-lan-doi-mat-khau"},
                        page="/auth/forgot")
    assert refused.status_code == 410
    db.session.refresh(user)
    assert user.password_hash == hash_after_reset


def test_reset_link_expired_is_refused(app, client, user):
    issued = now() - timedelta(seconds=app.config["PASSWORD_RESET_MAX_AGE"] + 5)
    token = make_reset_token(user, secret_key=app.config["SECRET_KEY"], now=issued)

    response = client.get(f"/auth/reset/{token}")

    assert response.status_code == 410
    assert "Đường dẫn đặt lại mật khẩu này đã hết hạn. Hãy yêu cầu đường dẫn mới." in html(response)
    assert 'href="/auth/forgot"' in html(response)


def test_reset_link_still_valid_just_before_expiry(app, client, user):
    issued = now() - timedelta(seconds=app.config["PASSWORD_RESET_MAX_AGE"] - 30)
    token = make_reset_token(user, secret_key=app.config["SECRET_KEY"], now=issued)

    assert client.get(f"/auth/reset/{token}").status_code == 200


def test_reset_link_tampered_is_refused(app, client, user):
    token = make_reset_token(user, secret_key="another-key")

    response = client.get(f"/auth/reset/{token}")

    assert response.status_code == 400
    assert "Đường dẫn đặt lại mật khẩu này không hợp lệ." in html(response)


def test_reset_unknown_email_shows_same_page_and_sends_nothing(app, client, user,
                                                                smtp_server):  # noqa: F811
    known = html(post_form(client, "/auth/forgot", {"email": "mai@baohatinh.vn"}))
    smtp_server.wait_for(1)
    unknown = post_form(client, "/auth/forgot", {"email": "ai.do@baohatinh.vn"})

    assert unknown.status_code == 200
    assert _comparable(html(unknown), "ai.do@baohatinh.vn") == _comparable(known,
                                                                        "mai@baohatinh.vn")
    assert SENT.format(email="ai.do@baohatinh.vn") in html(unknown)
    post_form(client, "/auth/forgot", {"email": "mai@baohatinh.vn"})
    messages = smtp_server.wait_for(2)
    assert [m.rcpt_tos for m in messages] == [["mai@baohatinh.vn"], ["mai@baohatinh.vn"]]


def test_reset_new_password_too_short_keeps_link_usable(app, client, user, smtp_server):  # noqa: F811
    path = _request_link(client, smtp_server)

    response = post_form(client, path, {"password": "short", "confirm": "short"})

    assert response.status_code == 422
    assert "Mật khẩu phải có ít nhất 10 ký tự." in html(response)
    assert post_form(client, path, {"password": NEW, "confirm": NEW}).status_code == 302
