"""Who may use the judging screens of an edition: its organizers and global admins."""

from __future__ import annotations

from portal.permissions import is_organizer


def can_manage_rounds(user, contest, *, now=None) -> bool:
    """True for an organizer of this edition or an admin; everyone else sees a 404."""
    return contest is not None and is_organizer(user, contest)
