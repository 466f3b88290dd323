"""Registration: the account row, duplicate emails, field checks, and forms that keep input."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from tests.support.factories import make_user
from tests.support.web import html, post_form

VALID = {
    "email": "  Tran.Thi.Mai@BaoHaTinh.vn ",
    "password": "mat-khau-rat-dai",
    "confirm": "mat-khau-rat-dai",
    "full_name": "Trần Thị Mai",
    "pen_name": "Mai Trà",
    "year_of_birth": "1985",
    "title": "Phóng viên",
    "workplace": "Báo Hà Tĩnh",
    "phone": "+84 912 345 678",
}


def _users():
    return db.session.scalars(sa.select(User).order_by(User.id)).all()


def test_register_creates_account_with_normalised_email_and_logs_in(app, client):
    response = post_form(client, "/auth/register", VALID)

    assert response.status_code == 302
    [user] = _users()
    assert (user.email, user.full_name, user.pen_name, user.year_of_birth) == (
        "tran.thi.mai@baohatinh.vn", "Trần Thị Mai", "Mai Trà", 1985)
    assert (user.title, user.workplace, user.phone, user.is_admin) == (
        "Phóng viên", "Báo Hà Tĩnh", "+84 912 345 678", False)
    assert user.password_hash.startswith("$argon2id$")
    assert "mat-khau-rat-dai" not in user.password_hash
    page = html(client.get("/auth/account"))
    assert "tran.thi.mai@baohatinh.vn" in page


def test_register_duplicate_email_other_case_and_spaces_is_refused(app, client):
    make_user("tran.thi.mai@baohatinh.vn")
    db.session.commit()

    response = post_form(client, "/auth/register", VALID)

    assert response.status_code == 409
    page = html(response)
    assert ("Địa chỉ email này đã được dùng cho một tài khoản khác. Hãy đăng nhập, hoặc đặt "
            "lại mật khẩu nếu bạn đã quên.") in page
    assert 'class="invalid-feedback d-block">Địa chỉ email này' in page
    assert len(_users()) == 1


def test_register_negative_year_of_birth_is_refused(app, client):
    response = post_form(client, "/auth/register", {**VALID, "year_of_birth": "-1985"})

    assert response.status_code == 422
    assert "Năm sinh phải nằm trong khoảng từ 1900 đến" in html(response)
    assert _users() == []


def test_register_year_of_birth_text_and_future_are_refused(app, client):
    page = html(post_form(client, "/auth/register", {**VALID, "year_of_birth": "năm 85"}))
    assert "Vui lòng nhập năm bằng bốn chữ số, ví dụ 1985." in page
    page = html(post_form(client, "/auth/register", {**VALID, "year_of_birth": "2999"}))
    assert "Năm sinh phải nằm trong khoảng từ 1900 đến" in page
    assert _users() == []


def test_register_failure_keeps_every_field_but_passwords(app, client):
    response = post_form(client, "/auth/register",
                         {**VALID, "confirm": "something-else-1", "phone": "12ab"})

    assert response.status_code == 422
    page = html(response)
    assert "Hai mật khẩu không giống nhau." in page
    assert ("Số điện thoại phải có từ 8 đến 15 chữ số; chỉ được dùng chữ số, dấu cách và dấu + "
            "ở đầu.") in page
    for name in ("email", "full_name", "pen_name", "year_of_birth", "title", "workplace",
                 "phone"):
        value = {"phone": "12ab", "email": "Tran.Thi.Mai@BaoHaTinh.vn"}.get(name, VALID[name])
        assert f'name="{name}" ' in page
        assert f'value="{value}"' in page, name
    assert "mat-khau-rat-dai" not in page
    assert 'class="form-control is-invalid" id="phone"' in page
    assert _users() == []


def test_register_short_password_and_bad_phone_lengths_are_refused(app, client):
    page = html(post_form(client, "/auth/register",
                          {**VALID, "password": "short-9ch", "confirm": "short-9ch"}))
    assert "Mật khẩu phải có ít nhất 10 ký tự." in page
    for phone in ("0912 345", "+1234567890123456", "0912-345-678"):
        page = html(post_form(client, "/auth/register", {**VALID, "phone": phone}))
        assert "Số điện thoại phải có từ 8 đến 15 chữ số" in page, phone
    assert _users() == []


def test_register_without_csrf_token_is_refused(app, client):
    response = client.post("/auth/register", data=VALID)

    assert response.status_code == 400
    assert _users() == []
