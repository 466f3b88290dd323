"""Session cookies, session renewal at login and local-only `next=` redirects.

Password change logging out other sessions, the remember cookie and the planted-session
case are in tests/integration/auth/test_login.py; these add the cookie flags, the cookie
value itself, and more hostile `next=` values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote

import pytest

from portal.extensions import db
from tests.support.factories import PASSWORD, make_user
from tests.support.web import CSRF_RE

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_NEXT = ["/\\evil.com", "https:evil.com", "//evil.com", "%2F%2Fevil.com",
                "%252F%252Fevil.com", "/%5Cevil.com", "\\\\evil.com", "http://evil.com",
                "///evil.com", "/\t/evil.com", "javascript:alert(1)", "%2F%5Cevil.com"]


@pytest.fixture(params=["sqlite"])
def db_backend(request):
    """SQLite only: cookies and redirects do not depend on the database (the matrix runs
    on both)."""
    return request.param


@pytest.fixture
def app_config():
    return {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}


@pytest.fixture
def user(app):
    user = make_user("phien@example.vn")
    db.session.commit()
    return user


def _cookie(response, name: str) -> tuple[str, dict]:
    """(value, attributes) of one Set-Cookie header."""
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    morsel = SimpleCookie(header)[name]
    attributes = {k.lower() for k in header.split(";")[1:] for k in [k.split("=")[0].strip()]}
    return morsel.value, {"attrs": attributes, "samesite": morsel["samesite"]}


def _login(client, email: str, *, query: str = "", remember: bool = False):
    page = client.get("/auth/login" + query, base_url="https://localhost")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    # Over HTTPS Flask-WTF also wants a same-origin Referer (WTF_CSRF_SSL_STRICT).
    return client.post("/auth/login" + query, data=data, base_url="https://localhost",
                       headers={"Referer": "https://localhost/auth/login"})


def test_production_config_marks_cookies_secure():
    """PORTAL_ENV=production turns the Secure flag on without any other setting."""
    code = ("import json; from portal import create_app; c = create_app().config; "
            "print(json.dumps([c['SESSION_COOKIE_SECURE'], c['REMEMBER_COOKIE_SECURE'], "
            "c['SESSION_COOKIE_HTTPONLY'], c['SESSION_COOKIE_SAMESITE']]))")
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40,
           "DATABASE_URL": "sqlite://", "PORTAL_BASE_URL": "https://giai.example.vn"}
    env.pop("SESSION_COOKIE_SECURE", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, True, True, "Lax"]


def test_login_cookies_are_secure_httponly_and_lax(app, user):
    client = app.test_client()
    response = _login(client, user.email, remember=True)
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        _value, cookie = _cookie(response, name)
        assert {"secure", "httponly"} <= cookie["attrs"], name
        assert cookie["samesite"] == "Lax", name


def test_login_renews_the_session_cookie_and_the_old_one_is_anonymous(app, user):
    client = app.test_client()
    before, _ = _cookie(client.get("/auth/login", base_url="https://localhost"), "session")
    response = _login(client, user.email)
    after, _ = _cookie(response, "session")
    assert after != before
    assert client.get("/entries/", base_url="https://localhost").status_code == 200

    replay = app.test_client()
    replay.set_cookie("session", before, domain="localhost")
    refused = replay.get("/entries/", base_url="https://localhost")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_next_to_another_site_goes_to_the_dashboard(app, user, target):
    client = app.test_client()
    response = _login(client, user.email, query=f"?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/entries/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_language_switch_next_to_another_site_goes_home(app, target):
    client = app.test_client()
    page = client.get("/", base_url="https://localhost")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    response = client.post("/lang", data={"csrf_token": token, "lang": "en",
                                          "next": unquote(target)},
                           base_url="https://localhost",
                           headers={"Referer": "https://localhost/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_local_path_is_kept(app, user):
    response = _login(app.test_client(), user.email, query="?next=/auth/account")
    assert response.headers["Location"] == "/auth/account"


def test_https_form_from_another_site_is_refused(app, user):
    """Over HTTPS a POST whose Referer is another site fails CSRF even with a valid token."""
    client = app.test_client()
    page = client.get("/auth/login", base_url="https://localhost")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    response = client.post("/auth/login", data={"csrf_token": token, "email": user.email,
                                                "password": PASSWORD},
                           base_url="https://localhost",
                           headers={"Referer": "https://evil.example/login"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session
