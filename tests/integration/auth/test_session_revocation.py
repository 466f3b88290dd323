"""Sessions are rows on the server: logout, a password change and the loss of a role end
them, so a copy of the session cookie or of the 14-day remember cookie taken before is
anonymous afterwards (it used to stay valid until the password changed)."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Membership, UserSession
from tests.support.factories import PASSWORD, grant, make_contest, make_user
from tests.support.web import login, post_form


def _log_in_and_copy_cookies(client, email):
    response = post_form(client, "/auth/login",
                         {"email": email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return client.get_cookie("session").value, client.get_cookie("remember_token").value


def _replay(app, name, value):
    """A new browser holding only the copied cookie; the account page's answer."""
    thief = app.test_client()
    thief.set_cookie(name, value, domain="localhost")
    return thief.get("/auth/account")


def _both_copies_are_anonymous(app, copied):
    session_cookie, remember_cookie = copied
    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        response = _replay(app, name, value)
        assert response.status_code == 302, name
        assert response.headers["Location"] == "/auth/login?next=/auth/account", name


def test_copies_work_before_anything_happens(app, client, user):
    """Proof the replay can succeed: without logout the copies are logged in."""
    copied = _log_in_and_copy_cookies(client, user.email)

    for name, value in zip(("session", "remember_token"), copied, strict=True):
        response = _replay(app, name, value)
        assert response.status_code == 200, name
        assert "mai@baohatinh.vn" in response.get_data(as_text=True)


def test_copied_cookies_are_anonymous_after_logout(app, client, user):
    copied = _log_in_and_copy_cookies(client, user.email)

    post_form(client, "/auth/logout", {}, page="/auth/account")

    _both_copies_are_anonymous(app, copied)
    [row] = db.session.scalars(sa.select(UserSession)).all()
    assert row.revoked_at is not None


def test_copied_cookies_are_anonymous_after_password_change(app, client, user):
    copied = _log_in_and_copy_cookies(client, user.email)

    response = post_form(client, "/auth/password", {
        "current_password": PASSWORD, "password": "mat-khau-moi-123",
        "confirm": "mat-khau-moi-123"})

    assert response.status_code == 302
    _both_copies_are_anonymous(app, copied)
    assert client.get("/auth/account").status_code == 200  # this browser goes on


def test_copied_cookies_are_anonymous_after_role_revocation(app, client, user):
    contest = make_contest(slug="ed-rev")
    membership = grant(user, contest, Membership.JUDGE)
    organizer = make_user("btc@baohatinh.vn")
    grant(organizer, contest, Membership.ORGANIZER)
    db.session.commit()
    copied = _log_in_and_copy_cookies(client, user.email)
    boss = app.test_client()
    login(boss, organizer.email)

    response = post_form(boss, f"/organize/{contest.slug}/members/{membership.id}/revoke", {},
                         page=f"/organize/{contest.slug}/members")

    assert response.status_code == 302
    assert db.session.get(Membership, membership.id) is None
    _both_copies_are_anonymous(app, copied)
    assert client.get("/auth/account").status_code == 302
    assert boss.get("/auth/account").status_code == 200  # the organizer's own session lives


def test_expired_session_is_anonymous(app, client, user):
    from datetime import UTC, datetime, timedelta

    copied = _log_in_and_copy_cookies(client, user.email)
    db.session.execute(sa.update(UserSession).values(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()

    _both_copies_are_anonymous(app, copied)
