"""Agency operations: keep the edition's list, name focal points, confirm entries, send a
dossier. Services flush but never commit and audit every change."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext

from judging.text import same_agency, search_key
from portal.audit import record
from portal.entries import services as entry_services
from portal.errors import DomainError, NotAllowed, NotEligible
from portal.extensions import db
from portal.models import (
    Agency,
    AgencyDossier,
    AgencyFocalPoint,
    Contest,
    Entry,
    EntryFile,
    User,
    normalize_email,
)
from portal.storage import Storage


class DossierNotEligible(NotEligible):
    """Some entries of a dossier fail screening: ``entry_problems`` pairs each entry with
    one of its problems (a Problem), so the page can name the entry."""

    def __init__(self, message, *, entry_problems):
        super().__init__(message, problems=[p for _entry, p in entry_problems])
        self.entry_problems = list(entry_problems)


def _clean(name: str) -> str:
    return " ".join((name or "").split())


def add_agency(*, contest: Contest, name: str, actor: User) -> Agency:
    """Put an agency on the edition's list.

    Raises DomainError for an empty name or one that names an agency already on the list
    (compared without case, diacritics, punctuation or a leading "Báo"/"Đài"…, by
    judging.text.same_agency: "Báo Hà Tĩnh" is "BAO HA TINH" and "Hà Tĩnh").
    """
    name = _clean(name)
    if not search_key(name):
        raise DomainError(gettext("Enter the agency's name."))
    for other in db.session.scalars(sa.select(Agency).where(Agency.contest_id == contest.id)):
        if search_key(other.name) == search_key(name) or same_agency(other.name, name):
            raise DomainError(gettext("%(name)s is already on the list as %(other)s. "
                                      "Nothing was added.", name=name, other=other.name))
    agency = Agency(contest=contest, name=name, name_key=search_key(name))
    db.session.add(agency)
    db.session.flush()
    record("agency.add", actor=actor, contest=contest, obj=agency, after={"name": name})
    return agency


def find_agency(contest: Contest, name: str) -> Agency | None:
    """The listed agency ``name`` designates (same_agency), or None."""
    for agency in db.session.scalars(sa.select(Agency).where(Agency.contest_id == contest.id)):
        if same_agency(agency.name, name):
            return agency
    return None


def add_focal_point(*, agency: Agency, email: str, actor: User) -> AgencyFocalPoint:
    """Name the account with this confirmed e-mail focal point of the agency.

    Raises DomainError for an unknown or unconfirmed address, or one already named.
    """
    email = normalize_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or user.email_confirmed_at is None:
        raise DomainError(gettext("No confirmed account uses the e-mail address %(email)s. "
                                  "Ask the person to register and confirm it first.",
                                  email=email))
    if any(fp.user_id == user.id for fp in agency.focal_points):
        raise DomainError(gettext("%(email)s is already a focal point of %(agency)s.",
                                  email=email, agency=agency.name))
    fp = AgencyFocalPoint(agency=agency, user=user)
    db.session.add(fp)
    db.session.flush()
    record("agency.focal_point_add", actor=actor, contest=agency.contest, obj=fp,
           after={"agency": agency.name, "user_id": user.id})
    return fp


def focal_agencies(user: User) -> list[Agency]:
    """The agencies the user is a focal point of, with their editions (one query)."""
    return list(db.session.scalars(
        sa.select(Agency).join(AgencyFocalPoint, AgencyFocalPoint.agency_id == Agency.id)
        .where(AgencyFocalPoint.user_id == user.id)
        .options(so.joinedload(Agency.contest)).order_by(Agency.id)))


def agency_entries(agency: Agency) -> list[Entry]:
    """The agency's entries (not deleted) with authors, parts, genre and files, in constant
    queries."""
    return list(db.session.scalars(
        sa.select(Entry).where(Entry.agency_id == agency.id, Entry.status != Entry.DELETED)
        .options(so.selectinload(Entry.authors), so.selectinload(Entry.parts),
                 so.selectinload(Entry.genre),
                 so.selectinload(Entry.files).selectinload(EntryFile.slot))
        .order_by(Entry.created_at, Entry.id)
    ))


def agency_dossiers(agency: Agency) -> list[AgencyDossier]:
    return list(db.session.scalars(
        sa.select(AgencyDossier).where(AgencyDossier.agency_id == agency.id)
        .order_by(AgencyDossier.number)))


def set_confirmation(entry: Entry, *, confirm: bool, actor: User, now: datetime) -> Entry:
    """Record (or withdraw) the agency's confirmation of the entry; it replaces the
    uploaded confirmation letter at screening. Raises DomainError once the entry is in a
    dossier or when it is neither a draft nor submitted."""
    if entry.dossier_id is not None:
        raise DomainError(gettext("This entry was sent in a dossier; its confirmation stays."))
    if entry.status not in (Entry.DRAFT, Entry.SUBMITTED):
        raise DomainError(gettext("Only a draft or a submitted entry can be confirmed."))
    before = {"agency_confirmed_at": entry.agency_confirmed_at}
    entry.agency_confirmed_at = now if confirm else None
    entry.agency_confirmed_by_id = actor.id if confirm else None
    db.session.flush()
    record("entry.agency_confirm" if confirm else "entry.agency_unconfirm", actor=actor,
           entry=entry, obj=entry, before=before,
           after={"agency_confirmed_at": entry.agency_confirmed_at,
                  "agency": entry.agency.name})
    return entry


def submit_dossier(*, agency: Agency, actor: User, now: datetime,
                   storage: Storage) -> AgencyDossier:
    """Send the agency's confirmed entries not yet in a dossier as one dossier: drafts are
    submitted (screened, given a reference) and entries already submitted join it.

    All or nothing: raises NotEligible listing every problem of every draft that cannot be
    submitted, DomainError when no confirmed entry waits, NotAllowed when the edition does
    not take agencies' dossiers, SubmissionClosed outside the window.
    """
    contest = agency.contest
    if not contest.agency_route_open:
        raise NotAllowed(gettext("This edition does not accept agencies' dossiers."))
    # One dossier at a time per agency: a double click waits here, then finds nothing new.
    db.session.refresh(agency, with_for_update=True)
    waiting = [e for e in agency_entries(agency)
               if e.agency_confirmed_at is not None and e.dossier_id is None
               and e.status in (Entry.DRAFT, Entry.SUBMITTED)]
    if not waiting:
        raise DomainError(gettext("No confirmed entry waits to be sent. Confirm your "
                                  "journalists' entries first."))
    problems = []
    for e in waiting:
        if e.status == Entry.DRAFT:
            for p in entry_services.screening_problems(e, now=now):
                problems.append((e, p))
    if problems:
        raise DossierNotEligible(
            gettext("The dossier was not sent: fix every point below (or withdraw the "
                    "confirmation of the entry), then send it again. Nothing was submitted."),
            entry_problems=problems)
    number = 1 + (db.session.scalar(sa.select(sa.func.max(AgencyDossier.number)).where(
        AgencyDossier.agency_id == agency.id)) or 0)
    dossier = AgencyDossier(agency=agency, number=number, submitted_at=now,
                            submitted_by_id=actor.id)
    db.session.add(dossier)
    db.session.flush()
    for e in waiting:
        if e.status == Entry.DRAFT:
            entry_services.submit_entry(e, actor=actor, expected_version=None, now=now,
                                        storage=storage, in_dossier=True)
        e.dossier_id = dossier.id
    db.session.flush()
    record("agency.dossier_submit", actor=actor, contest=contest, obj=dossier,
           after={"agency": agency.name, "number": number,
                  "entries": sorted(e.reference for e in waiting)})
    return dossier
