"""Links in mail come from the one configured public address, never from the request's
Host or X-Forwarded-Host, and requests for an unknown host are refused."""

import re

import pytest

from tests.support.web import post_form

LINK_RE = re.compile(r"(https?://[^/\s]+)(/\S*)?")
# The test client sends cookies by the Host header, so a forged Host would also lose the
# CSRF token and be refused for that reason alone: these tests are about hosts, not CSRF.
NO_CSRF = {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def app_config():
    return NO_CSRF


def _hosts_in(mails) -> set[str]:
    return {m.group(1) for _to, _subject, body in mails for m in LINK_RE.finditer(body)}


def test_forged_host_header_gets_no_link(app, client, user, mails):
    response = client.post("/auth/forgot", data={"email": user.email},
                           headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert mails == []


@pytest.mark.parametrize("app_config", [{"PROXY_FIX": 1, **NO_CSRF}])
def test_forged_forwarded_host_behind_the_proxy_gets_no_link(app, client, user, mails):
    response = client.post("/auth/forgot", data={"email": user.email},
                           headers={"X-Forwarded-Host": "evil.example"})

    assert response.status_code == 400
    assert mails == []


@pytest.mark.parametrize("app_config", [{"PORTAL_EXTRA_HOSTS": ["alias.example"], **NO_CSRF}])
def test_link_uses_the_base_url_even_on_another_trusted_host(app, client, user, mails):
    response = client.post("/auth/forgot", data={"email": user.email},
                           headers={"Host": "alias.example"})

    assert response.status_code == 200
    [(to, _subject, body)] = mails
    assert to == user.email
    assert _hosts_in(mails) == {"http://localhost"}
    assert "http://localhost/auth/reset/" in body


@pytest.mark.parametrize("app_config", [{"PORTAL_BASE_URL": "https://giai.example.vn/cong/",
                                         "PROXY_FIX": 1, **NO_CSRF}])
def test_every_mail_link_is_on_the_configured_base_url(app, client, user, mails):
    post_form(client, "/auth/forgot", {"email": user.email},
              headers={"X-Forwarded-Host": "localhost"})
    post_form(app.test_client(), "/auth/register", {
        "email": "moi@baohatinh.vn", "password": "mat-khau-rat-dai",
        "confirm": "mat-khau-rat-dai", "full_name": "Người Mới", "year_of_birth": "1990",
        "workplace": "Báo X", "phone": "0912345678"})
    post_form(app.test_client(), "/auth/register", {
        "email": user.email, "password": "mat-khau-rat-dai",
        "confirm": "mat-khau-rat-dai", "full_name": "Người Mới", "year_of_birth": "1990",
        "workplace": "Báo X", "phone": "0912345678"})

    assert len(mails) == 3
    assert _hosts_in(mails) == {"https://giai.example.vn"}
    paths = [m.group(2) for _t, _s, body in mails for m in LINK_RE.finditer(body)]
    assert paths and all(p.startswith("/cong/auth/") for p in paths), paths


def test_entry_receipt_link_is_on_the_base_url(app):
    from flask import render_template

    from portal.models import Entry
    with app.test_request_context("/", headers={"Host": "127.0.0.1"}):
        body = render_template("entries/receipt_email.txt", entry=Entry(id=7, title="T"))
    assert "http://localhost/entries/7" in body
    assert "127.0.0.1" not in body
