"""Who may use the secretariat's edition screens.

Every predicate builds on `portal.permissions.is_organizer` (an organizer of this
edition, or a global admin). Views answer **404**, never 403, when a predicate
fails: an organizer of another edition, a judge or an entrant must not learn
from the status code that this edition's screens exist. Anonymous visitors are
sent to the login page first by `login_required`.
"""

from __future__ import annotations

from portal.permissions import is_organizer


def can_manage_contest(user, contest, *, now=None) -> bool:
    """Edit the edition's settings, genres, slots, prize levels and members."""
    return is_organizer(user, contest)


def can_screen_entries(user, contest, *, now=None) -> bool:
    """See the registry (with authors' personal data) and rule entries eligible or not."""
    return is_organizer(user, contest)


def can_view_audit(user, contest, *, now=None) -> bool:
    """Read and export the edition's audit trail."""
    return is_organizer(user, contest)


def can_view_jobs(user, contest, *, now=None) -> bool:
    """See the job queue's health, the edition's failed jobs and the mail sent for it."""
    return is_organizer(user, contest)


def can_retry_jobs(user, contest, *, now=None) -> bool:
    """Put one of the edition's failed jobs back on the queue."""
    return is_organizer(user, contest)
