"""Authors' personal data never reaches judges, the public, judges' audit records, the log
of judges' requests, or error pages.

The seeded lead author has a distinctive phone, email, year of birth, full name, pen name
and workplace (tests/security/seed.py); the co-author too.  Pages are searched as raw HTML,
attributes and URLs included, after removing the CSRF tokens (random text that could
contain four digits in a row).
"""

from __future__ import annotations

import json
import logging
import re

import pytest
import sqlalchemy as sa
from flask import abort

from portal.extensions import db
from portal.models import Assignment, AuditEvent, ScoreSheet
from tests.security import seed as S
from tests.security.seed import client_as, seed

TOKENS = re.compile(r"[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-.]{10,}")  # signed CSRF tokens

# Never to a judge, the public, a judge's audit record, a log line or an error page.
PERSONAL = (S.PHONE, S.EMAIL, S.CO_PHONE, S.CO_EMAIL)
YEARS = (S.YEAR, S.CO_YEAR)
# In a blind round, not even who wrote it or where it was published.
IDENTITY = (S.FULL_NAME, S.PEN_NAME, S.WORKPLACE, S.CO_FULL_NAME, "Đồng Kín",
            "Đài PT-TH Hà Tĩnh")


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


def leaks(text: str, *, identity: bool = False) -> list[str]:
    text = TOKENS.sub("", text)
    found = [value for value in PERSONAL if value in text]
    found += [str(y) for y in YEARS if re.search(rf"(?<!\d){y}(?!\d)", text)]
    if identity:
        found += [value for value in IDENTITY if value in text]
    return found


def _get(app, world, principal, path, status=200):
    client, _token = client_as(app, world, principal)
    response = client.get(path)
    assert response.status_code == status, (principal, path, response.status_code)
    body = response.get_data().decode("utf-8", "replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return body + "\n" + headers


def _judge_pages(world) -> list[str]:
    return [
        "/judge/",
        f"/judge/{world.slug}/rounds/{world.round_id}",
        f"/judge/assignments/{world.assignment_id}",
        f"/judge/assignments/{world.assignment_id}/conflict",
    ]


def test_seeded_pages_for_organizers_do_show_the_data(app):
    """The check can fail: the registry and the entry page carry what the others must not."""
    world = seed(app)
    registry = _get(app, world, "org", f"/organize/{world.slug}/entries.csv")
    assert set(leaks(registry, identity=True)) >= {S.PHONE, S.EMAIL, str(S.YEAR),
                                                    S.FULL_NAME}
    assert leaks(_get(app, world, "judge_a", "/judge/")) == []


@pytest.mark.parametrize("blind", [True, False], ids=["blind", "named"])
def test_judge_pages_show_no_personal_data(app, blind):
    world = seed(app, blind=blind)
    for path in _judge_pages(world):
        assert leaks(_get(app, world, "judge_a", path), identity=blind) == [], path
    download = _get(app, world, "judge_a", f"/files/{world.file_id}")
    assert leaks(download, identity=True) == []
    assert f'filename="BLV2026-BI-001-work-1-{world.file_id}.pdf"' in download


def test_named_round_shows_pen_names_to_judges(app):
    """Not blind: the judge may see who wrote it, so the blind check above is meaningful."""
    world = seed(app, blind=False)
    page = _get(app, world, "judge_a", f"/judge/assignments/{world.assignment_id}")
    assert S.PEN_NAME in page


def test_public_pages_show_no_personal_data(app):
    world = seed(app)
    for path in ("/", f"/results/{world.slug}", f"/results/{world.slug}/v/1"):
        page = _get(app, world, "anon", path)
        assert leaks(page) == [], path
        assert S.FULL_NAME not in page and S.CO_FULL_NAME not in page, path
    assert S.PEN_NAME in _get(app, world, "anon", f"/results/{world.slug}")


def test_judge_actions_leave_no_personal_data_in_audit_or_logs(app, caplog):
    world = seed(app, blind=False, sheet_status=ScoreSheet.DRAFT)
    conflict = Assignment(round_id=world.round_id, entry_id=world.entry_id,
                          judge_id=world.users["judge_o"])
    db.session.add(conflict)
    db.session.commit()
    conflict_id = conflict.id
    judge_ids = {world.users["judge_a"], world.users["judge_o"]}
    caplog.set_level(logging.DEBUG)
    caplog.clear()

    client, token = client_as(app, world, "judge_a")
    scores = {f"score-{code}": value for code, value in zip(
        ("truthful", "orientation", "discovery", "effect", "presentation"),
        ("20", "15", "15.5", "16", "12"), strict=True)}
    sheet_url = f"/judge/assignments/{world.assignment_id}"
    saved = client.post(sheet_url + "/autosave", data={"csrf_token": token, "version": "1",
                                                        **scores, "comment": "Khá"})
    assert saved.status_code == 200, saved.get_json()
    version = str(saved.get_json()["version"])
    submitted = client.post(sheet_url, data={"csrf_token": token, "version": version,
                                             "action": "submit", **scores, "comment": "Khá"})
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:2000]
    other, other_token = client_as(app, world, "judge_o")
    declared = other.post(f"/judge/assignments/{conflict_id}/conflict",
                          data={"csrf_token": other_token,
                                "reason": "Cùng cơ quan với tác giả"})
    assert declared.status_code == 302

    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.actor_id.in_(judge_ids)).order_by(AuditEvent.id)).all()
    assert len(events) >= 3, [e.action for e in events]
    for event in events:
        text = json.dumps([event.action, event.object_type, json.loads(event.before or "{}"),
                           json.loads(event.after or "{}")], ensure_ascii=False)
        assert leaks(text, identity=True) == [], event.action
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert leaks(log, identity=True) == []
    assert db.session.get(ScoreSheet, world.sheet_id).status == ScoreSheet.SUBMITTED


def test_error_pages_for_a_logged_in_entrant_show_no_personal_data(app):
    def boom():
        raise RuntimeError(f"failure while handling {S.PHONE}")

    def forbidden():
        abort(403)

    app.add_url_rule("/_test/boom", "test_boom", boom)
    app.add_url_rule("/_test/forbidden", "test_forbidden", forbidden)
    world = seed(app)
    client, _token = client_as(app, world, "owner")
    for path, status in (("/no-such-page", 404), ("/_test/forbidden", 403),
                         ("/_test/boom", 500)):
        response = client.get(path)
        assert response.status_code == status
        assert leaks(response.get_data(as_text=True)) == [], path
    csrf = client.post("/auth/account", data={"phone": S.PHONE, "pen_name": "x"})
    assert csrf.status_code == 400
    assert leaks(csrf.get_data(as_text=True)) == []
    assert S.PEN_NAME in client.get("/no-such-page").get_data(as_text=True)  # logged in
