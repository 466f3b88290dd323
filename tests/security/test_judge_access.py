"""A judge sees a work and its files only while sitting on it: active assignment, round
past draft, judge role still held (portal.permissions.is_sitting_judge), on both
databases and both storage backends. Revoking the role ends the judge's open assignments
and sends the organizer to the replacements; submitted sheets stay as the record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Assignment, AuditEvent, Membership, Panel, Round, ScoreSheet
from tests.security import seed as S
from tests.security.seed import client_as, log_in_again, seed, snapshot_tables, table_diff
from tests.support.storage_backends import (  # noqa: F401 - fixtures
    app_config_for,
    fetch,
    prepare,
    storage_backend,
)


@pytest.fixture
def app_config(request, storage_backend):  # noqa: F811
    return app_config_for(request, storage_backend, PROPAGATE_EXCEPTIONS=False)


def _world(app, **kw):
    """The security world in a named round (a blind round serves judges a cleaned copy,
    tested in test_pii.py), with its objects in the backend under test."""
    prepare(app)
    return seed(app, blind=False, **kw)


def _judge_membership_id(world, principal="judge_a") -> int:
    return db.session.scalar(sa.select(Membership.id).where(
        Membership.user_id == world.users[principal], Membership.role == Membership.JUDGE))


def _revoke(app, world, principal="judge_a"):
    org, token = client_as(app, world, "org")
    return org.post(f"/organize/{world.slug}/members/{_judge_membership_id(world, principal)}"
                    "/revoke", data={"csrf_token": token})


def _sheet_post(app, world):
    judge, token = client_as(app, world, "judge_a")
    scores = {f"score-{code}": value for code, value in zip(
        ("truthful", "orientation", "discovery", "effect", "presentation"),
        ("20", "15", "15", "16", "12"), strict=True)}
    url = f"/judge/assignments/{world.assignment_id}"
    return (judge.post(url, data={"csrf_token": token, "version": "1", "action": "submit",
                                  **scores, "comment": "Sau khi bị thu hồi"}),
            judge.post(url + "/autosave", data={"csrf_token": token, "version": "1",
                                                **scores, "comment": "Tự lưu"}))


def test_revoked_judge_gets_404_on_file_page_and_sheet_and_changes_nothing(app):
    world = _world(app, sheet_status=ScoreSheet.DRAFT)
    judge, _token = client_as(app, world, "judge_a")
    assert fetch(judge.get(f"/files/{world.file_id}")) == world.pdf  # before: allowed
    assert judge.get(f"/judge/assignments/{world.assignment_id}").status_code == 200

    response = _revoke(app, world)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/organize/{world.slug}/rounds/{world.round_id}/assignments#replacements")
    db.session.expire_all()
    assignment = db.session.get(Assignment, world.assignment_id)
    assert assignment.status == Assignment.RECUSED
    assert assignment.sheet.status == ScoreSheet.DRAFT  # the draft is kept, unscored
    assert world.users["judge_a"] not in {u.id for p in db.session.scalars(sa.select(Panel))
                                          for u in p.judges}
    recused = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "assignment.recused", AuditEvent.object_id == assignment.id))
    assert "judge role revoked" in recused.after

    # The revocation ended the judge's sessions (the old cookie is anonymous); logged in
    # again, they get nothing.
    assert judge.get(f"/judge/assignments/{world.assignment_id}").headers["Location"] == (
        f"/auth/login?next=/judge/assignments/{world.assignment_id}")
    log_in_again(app, world, "judge_a")
    judge, _token = client_as(app, world, "judge_a")
    assert judge.get(f"/files/{world.file_id}").status_code == 404
    assert judge.get(f"/judge/assignments/{world.assignment_id}").status_code == 404
    assert judge.get(f"/judge/{world.slug}/rounds/{world.round_id}").status_code == 404
    before = snapshot_tables()
    submitted, autosaved = _sheet_post(app, world)
    assert (submitted.status_code, autosaved.status_code) == (404, 404)
    assert table_diff(before, snapshot_tables()) == []

    org, _token = client_as(app, world, "org")
    page = org.get(f"/organize/{world.slug}/rounds/{world.round_id}/assignments")
    replacements = page.get_data(as_text=True).split('id="replacements"', 1)[1]
    replacements = replacements.split("</section>", 1)[0]
    assert "BLV2026-BI-001" in replacements  # the work that needs another judge


def test_revoked_judge_with_a_submitted_sheet_keeps_the_record_but_loses_the_files(app):
    """The assignment stays active (its sheet is the record), yet the file and the page
    are gone: the predicate checks the role, not only the assignment."""
    world = _world(app)  # judge_a's sheet is submitted
    assert _revoke(app, world).status_code == 302
    db.session.expire_all()
    assignment = db.session.get(Assignment, world.assignment_id)
    assert (assignment.status, assignment.sheet.status) == (Assignment.ACTIVE,
                                                            ScoreSheet.SUBMITTED)
    log_in_again(app, world, "judge_a")  # the revocation ended the judge's sessions
    judge, _token = client_as(app, world, "judge_a")
    assert judge.get(f"/files/{world.file_id}").status_code == 404
    assert judge.get(f"/files/{world.file_id}?inline=1").status_code == 404
    assert judge.get(f"/judge/assignments/{world.assignment_id}").status_code == 404
    assert judge.get("/judge/").get_data(as_text=True).count("ed-sec") == 0


def test_work_page_and_files_of_a_draft_round_are_404_for_its_judge(app):
    world = _world(app, sheet_status=ScoreSheet.DRAFT)
    db.session.get(Round, world.round_id).status = Round.DRAFT
    db.session.commit()
    judge, _token = client_as(app, world, "judge_a")
    assert judge.get(f"/judge/{world.slug}/rounds/{world.round_id}").status_code == 404
    assert judge.get(f"/judge/assignments/{world.assignment_id}").status_code == 404
    assert judge.get(f"/files/{world.file_id}").status_code == 404
    before = snapshot_tables()
    submitted, autosaved = _sheet_post(app, world)
    assert (submitted.status_code, autosaved.status_code) == (404, 404)
    assert table_diff(before, snapshot_tables()) == []
    org, _token = client_as(app, world, "org")
    assert fetch(org.get(f"/files/{world.file_id}")) == world.pdf  # organizers still can


def test_revoking_an_organizer_or_a_judge_without_work_ends_no_assignment(app):
    world = _world(app)
    response = _revoke(app, world, "judge_o")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organize/{world.slug}/members")
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id)).where(
        Assignment.status == Assignment.RECUSED)) == 0
    assert S.PEN_NAME  # the seeded world is the security one
