"""PostgreSQL kills the app's connections: between requests, and inside a score submission."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Score, ScoreSheet
from tests.support.databases import ADMIN_URL
from tests.support.judge_scenario import build, values
from tests.support.web import csrf_token, html, login

FAILED = ("Hệ thống chưa hoàn tất được yêu cầu này và chưa có gì bị thay đổi. Hãy thử lại; "
          "nếu lỗi lặp lại, hãy liên hệ Thường trực Giải.")


@pytest.fixture
def admin(db_backend):
    if db_backend != "postgres":
        pytest.skip("killing server connections is a PostgreSQL matter")
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _kill_all(admin, app) -> int:
    """Terminate every connection to the test database but the admin's own."""
    name = db.engine.url.database
    with admin.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name}).scalar()


def _backend_pids(admin) -> set[int]:
    with admin.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :n"),
            {"n": db.engine.url.database}).scalars())


def _request(app, call):
    """One request in its own app context (its own session), as under gunicorn."""
    with app.app_context():
        return call()


def _sheet_state(assignment_id: int):
    """(status, version, {criterion: value}, comment) read through a fresh connection."""
    with db.engine.connect() as conn:
        sheet = conn.execute(sa.select(ScoreSheet.__table__).where(
            ScoreSheet.assignment_id == assignment_id)).one_or_none()
        if sheet is None:
            return None
        scores = conn.execute(
            sa.text("SELECT c.code, s.value FROM scores s JOIN criteria c "
                    "ON c.id = s.criterion_id WHERE s.sheet_id = :id"), {"id": sheet.id}).all()
        return (sheet.status, sheet.version, {code: Decimal(v) for code, v in scores},
                sheet.comment, sheet.submitted_at)


def _audit_actions() -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_connections_killed_between_requests_next_request_reconnects(app, admin):
    s = build(count=2)
    assignment_id, email = s.first.id, s.judge.email
    db.session.commit()  # the test's own session holds no connection from here on
    client = app.test_client()
    url = f"/judge/assignments/{assignment_id}"
    _request(app, lambda: login(client, email))
    assert _request(app, lambda: client.get(url)).status_code == 200
    old = _backend_pids(admin)
    assert _kill_all(admin, app) >= 1

    page = _request(app, lambda: client.get(url))
    assert page.status_code == 200
    assert f'action="{url}"' in html(page) or 'id="score-sheet"' in html(page)
    token = _request(app, lambda: csrf_token(client, url))
    saved = _request(app, lambda: client.post(url, data={
        "csrf_token": token, **values(), "version": "0", "action": "submit"}))
    assert saved.status_code == 302
    assert _sheet_state(assignment_id)[:3] == ("submitted", 1, {
        "truthful": Decimal("20"), "orientation": Decimal("18"), "discovery": Decimal("15.5"),
        "effect": Decimal("16"), "presentation": Decimal("12")})
    assert not (_backend_pids(admin) & old)  # the pool reconnected, no dead pid reused


class KillOnce:
    """A before_cursor_execute hook that terminates the connection's own backend the first
    time a statement matching ``pattern`` is about to run."""

    def __init__(self, admin, pattern: str):
        self.admin = admin
        self.pattern = re.compile(pattern, re.I)
        self.fired: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.fired or not self.pattern.search(statement):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with self.admin.connect() as admin_conn:
            assert admin_conn.execute(sa.text("SELECT pg_terminate_backend(:p)"),
                                      {"p": pid}).scalar()
        self.fired.append(statement.split("\n")[0][:60])


@pytest.mark.parametrize("pattern", [r"^\s*INSERT INTO scores", r"^\s*UPDATE score_sheets",
                                     r"^\s*INSERT INTO audit_events"])
def test_connection_killed_during_submit_fails_cleanly_and_nothing_is_half_written(
        app, admin, pattern):
    s = build(count=1)
    assignment_id, email = s.first.id, s.judge.email
    db.session.commit()
    client = app.test_client()
    url = f"/judge/assignments/{assignment_id}"
    _request(app, lambda: login(client, email))
    token = _request(app, lambda: csrf_token(client, url))
    # A draft with three of five scores: the submission must keep it or replace it whole.
    draft = _request(app, lambda: client.post(url, data={
        "csrf_token": token, **values(effect="", presentation=""), "comment": "nháp",
        "version": "0", "action": "save"}))
    assert draft.status_code == 302
    before = _sheet_state(assignment_id)
    assert before[:4] == ("draft", 1, {"truthful": Decimal("20"), "orientation": Decimal("18"),
                                       "discovery": Decimal("15.5")}, "nháp")
    audit_before = _audit_actions()

    hook = KillOnce(admin, pattern)
    sa.event.listen(db.engine, "before_cursor_execute", hook)
    try:
        failed = _request(app, lambda: client.post(url, data={
            "csrf_token": token, **values(truthful="22"), "comment": "xong",
            "version": "1", "action": "submit"}))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)
    assert hook.fired, "the statement to interrupt never ran"
    assert failed.status_code == 500
    assert FAILED in html(failed)
    assert _sheet_state(assignment_id) == before  # wholly the old draft
    assert _audit_actions() == audit_before
    assert db.session.scalar(sa.select(sa.func.count(Score.id))) == 3

    again = _request(app, lambda: client.post(url, data={
        "csrf_token": token, **values(truthful="22"), "comment": "xong",
        "version": "1", "action": "submit"}))
    assert again.status_code == 302
    status, version, scores, comment, submitted_at = _sheet_state(assignment_id)
    assert (status, version, comment) == ("submitted", 2, "xong")
    assert scores == {"truthful": Decimal("22"), "orientation": Decimal("18"),
                      "discovery": Decimal("15.5"), "effect": Decimal("16"),
                      "presentation": Decimal("12")}
    assert submitted_at is not None
    assert _audit_actions() == audit_before + ["score.submitted"]
