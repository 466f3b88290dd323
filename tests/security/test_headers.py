"""Security headers on every kind of response, and templates free of inline script."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import abort

from portal.files.sanitize import clean
from tests.security.seed import client_as, seed
from tests.support.web import directives

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


@pytest.fixture
def app_config():
    # Let the 500 handler answer instead of re-raising into the test.
    return {"PROPAGATE_EXCEPTIONS": False}


def _add_failing_routes(app):
    def boom():
        raise RuntimeError("deliberate failure for the header test")

    def forbidden():
        abort(403)

    app.add_url_rule("/_test/boom", "test_boom", boom)
    app.add_url_rule("/_test/forbidden", "test_forbidden", forbidden)


def pages(world) -> list[tuple[str, str, int]]:
    """(principal, path, expected status): pages, errors, downloads, JSON, a PDF."""
    slug = world.slug
    return [
        ("anon", "/", 200),
        ("anon", "/auth/login", 200),
        ("anon", f"/results/{slug}", 200),
        ("anon", "/no-such-page", 404),
        ("anon", "/_test/boom", 500),
        ("owner", "/entries/", 200),
        ("owner", f"/entries/{world.entry_id}", 200),
        ("owner", f"/entries/{world.entry_id}/receipt.pdf", 200),
        ("owner", f"/files/{world.file_id}", 200),
        ("owner", f"/files/entries/{world.draft_id}/slots", 200),
        ("owner", "/_test/forbidden", 403),
        ("other", f"/entries/{world.entry_id}", 404),
        ("judge_a", f"/judge/assignments/{world.assignment_id}", 200),
        ("org", f"/organize/{slug}/entries.csv", 200),
        ("org", f"/results/{slug}/export/results.xlsx", 200),
        ("other", f"/results/{slug}/review", 404),
    ]


def test_every_response_carries_the_security_headers(app):
    _add_failing_routes(app)
    world = seed(app)
    for principal, path, status in pages(world):
        client, _token = client_as(app, world, principal)
        response = client.get(path)
        assert response.status_code == status, path
        csp = directives(response.headers["Content-Security-Policy"])
        script_src = csp.get("script-src", csp["default-src"])
        assert "'unsafe-inline'" not in script_src, path
        assert "'unsafe-eval'" not in script_src, path
        assert csp["frame-ancestors"] == ["'none'"], path
        assert csp["object-src"] == ["'none'"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "Strict-Transport-Security" not in response.headers, path


def test_inline_file_may_be_framed_by_the_portal_only(app):
    world = seed(app)
    client, _token = client_as(app, world, "judge_a")
    response = client.get(f"/files/{world.file_id}?inline=1")
    assert response.status_code == 200
    cleaned = io.BytesIO()  # the seeded round is blind: the judge gets the clean copy
    clean(io.BytesIO(world.pdf), cleaned, content_type="application/pdf")
    assert response.data == cleaned.getvalue()
    assert response.headers["Content-Disposition"].startswith("inline")
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_csrf_error_page_carries_the_headers(app):
    world = seed(app)
    client, _token = client_as(app, world, "owner")
    response = client.post("/auth/account", data={"pen_name": "x"})
    assert response.status_code == 400
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(app):
    client = app.test_client()
    plain = client.get("/")
    secure = client.get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt", ".xml"})


def test_templates_are_scanned():
    assert len(template_files()) >= 60
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert EVENT_HANDLER.search('<button type="button" onclick="go()">')
    assert not EVENT_HANDLER.search('<button data-onclick="go" class="btn">')
    assert JS_URL.search('<a href="javascript:void(0)">')


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_script_or_event_handler(path):
    text = path.read_text(encoding="utf-8")
    assert INLINE_SCRIPT.findall(text) == []
    assert [m.group(0)[-40:] for m in EVENT_HANDLER.finditer(text)] == []
    assert JS_URL.findall(text) == []
