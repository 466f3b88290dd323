"""Rate limits on login, registration and reset requests, kept in memory (one process)."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from tests.support.web import html, post_form

TOO_MANY = "Bạn đã thử quá nhiều lần trong thời gian ngắn. Hãy chờ một phút rồi thử lại."


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def _post(client, url, data, ip):
    return post_form(client, url, data, environ_base={"REMOTE_ADDR": ip})


def test_login_is_limited_to_ten_attempts_a_minute_per_ip(app, client):
    bad = {"email": "mai@baohatinh.vn", "password": "guess-number-x"}
    statuses = [_post(client, "/auth/login", bad, "10.0.0.1").status_code for _ in range(10)]

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
