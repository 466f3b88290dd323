"""Registration: the account row, duplicate emails, field checks, and forms that keep input."""

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from tests.support.factories import make_user
from tests.support.web import html, login, post_form

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


CHECK_EMAIL = ("Hãy kiểm tra hộp thư để xác nhận: chúng tôi đã gửi một thư tới "
               "{email}. Mở đường dẫn trong thư để xác nhận địa chỉ, rồi đăng nhập.")
CONFIRM_LINK_RE = re.compile(r"http://localhost(/auth/confirm/\S+)")
CSRF_VALUE_RE = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')


def test_register_creates_unconfirmed_account_and_mails_a_confirmation_link(app, client,
                                                                            mails):
    response = post_form(client, "/auth/register", VALID)

    assert response.status_code == 200
    assert CHECK_EMAIL.format(email=VALID["email"].strip()) in html(response)
    [user] = _users()
    assert (user.email, user.full_name, user.pen_name, user.year_of_birth) == (
        "tran.thi.mai@baohatinh.vn", "Trần Thị Mai", "Mai Trà", 1985)
    assert (user.title, user.workplace, user.phone, user.is_admin) == (
        "Phóng viên", "Báo Hà Tĩnh", "+84 912 345 678", False)
    assert user.password_hash.startswith("$argon2id$")
    assert "mat-khau-rat-dai" not in user.password_hash
    assert user.email_confirmed_at is None
    assert client.get("/auth/account").status_code == 302  # not logged in by registering
    [(to, subject, body)] = mails
    assert (to, subject) == ("tran.thi.mai@baohatinh.vn",
                             "Xác nhận địa chỉ email trên cổng thông tin Giải")
    path = CONFIRM_LINK_RE.search(body).group(1)

    page = client.get(path)  # a GET (a mail scanner's) confirms nothing
    assert page.status_code == 200
    assert "Xác nhận địa chỉ của tôi" in html(page)
    db.session.refresh(user)
    assert user.email_confirmed_at is None
    done = post_form(client, path, {})
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_confirm_link_for_a_changed_or_forged_address_is_refused(app, client, mails):
    post_form(client, "/auth/register", VALID)
    [(_to, _subject, body)] = mails
    path = CONFIRM_LINK_RE.search(body).group(1)
    [user] = _users()
    user.email = "khac@baohatinh.vn"
    db.session.commit()

    assert post_form(client, path, {}, page="/auth/login").status_code == 400
    assert client.get(path[:-3] + "xyz").status_code == 400
    db.session.refresh(user)
    assert user.email_confirmed_at is None


def test_register_existing_address_answers_as_for_a_new_one_and_mails_the_owner(
        app, client, mails):
    owner = make_user("tran.thi.mai@baohatinh.vn", full_name="Trần Thị Mai")
    db.session.commit()
    old_hash = owner.password_hash
    new_address = {**VALID, "email": "  Moi.Toanh@BaoHaTinh.vn "}

    taken = post_form(app.test_client(), "/auth/register", VALID)
    fresh = post_form(app.test_client(), "/auth/register", new_address)

    assert taken.status_code == fresh.status_code == 200
    assert CSRF_VALUE_RE.sub("", html(taken).replace(VALID["email"].strip(), "X")) == (
        CSRF_VALUE_RE.sub("", html(fresh).replace(new_address["email"].strip(), "X")))
    assert sorted(taken.headers.keys()) == sorted(fresh.headers.keys())
    assert "Địa chỉ email này đã được dùng" not in html(taken)
    [(to1, subject1, body1), (to2, subject2, _body2)] = mails
    assert (to1, subject1) == ("tran.thi.mai@baohatinh.vn",
                               "Có người thử đăng ký bằng địa chỉ email của bạn")
    assert "http://localhost/auth/login" in body1
    assert "http://localhost/auth/forgot" in body1
    assert "/auth/confirm/" not in body1
    assert (to2, subject2) == ("moi.toanh@baohatinh.vn",
                               "Xác nhận địa chỉ email trên cổng thông tin Giải")
    assert [u.email for u in _users()] == ["tran.thi.mai@baohatinh.vn",
                                           "moi.toanh@baohatinh.vn"]
    db.session.refresh(owner)
    assert owner.password_hash == old_hash


def test_unconfirmed_account_can_log_in_and_is_asked_to_confirm(app, client, mails):
    post_form(client, "/auth/register", VALID)

    response = login(client, "tran.thi.mai@baohatinh.vn", "mat-khau-rat-dai")

    assert response.status_code == 302
    page = html(client.get("/auth/account"))
    assert "Địa chỉ email của bạn chưa được xác nhận" in page
    resend = post_form(client, "/auth/confirm", {})
    assert resend.status_code == 302
    assert [m[0] for m in mails] == ["tran.thi.mai@baohatinh.vn"] * 2


def test_register_without_a_workplace_creates_the_account(app, client, mails):
    """Anyone may enter: the workplace (nơi công tác) is optional."""
    response = post_form(client, "/auth/register", {**VALID, "workplace": "   "})

    assert response.status_code == 200
    [user] = _users()
    assert (user.full_name, user.workplace) == ("Trần Thị Mai", "")
    assert "Nơi công tác (không bắt buộc)" in html(client.get("/auth/register"))


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
