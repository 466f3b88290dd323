"""Named permission predicates shared by every area.

Each predicate is `can_<verb>_<noun>(user, obj, *, now=None) -> bool`; the areas'
own permissions.py modules build on these. Views call them and abort; templates
get them through a context processor.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context

from portal.extensions import db
from portal.models import Assignment, Membership, Round


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _memberships(user) -> list[tuple[int, str]]:
    """Every (edition id, role) of the user: one query, cached for the current request only
    (outside a request, e.g. in a service called by a command, it is read each time)."""
    cache = g.setdefault("_memberships", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = [
            (contest_id, role)
            for contest_id, role in db.session.execute(
                sa.select(Membership.contest_id, Membership.role).where(
                    Membership.user_id == user.id
                )
            )
        ]
    return cache[user.id]


def roles_in(user, contest_id: int) -> set[str]:
    """The user's roles in one edition."""
    if not _authenticated(user):
        return set()
    return {role for cid, role in _memberships(user) if cid == contest_id}


def is_admin(user) -> bool:
    return _authenticated(user) and bool(user.is_admin)


def is_organizer(user, contest) -> bool:
    """An organizer of this edition, or a global admin."""
    return is_admin(user) or Membership.ORGANIZER in roles_in(user, contest.id)


def is_judge(user, contest) -> bool:
    return Membership.JUDGE in roles_in(user, contest.id)


def is_sitting_judge(user, assignment: Assignment) -> bool:
    """The one rule for a judge's access to a work and its files: ``user`` is the
    assignment's judge, the assignment is active (not recused), its round is past draft,
    and ``user`` still holds the judge role in the edition (a revoked judge sees nothing,
    whatever assignments remain)."""
    return (
        _authenticated(user)
        and assignment.judge_id == user.id
        and assignment.status == Assignment.ACTIVE
        and assignment.round.status != Round.DRAFT
        and Membership.JUDGE in roles_in(user, assignment.round.contest_id)
    )


def sitting_assignments(user, entry) -> list[Assignment]:
    """The user's assignments to ``entry`` that pass ``is_sitting_judge`` (empty for
    anyone who may not see the entry as a judge); rounds loaded in the same statement."""
    if not _authenticated(user) or Membership.JUDGE not in roles_in(user, entry.contest_id):
        return []
    rows = db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.entry_id == entry.id, Assignment.judge_id == user.id)
        .options(so.joinedload(Assignment.round))
    )
    return [a for a in rows if is_sitting_judge(user, a)]


def is_staff(user, contest) -> bool:
    """Jury and secretariat members of an edition may not enter it; a global admin is
    an organizer of every edition (see is_organizer), so may enter none."""
    return is_admin(user) or bool(roles_in(user, contest.id))


def can_manage_contest(user, contest, *, now=None) -> bool:
    return is_organizer(user, contest)


def organizer_contest_ids(user) -> list[int]:
    if not _authenticated(user):
        return []
    return [cid for cid, role in _memberships(user) if role == Membership.ORGANIZER]


def judge_contest_ids(user) -> list[int]:
    if not _authenticated(user):
        return []
    return [cid for cid, role in _memberships(user) if role == Membership.JUDGE]
