"""The app factory, the base layout and the language switch."""

from tests.support.factories import make_contest
from tests.support.web import html, post_form


def test_home_lists_open_edition_in_vietnamese(app, client):
    make_contest(name="Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ VIII")
    from portal.extensions import db

    db.session.commit()
    page = html(client.get("/"))
    assert "Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ VIII" in page
    assert '<html lang="vi">' in page


def test_language_switch_to_english_and_back(app, client):
    response = post_form(client, "/lang", {"lang": "en", "next": "/"}, page="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in html(client.get("/"))
    post_form(client, "/lang", {"lang": "vi", "next": "/"}, page="/")
    assert '<html lang="vi">' in html(client.get("/"))


def test_language_switch_refuses_offsite_next(app, client):
    response = post_form(client, "/lang", {"lang": "en", "next": "//evil.example/x"}, page="/")
    assert response.headers["Location"] == "/"


def test_security_headers_on_every_page(app, client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_post_without_csrf_token_is_refused(app, client):
    response = client.post("/lang", data={"lang": "en"})
    assert response.status_code == 400
    assert "Mã bảo mật của biểu mẫu bị thiếu hoặc đã hết hạn" in html(response)
