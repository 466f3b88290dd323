"""Who may see and score a judge's assignment."""

from __future__ import annotations

from portal.models import Assignment, Round, ScoreSheet
from portal.permissions import is_judge, is_sitting_judge


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_view_round_queue(user, round_: Round, *, now=None) -> bool:
    """A judge of the edition may see their queue of a round that is no longer a draft."""
    return (
        _authenticated(user)
        and round_.status != Round.DRAFT
        and is_judge(user, round_.contest)
    )


def can_view_assignment(user, assignment: Assignment, *, now=None) -> bool:
    """Only the assigned judge, while the assignment is active, its round is past draft
    and they still judge the edition (portal.permissions.is_sitting_judge: a recused,
    someone else's or a draft round's assignment is invisible, and so is every assignment
    of a judge whose role was revoked: views answer 404)."""
    return is_sitting_judge(user, assignment)


def round_is_scoring(round_: Round, now) -> bool:
    """The round is open and now falls inside its scoring window."""
    return round_.status == Round.OPEN and round_.opens_at <= now < round_.closes_at


def can_score_assignment(user, assignment: Assignment, *, now) -> bool:
    """The assigned judge may write the sheet while the round's window is open and the
    sheet is not yet submitted."""
    if not can_view_assignment(user, assignment):
        return False
    sheet = assignment.sheet
    if sheet is not None and sheet.status == ScoreSheet.SUBMITTED:
        return False
    return round_is_scoring(assignment.round, now)


def can_declare_conflict(user, assignment: Assignment, *, now=None) -> bool:
    """The assigned judge may recuse themselves until the round is closed."""
    return can_view_assignment(user, assignment) and assignment.round.status != Round.CLOSED
