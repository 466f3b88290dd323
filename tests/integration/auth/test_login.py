"""Log in and out, remember me, safe redirects, session renewal, CSRF and the account page."""

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from flask import url_for

from portal.extensions import db
from portal.models import Membership
from portal.passwords import check_password
from tests.support.factories import PASSWORD, grant, make_contest, make_user
from tests.support.web import html, login, post_form


def _landing(app) -> str:
    with app.test_request_context():
        if "entries.dashboard" in app.view_functions:
            return url_for("entries.dashboard")
        return url_for("main.index")


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_login_with_right_password_logs_in_and_records_time(app, client, user):
    before = datetime.now(UTC) - timedelta(seconds=1)
    response = login(client, " MAI@BaoHaTinh.vn ")

    assert response.status_code == 302
    assert response.headers["Location"] == _landing(app)
    db.session.refresh(user)
    assert user.last_login_at is not None and user.last_login_at >= before
    assert "mai@baohatinh.vn" in html(client.get("/auth/account"))
    assert not any(c.startswith("remember_token=") for c in _set_cookies(response))


def test_login_wrong_password_shows_message_and_stays_anonymous(app, client, user):
    response = login(client, "mai@baohatinh.vn", "not-the-password")

    assert response.status_code == 422
    assert "Email hoặc mật khẩu không đúng." in html(response)
    assert 'value="mai@baohatinh.vn"' in html(response)
    assert "not-the-password" not in html(response)
    assert client.get("/auth/account").status_code == 302


def test_login_unknown_email_shows_the_same_message(app, client, user):
    response = login(client, "nobody@baohatinh.vn", PASSWORD)

    assert response.status_code == 422
    assert "Email hoặc mật khẩu không đúng." in html(response)


def test_login_remember_me_sets_cookie_that_logs_in_a_new_browser(app, client, user):
    response = post_form(client, "/auth/login",
                         {"email": user.email, "password": PASSWORD, "remember": "y"})

    [cookie] = [c for c in _set_cookies(response) if c.startswith("remember_token=")]
    assert "HttpOnly" in cookie
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    fresh = app.test_client()
    fresh.set_cookie("remember_token", token, domain="localhost")
    page = fresh.get("/auth/account")
    assert page.status_code == 200
    assert "mai@baohatinh.vn" in html(page)


def test_login_renews_session_but_keeps_language(app, client, user):
    post_form(client, "/lang", {"lang": "en", "next": "/"}, page="/")
    with client.session_transaction() as session:
        session["planted"] = "attacker-chosen"

    login(client, user.email)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
        # "<user id>:<session_version>:<key of a server-side session row>"
        assert session["_user_id"].startswith(f"{user.id}:1:")
        assert len(session["_user_id"]) > len(f"{user.id}:1:") + 30


def test_login_next_local_path_is_followed(app, client, user):
    response = post_form(client, "/auth/login?next=/auth/password",
                         {"email": user.email, "password": PASSWORD})

    assert response.headers["Location"] == "/auth/password"


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com/x", "/\\evil.com",
                                    "javascript:alert(1)"])
def test_login_next_offsite_is_refused(app, client, user, target):
    response = post_form(client, f"/auth/login?next={target}",
                         {"email": user.email, "password": PASSWORD},
                         page="/auth/login")

    assert response.status_code == 302
    assert response.headers["Location"] == _landing(app)


