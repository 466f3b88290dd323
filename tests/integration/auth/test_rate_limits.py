"""Rate limits on login, registration and reset requests, kept in memory (one process)."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from tests.support.factories import PASSWORD, make_user
from tests.support.web import html, post_form

CSRF_VALUE_RE = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')

TOO_MANY = "Bạn đã thử quá nhiều lần trong thời gian ngắn. Hãy chờ một phút rồi thử lại."


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def _post(client, url, data, ip):
    return post_form(client, url, data, environ_base={"REMOTE_ADDR": ip})


def test_login_is_limited_to_ten_attempts_a_minute_per_ip(app, client):
    # A different account each time: the per-account pause (below) stays out of the way.
    statuses = [_post(client, "/auth/login", {"email": f"nguoi{n}@baohatinh.vn",
                                              "password": "guess-number-x"},
                      "10.0.0.1").status_code for n in range(10)]
    bad = {"email": "mai@baohatinh.vn", "password": "guess-number-x"}

    blocked = _post(client, "/auth/login", bad, "10.0.0.1")

    assert statuses == [422] * 10
    assert blocked.status_code == 429
    assert "Thử quá nhiều lần" in html(blocked)
    assert TOO_MANY in html(blocked)
    assert blocked.headers["Retry-After"].isdigit()
    # Another address is not affected, and the page itself still opens.
    assert _post(client, "/auth/login", bad, "10.0.0.2").status_code == 422
    assert client.get("/auth/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200


def test_reset_request_is_limited_to_five_a_minute(app, client):
    data = {"email": "ai.do@baohatinh.vn"}
    statuses = [_post(client, "/auth/forgot", data, "10.0.0.3").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_registration_is_limited_to_five_a_minute(app, client):
    def data(n):
        return {"email": f"nguoi{n}@baohatinh.vn", "password": "mat-khau-rat-dai",
                "confirm": "mat-khau-rat-dai", "full_name": f"Người {n}",
                "year_of_birth": "1990", "workplace": "Báo Hà Tĩnh", "phone": "0912345678"}

    # A fresh browser each time (the answer is the "check your email" page).
    statuses = [_post(app.test_client(), "/auth/register", data(n), "10.0.0.4").status_code
                for n in range(6)]

    assert statuses == [200] * 5 + [429]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 5


PAUSED = "Tài khoản này đã bị nhập sai mật khẩu quá nhiều lần."


@pytest.fixture
def account(app):
    user = make_user("mai@baohatinh.vn")
    db.session.commit()
    return user


def _attempt(client, password, n):
    """One login attempt from its own address (10.9.<n>): no per-address limit applies."""
    return _post(client, "/auth/login", {"email": "MAI@baohatinh.vn ", "password": password},
                 f"10.9.{n // 250}.{n % 250 + 1}")


def test_thirty_addresses_get_five_guesses_at_one_account_then_a_pause(app, client, account):
    statuses = [_attempt(app.test_client(), f"guess-number-{n}", n).status_code
                for n in range(30)]

    assert statuses == [422] * 4 + [429] * 26
    refused = _attempt(app.test_client(), "guess-again-x", 31)
    assert PAUSED in html(refused)
    assert "khoảng 1 phút" in html(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_right_password_during_the_pause_gets_the_same_refusal(app, client, account):
    for n in range(5):
        _attempt(app.test_client(), f"guess-number-{n}", n)

    right = _attempt(app.test_client(), PASSWORD, 100)
    wrong = _attempt(app.test_client(), "guess-number-x", 101)

    assert right.status_code == wrong.status_code == 429
    assert CSRF_VALUE_RE.sub("", html(right)) == CSRF_VALUE_RE.sub("", html(wrong))
    assert right.headers.get("Location") is None
    db.session.refresh(account)
    assert account.last_login_at is None


def test_pause_grows_and_is_capped_and_success_resets_it(app, client, account, monkeypatch):
    from portal.auth import throttle

    clock = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])  # the `time` module: for all
    pauses = []
    for n in range(10):
        response = _attempt(app.test_client(), f"guess-number-{n}", n)
        if response.status_code == 429:
            pauses.append(int(response.headers["Retry-After"]))
            clock[0] += pauses[-1] + 1  # wait out the pause
    # 1, 2, 4, 8 minutes, then capped at 15 (Flask-Limiter may round Retry-After up a second)
    assert [p // 60 for p in pauses] == [1, 2, 4, 8, 15, 15]

    assert _attempt(app.test_client(), PASSWORD, 50).status_code == 302
    assert [_attempt(app.test_client(), "guess-number-y", 60 + n).status_code
            for n in range(5)] == [422] * 4 + [429]


def test_another_account_is_not_paused(app, client, account):
    make_user("lan@baohatinh.vn")
    db.session.commit()
    for n in range(6):
        _attempt(app.test_client(), f"guess-number-{n}", n)

    response = _post(app.test_client(), "/auth/login",
                     {"email": "lan@baohatinh.vn", "password": PASSWORD}, "10.9.9.9")

    assert response.status_code == 302
