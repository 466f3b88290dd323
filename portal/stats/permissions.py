"""Who may read an edition's statistics: its organizers (and admins).

The numbers name agencies, judges and their biases, so everyone else gets 404, like the
other secretariat screens.
"""

from __future__ import annotations

from portal.permissions import is_organizer


def can_view_statistics(user, contest, *, now=None) -> bool:
    """The edition dashboard, the judging charts and the closing report."""
    return is_organizer(user, contest)
