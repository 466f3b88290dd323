"""Who may manage an edition's agencies and act for one as its focal point.

Views answer 404 when a predicate fails, so nobody learns which agencies exist.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import g, has_request_context

from portal.entries.permissions import window_open
from portal.extensions import db
from portal.models import Agency, AgencyDossier, AgencyFocalPoint, Entry
from portal.permissions import _authenticated, is_organizer


def focal_agency_ids(user) -> set[int]:
    """The agencies the user is a focal point of (one query, cached per request)."""
    if not _authenticated(user):
        return set()
    cache = g.setdefault("_focal_agencies", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = set(db.session.scalars(
            sa.select(AgencyFocalPoint.agency_id).where(AgencyFocalPoint.user_id == user.id)))
    return cache[user.id]


def is_focal_point(user, agency: Agency) -> bool:
    """The user was named focal point (đầu mối) of this agency by an organizer."""
    return agency.id in focal_agency_ids(user)


def can_manage_agencies(user, contest, *, now=None) -> bool:
    """Keep the edition's list of agencies and name their focal points: its organizers."""
    return is_organizer(user, contest)


def can_view_agency(user, agency: Agency, *, now=None) -> bool:
    """See the agency's entries (titles, authors, files, confirmations) and dossiers: its
    focal points, and the edition's organizers."""
    return is_focal_point(user, agency) or is_organizer(user, agency.contest)


def can_act_for_agency(user, agency: Agency, *, now: datetime) -> bool:
    """Confirm entries, enter on a journalist's behalf and send a dossier: a focal point of
    the agency, while the edition takes agencies' dossiers and its window is open."""
    return (is_focal_point(user, agency) and agency.contest.agency_route_open
            and window_open(agency.contest, now))


def can_confirm_entry(user, entry: Entry, *, now: datetime) -> bool:
    """A focal point of the entry's agency, on a draft or submitted entry not yet sent in a
    dossier, while the agency may act."""
    return (entry.agency is not None and can_act_for_agency(user, entry.agency, now=now)
            and entry.dossier_id is None
            and entry.status in (Entry.DRAFT, Entry.SUBMITTED))


def can_view_dossier(user, dossier: AgencyDossier, *, now=None) -> bool:
    """The dossier and its receipt: whoever may view its agency."""
    return can_view_agency(user, dossier.agency)
