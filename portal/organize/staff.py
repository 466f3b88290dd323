"""The edition's staff: granting and revoking roles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from portal import audit, clock
from portal.auth.services import close_all_sessions, grant_membership
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import (
    Assignment,
    Contest,
    Membership,
    User,
    normalize_email,
)
from portal.rounds.services import end_open_assignments


def grant_role(*, contest: Contest, email: str, role: str, actor: User) -> Membership:
    """Give the account with this e-mail a role in the edition.

    Raises DomainError for an unknown e-mail, an unknown role, and (from
    portal.auth.services.grant_membership) a role already held or a user who is an
    author in the edition.
    """
    if role not in Membership.ROLES:
        raise DomainError(_("Choose organizer or judge."))
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise DomainError(_("No account uses the e-mail address %(email)s. Ask the person "
                            "to register first.", email=normalize_email(email)))
    return grant_membership(user=user, contest=contest, role=role, actor=actor)


def revoke_role(*, membership: Membership, actor: User,
                now: datetime | None = None) -> list[Assignment]:
    """Remove a role and end every session of its holder (they log in again with the rights
    they still have); refuses to remove the edition's last organizer (raises NotAllowed).

    Revoking a judge ends their open assignments (portal.rounds.services.
    end_open_assignments: recused, so each round lists them for replacement; submitted
    sheets stay) and returns those assignments; the judge's access ends with the role
    (portal.permissions.is_sitting_judge)."""
    contest = membership.contest
    ended: list[Assignment] = []
    if membership.role == Membership.ORGANIZER:
        organizers = db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
            Membership.contest_id == contest.id, Membership.role == Membership.ORGANIZER))
        if organizers <= 1:
            raise NotAllowed(_("The edition needs at least one organizer: grant the role to "
                               "someone else before removing this one."))
    if membership.role == Membership.JUDGE:
        ended = end_open_assignments(contest=contest, judge=membership.user,
                                     reason="judge role revoked", actor=actor)
    audit.record("membership.revoked", actor=actor, contest=contest, obj=membership,
                 before={"user": membership.user.email, "role": membership.role},
                 after={"assignments_ended": [a.id for a in ended]} if ended else None)
    close_all_sessions(membership.user, now=now or clock.now())
    db.session.delete(membership)
    db.session.flush()
    return ended


def members_of(contest: Contest) -> list[Membership]:
    return list(db.session.scalars(
        sa.select(Membership).where(Membership.contest_id == contest.id)
        .options(so.joinedload(Membership.user))
        .order_by(Membership.role.desc(), Membership.created_at, Membership.id)
    ))
