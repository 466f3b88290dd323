"""Who may review, decide, publish, export and read an edition's results."""

from __future__ import annotations

from portal.permissions import is_judge, is_organizer


def can_review_results(user, contest, *, now=None) -> bool:
    """Organizers of the edition (and admins) see scores, judges and the proposal."""
    return is_organizer(user, contest)


def can_decide_results(user, contest, *, now=None) -> bool:
    """Change levels, forward works, record the decision and publish: organizers only."""
    return is_organizer(user, contest)


def can_export_results(user, contest, *, now=None) -> bool:
    """Spreadsheets, PDFs and the nomination package carry scores and judges' names."""
    return is_organizer(user, contest)


def can_export_judge_sheets(user, round_, judge_id: int, *, now=None) -> bool:
    """A judge's score sheets of a round, for signing: the edition's organizers, and that
    judge (a judge of the edition asking for their own id), never another judge."""
    if is_organizer(user, round_.contest):
        return True
    return (getattr(user, "is_authenticated", False) and user.id == judge_id
            and is_judge(user, round_.contest))


def can_view_published_results(user, snapshot, *, now=None) -> bool:
    """Anyone, logged in or not, once a version is published."""
    return snapshot is not None
