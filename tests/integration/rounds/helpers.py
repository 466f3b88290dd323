"""Building blocks for the rounds tests: an edition with an organizer, judges, entries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Assignment,
    AuditEvent,
    Entry,
    Membership,
    Panel,
    Round,
    RoundEntry,
    ScoreSheet,
)
from tests.support.factories import (
    genre,
    grant,
    make_contest,
    make_entry,
    make_round,
    make_sheet,
    make_user,
)
from tests.support.web import login as _login
from tests.support.web import post_form


def login(client, email: str):
    """Log in, then forget the CSRF token cached on `g`: the fixture's app context (and so
    `g`) outlives each request, while login clears the session that held the token."""
    from flask import g

    response = _login(client, email)
    g.pop("csrf_token", None)
    return response


def organizer_setup(*, login_client=None, **contest_kw):
    """An edition and its organizer; logs the organizer in on login_client."""
    contest = make_contest(**contest_kw)
    org = make_user("btc@example.vn", full_name="Thư ký Hội đồng")
    grant(org, contest, Membership.ORGANIZER)
    db.session.commit()
    if login_client is not None:
        login(login_client, org.email)
    return contest, org


def make_judges(contest, n: int, *, workplaces=None, prefix="gk"):
    judges = []
    for i in range(n):
        u = make_user(f"{prefix}{i + 1}@example.vn", full_name=f"Giám khảo {prefix.upper()}{i + 1}",
                      workplace=(workplaces or {}).get(i, f"Cơ quan giám khảo {prefix}{i + 1}"),
                      year_of_birth=1960 + i)
        grant(u, contest, Membership.JUDGE)
        judges.append(u)
    return judges


def eligible_entry(contest, owner, code: str, ref: str, **kw) -> Entry:
    return make_entry(contest, owner, genre_code=code, status=Entry.SUBMITTED,
                      eligibility=Entry.ELIGIBLE, reference=ref, **kw)


def bare_round(contest, *, position=1, k=3, **kw) -> Round:
    """make_round without its default panel (tests build their own panels)."""
    rnd = make_round(contest, position=position, judges_per_entry=k, **kw)
    for p in list(rnd.panels):
        rnd.panels.remove(p)
    db.session.flush()
    return rnd


def add_panel(rnd: Round, name: str, codes, judges) -> Panel:
    panel = Panel(name=name, position=len(rnd.panels) + 1)
    panel.genres = [genre(rnd.contest, c) for c in codes]
    panel.judges = list(judges)
    rnd.panels.append(panel)
    db.session.flush()
    return panel


def enroll(rnd: Round, entries) -> None:
    for e in entries:
        db.session.add(RoundEntry(round_id=rnd.id, entry_id=e.id))
    db.session.flush()


def add_sheet(assignment: Assignment, *, status=ScoreSheet.SUBMITTED, total=None,
              at: datetime | None = None, values=None) -> ScoreSheet:
    """A score sheet with one Score per criterion (values default to zeros)."""
    crits = assignment.round.criteria
    sheet = make_sheet(assignment, status=status, total=total,
                       at=at or datetime(2026, 12, 22, 3, 0, tzinfo=UTC),
                       values=values or [Decimal(0)] * len(crits))
    db.session.flush()
    return sheet


def assign_rows(rnd: Round):
    return db.session.execute(
        sa.select(Assignment.entry_id, Assignment.judge_id, Assignment.status)
        .where(Assignment.round_id == rnd.id).order_by(Assignment.entry_id, Assignment.judge_id)
    ).all()


def audit_actions(prefix: str = "") -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.startswith(prefix))
        .order_by(AuditEvent.id)))


__all__ = ["add_panel", "add_sheet", "assign_rows", "audit_actions", "bare_round", "enroll",
           "eligible_entry", "make_judges", "organizer_setup", "post_form"]