def test_login_required_page_redirects_to_login_with_next(app, client):
    response = client.get("/auth/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/auth/account"


def test_login_rehashes_password_stored_with_old_parameters(app, client):
    old_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    user = make_user("old@baohatinh.vn")
    user.password_hash = old_hash
    db.session.commit()

    assert login(client, user.email).status_code == 302

    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert "$m=19456,t=2,p=1$" in user.password_hash
    assert check_password(user.password_hash, PASSWORD)


def test_logout_post_logs_out(app, client, user):
    login(client, user.email)

    response = post_form(client, "/auth/logout", {}, page="/auth/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Bạn đã đăng xuất." in html(client.get("/"))
    assert client.get("/auth/account").status_code == 302


def test_logout_by_get_is_not_allowed(app, client, user):
    login(client, user.email)

    assert client.get("/auth/logout").status_code == 405
    assert client.get("/auth/account").status_code == 200


def test_logout_without_csrf_token_is_refused(app, client, user):
    login(client, user.email)

    response = client.post("/auth/logout")

    assert response.status_code == 400
    assert client.get("/auth/account").status_code == 200


def test_login_without_csrf_token_is_refused(app, client, user):
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 400
    assert client.get("/auth/account").status_code == 302


def test_change_password_logs_out_other_sessions_and_keeps_this_one(app, client, user):
    other = app.test_client()
    login(client, user.email)
    login(other, user.email)
    assert other.get("/auth/account").status_code == 200

    response = post_form(client, "/auth/password", {
        "current_password": PASSWORD, "password": "mat-khau-moi-123",
        "confirm": "mat-khau-moi-123"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/account"
    page = client.get("/auth/account")
    assert page.status_code == 200
    assert "Các phiên đăng nhập khác đã bị đăng xuất." in html(page)
    kicked = other.get("/auth/account")
    assert kicked.status_code == 302
    assert kicked.headers["Location"] == "/auth/login?next=/auth/account"
    db.session.refresh(user)
    assert user.session_version == 2
    assert login(app.test_client(), user.email, PASSWORD).status_code == 422
    assert login(app.test_client(), user.email, "mat-khau-moi-123").status_code == 302


def test_change_password_invalidates_remember_cookie_of_other_browser(app, client, user):
    other = app.test_client()
    response = post_form(other, "/auth/login",
                         {"email": user.email, "password": PASSWORD, "remember": "y"})
    [cookie] = [c for c in _set_cookies(response) if c.startswith("remember_token=")]
    login(client, user.email)
    post_form(client, "/auth/password", {
        "current_password": PASSWORD, "password": "mat-khau-moi-123",
        "confirm": "mat-khau-moi-123"})

    restarted = app.test_client()
    restarted.set_cookie("remember_token", cookie.split(";", 1)[0].split("=", 1)[1],
                         domain="localhost")
    assert restarted.get("/auth/account").status_code == 302


def test_change_password_with_wrong_current_password_changes_nothing(app, client, user):
    login(client, user.email)
    old_hash = user.password_hash

    response = post_form(client, "/auth/password", {
        "current_password": "wrong-password", "password": "mat-khau-moi-123",
        "confirm": "mat-khau-moi-123"})

    assert response.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in html(response)
    db.session.refresh(user)
    assert (user.password_hash, user.session_version) == (old_hash, 1)


def test_account_edit_saves_profile(app, client, user):
    login(client, user.email)

    response = post_form(client, "/auth/account", {
        "pen_name": "Hà Mai", "year_of_birth": "1979", "title": "Trưởng ban",
        "workplace": "Đài PT-TH Hà Tĩnh", "phone": "0239 385 5555"})

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.pen_name, user.year_of_birth, user.title, user.workplace, user.phone) == (
        "Hà Mai", 1979, "Trưởng ban", "Đài PT-TH Hà Tĩnh", "0239 385 5555")
    assert "Hồ sơ của bạn đã được lưu." in html(client.get("/auth/account"))


def test_account_edit_invalid_keeps_input_and_changes_nothing(app, client, user):
    login(client, user.email)
    before = (user.pen_name, user.year_of_birth, user.phone)

    response = post_form(client, "/auth/account", {
        "pen_name": "Hà Mai", "year_of_birth": "1899", "title": "Trưởng ban",
        "workplace": "Đài PT-TH Hà Tĩnh", "phone": "0239 385 5555"})

    assert response.status_code == 422
    page = html(response)
    assert "Năm sinh phải nằm trong khoảng từ 1900 đến" in page
    assert 'value="Hà Mai"' in page and 'value="1899"' in page
    db.session.refresh(user)
    assert (user.pen_name, user.year_of_birth, user.phone) == before


def test_account_page_lists_roles_in_constant_queries(app, client, user, queries):
    login(client, user.email)
    grant(user, make_contest(name="Giải Búa liềm vàng tỉnh Một"), Membership.JUDGE)
    db.session.commit()
    with queries() as small:
        page = html(client.get("/auth/account"))
    assert "Giải Búa liềm vàng tỉnh Một: giám khảo" in page

    for n in range(4):
        grant(user, make_contest(name=f"Giải Búa liềm vàng tỉnh Thêm {n}"), Membership.ORGANIZER)
    db.session.commit()
    with queries() as large:
        page = html(client.get("/auth/account"))
    assert page.count(": thành viên Ban Tổ chức</li>") == 4
    assert large.n == small.n


@pytest.mark.parametrize(("role", "landing"), [
    (Membership.ORGANIZER, "/organize/"), (Membership.JUDGE, "/judge/"), (None, "/entries/")])
def test_login_lands_each_role_where_its_work_is(app, client, role, landing):
    user = make_user("vai@example.vn")
    if role:
        grant(user, make_contest(slug="ha-tinh"), role)
    db.session.commit()
    response = login(client, "vai@example.vn")
    assert (response.status_code, response.headers["Location"]) == (302, landing)
