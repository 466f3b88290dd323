"""Entry operations: create and edit drafts, screen and submit, withdraw, reopen, delete.

Services take models and plain values, flush but never commit, record an audit event
for every state change in the same transaction, and raise `portal.errors` exceptions.

`entry_facts(entry)` and `edition_rules(contest)` turn models into the inputs of
`judging.eligibility.check_entry`; the secretariat's screening report reuses them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale, gettext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError

from judging.eligibility import (
    DateWindow,
    EditionRules,
    EntryFacts,
    Part,
    Person,
    Problem,
    SlotRequirement,
    SubmissionWindow,
    check_entry,
)
from judging.i18n import N_
from judging.problems import fmt_datetime
from judging.refcode import format_reference
from judging.reminders import DRAFT_STEP, draft_reminder_step
from judging.text import search_key
from portal import jobs
from portal.audit import record
from portal.entries.permissions import window_open
from portal.errors import DomainError, NotAllowed, NotEligible, StaleEdit, SubmissionClosed
from portal.extensions import db
from portal.files.services import abort_open_uploads
from portal.i18n import format_dt, localized
from portal.links import public_url
from portal.models import (
    Agency,
    Contest,
    Entry,
    EntryAuthor,
    EntryFile,
    EntryPart,
    Genre,
    Membership,
    OutboxMail,
    ReferenceCounter,
    User,
    normalize_email,
)
from portal.outbox import send_mail
from portal.permissions import is_staff
from portal.storage import Storage

# --- plain input values ------------------------------------------------------------------

@dataclass
class PartData:
    title: str = ""
    published_on: date | None = None
    outlet: str = ""
    section: str = ""
    url: str = ""


@dataclass
class AuthorData:
    full_name: str = ""
    pen_name: str = ""
    year_of_birth: int | None = None
    workplace: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    role: str = EntryAuthor.CO
    # The owner lets this co-author upload and delete the entry's files.
    can_manage_files: bool = False


@dataclass
class EntryData:
    """What the entry form carries, already structurally valid."""

    genre_id: int
    title: str
    form: str = Entry.SINGLE
    parts_count: int = 1
    summary: str = ""
    language: str = "Tiếng Việt"
    parts: list[PartData] = field(default_factory=list)
    authors: list[AuthorData] = field(default_factory=list)
    prior_prize: bool = False
    prior_prize_name: str = ""
    prior_prize_level: str = ""
    prior_prize_giver: str = ""
    not_national_award: bool = False
    accepted_rules: bool = False
    # The sending agency, from the edition's list (None: the entrant sends it alone).
    agency_id: int | None = None


_ENTRY_FIELDS = ("title", "form", "parts_count", "summary", "language", "prior_prize",
                 "prior_prize_name", "prior_prize_level", "prior_prize_giver",
                 "not_national_award", "accepted_rules")


# --- messages ------------------------------------------------------------------------------

def closed_message(contest: Contest) -> str:
    """'The submission deadline passed at HH:MM dd/mm/yyyy…' in the edition's time zone."""
    return gettext(
        "The submission deadline passed at %(closes)s. Entries can no longer be changed; "
        "nothing was changed.",
        closes=fmt_datetime(contest.submission_closes, contest.timezone),
    )


def _check_window(contest: Contest, now: datetime) -> None:
    if now >= contest.submission_closes:
        raise SubmissionClosed(closed_message(contest))
    if not window_open(contest, now):
        raise SubmissionClosed(gettext("Submissions are not open for this edition."))


def _stale() -> StaleEdit:
    return StaleEdit(gettext(
        "This entry was changed in another window (or by another person) after you "
        "opened it. Nothing was saved: your version is still in the form below. Check it "
        "and save again to keep it."
    ))


def _check_version(entry: Entry, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != entry.version:
        raise _stale()


def _flush() -> None:
    """Flush; a simultaneous request that changed the entry first (its version column no
    longer matches) raises StaleEdit, with nothing written, instead of a server error."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise _stale() from exc


# --- snapshots for the audit trail ---------------------------------------------------------

def snapshot(entry: Entry) -> dict:
    """The entry as plain data, for an audit event's before/after."""
    data = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
    data.update(
        status=entry.status,
        genre=entry.genre.code if entry.genre else None,
        reference=entry.reference,
        parts=[
            {"number": p.number, "title": p.title, "published_on": p.published_on,
             "outlet": p.outlet, "section": p.section, "url": p.url}
            for p in entry.parts
        ],
        authors=[
            {"position": a.position, "full_name": a.full_name, "pen_name": a.pen_name,
             "year_of_birth": a.year_of_birth, "workplace": a.workplace, "title": a.title,
             "phone": a.phone, "email": a.email, "role": a.role, "user_id": a.user_id,
             "accepted": a.accepted_at is not None, "can_manage_files": a.can_manage_files}
            for a in entry.authors
        ],
    )
    return data


# --- drafts --------------------------------------------------------------------------------

def _genre_of(contest: Contest, genre_id: int) -> Genre:
    genre = next((g for g in contest.genres if g.id == genre_id), None)
    if genre is None:
        raise DomainError(gettext("Choose one of this edition's genres."))
    return genre


def _set_agency(entry: Entry, agency_id: int | None) -> None:
    """The sending agency must be on the edition's list and its route open; a changed
    entry loses its agency's confirmation (the agency confirmed what it saw)."""
    if agency_id is not None:
        agency = db.session.get(Agency, agency_id)
        if agency is None or agency.contest_id != entry.contest.id:
            raise DomainError(gettext("Choose a sending agency from the edition's list."))
        if not entry.contest.agency_route_open:
            raise DomainError(gettext("This edition does not accept agencies' dossiers."))
    entry.agency_id = agency_id
    entry.agency_confirmed_at = entry.agency_confirmed_by_id = None


def _apply(entry: Entry, data: EntryData, now: datetime) -> None:
    """Copy the form's values onto the entry, editing parts and authors in place."""
    _set_agency(entry, data.agency_id)
    for name in _ENTRY_FIELDS:
        setattr(entry, name, getattr(data, name))
    if not data.prior_prize:
        entry.prior_prize_name = entry.prior_prize_level = entry.prior_prize_giver = ""
    for i, pd in enumerate(data.parts):
        if i < len(entry.parts):
            part = entry.parts[i]
        else:
            part = EntryPart(number=i + 1)
            entry.parts.append(part)
        part.number = i + 1
        for name, value in asdict(pd).items():
            setattr(part, name, value)
    del entry.parts[len(data.parts):]
    # An invitation and its answer belong to the address, wherever its row moves.
    answers = {a.email: (a.user_id, a.accepted_at, a.declined_at)
               for a in entry.authors if a.email and a.user_id is not None}
    for i, ad in enumerate(data.authors):
        if i < len(entry.authors):
            author = entry.authors[i]
        else:
            author = EntryAuthor(position=i)
            entry.authors.append(author)
        author.position = i
        for name, value in asdict(ad).items():
            setattr(author, name, value)
        author.email = normalize_email(author.email)
        author.user_id, author.accepted_at, author.declined_at = answers.get(
            author.email, (None, None, None))
    del entry.authors[len(data.authors):]
    _link_authors(entry, now)
    entry.search_text = search_key(
        " ".join([entry.title] + [f"{a.full_name} {a.pen_name}" for a in entry.authors])
    )


def _link_authors(entry: Entry, now: datetime) -> None:
    """Invite every author whose email belongs to a CONFIRMED account (one query).

    Naming an address only invites its account: the co-author is linked to the entry
    (sees it; with the owner's leave, changes its files) once they accept. The owner's
    own row needs no acceptance. An answer already given for the address is kept.
    """
    emails = {a.email for a in entry.authors if a.email}
    users = {}
    if emails:
        users = {
            email: uid
            for uid, email in db.session.execute(
                sa.select(User.id, User.email).where(User.email.in_(emails),
                                                     User.email_confirmed_at.is_not(None))
            )
        }
    owner_id = entry.owner_id if entry.owner_id is not None else entry.owner.id
    for author in entry.authors:
        uid = users.get(author.email)
        if uid != author.user_id:
            author.user_id, author.accepted_at, author.declined_at = uid, None, None
        if uid is not None and uid == owner_id and author.accepted_at is None:
            author.accepted_at, author.declined_at = now, None


def create_entry(*, contest: Contest, owner: User, data: EntryData, now: datetime) -> Entry:
    """Create a draft in an open edition for owner.

    Raises SubmissionClosed outside the window and NotAllowed for the edition's judges
    and organizers (they may not enter).
    """
    if is_staff(owner, contest):
        raise NotAllowed(gettext(
            "You are a judge or organizer of this edition, so you may not enter it. "
            "Nothing was created."
        ))
    _check_window(contest, now)
    entry = Entry(contest=contest, genre=_genre_of(contest, data.genre_id), owner=owner,
                  status=Entry.DRAFT, created_at=now, updated_at=now)
    db.session.add(entry)
    _apply(entry, data, now)
    db.session.flush()
    record("entry.create", actor=owner, entry=entry, obj=entry, after=snapshot(entry))
    return entry


def update_entry(entry: Entry, *, actor: User, data: EntryData, expected_version: int | None,
                 now: datetime) -> Entry:
    """Save the draft's new values.

    Raises SubmissionClosed after the deadline, StaleEdit when expected_version is not
    the entry's current version, and DomainError when the entry is not a draft.
    """
    _check_window(entry.contest, now)
    if entry.status != Entry.DRAFT:
        raise DomainError(gettext("Only a draft can be edited. Reopen the entry first."))
    _check_version(entry, expected_version)
    before = snapshot(entry)
    entry.genre = _genre_of(entry.contest, data.genre_id)
    _apply(entry, data, now)
    entry.updated_at = now
    _flush()
    record("entry.update", actor=actor, entry=entry, obj=entry, before=before,
           after=snapshot(entry))
    return entry


def delete_entry(entry: Entry, *, actor: User, expected_version: int | None,
                 now: datetime) -> None:
    """Delete a draft (it is hidden and kept, because audit events refer to it)."""
    _check_window(entry.contest, now)
    if entry.status != Entry.DRAFT:
        raise DomainError(gettext("Only a draft can be deleted. Withdraw a submitted entry."))
    _check_version(entry, expected_version)
    _change_status(entry, Entry.DELETED, action="entry.delete", actor=actor, now=now)


def _change_status(entry: Entry, status: str, *, action: str, actor: User,
                   now: datetime) -> None:
    before = {"status": entry.status, "reference": entry.reference}
    entry.status = status
    entry.updated_at = now
    _flush()
    record(action, actor=actor, entry=entry, obj=entry, before=before,
           after={"status": entry.status, "reference": entry.reference})


# --- screening facts -----------------------------------------------------------------------

def edition_rules(contest: Contest) -> EditionRules:
    """The edition's screening settings as `judging.eligibility.EditionRules`."""
    return EditionRules(
        publication_window=DateWindow(contest.publication_start, contest.publication_end),
        submission_window=SubmissionWindow(contest.submission_opens, contest.submission_closes),
        max_parts=contest.max_parts,
        max_authors=contest.max_authors,
        per_author_cap=contest.per_author_cap,
        tz=contest.timezone,
    )


def _person(author) -> Person:
    return Person(full_name=author.full_name, year_of_birth=author.year_of_birth,
                  user_id=author.user_id, workplace=author.workplace)


def entry_facts(entry: Entry) -> EntryFacts:
    """The entry as `judging.eligibility.EntryFacts`.

    Files count only when verified, per slot kind. A required per-part slot needs at
    least one file per declared part. Load `Entry.files` and `Genre.slots` eagerly when
    building facts for many entries.
    """
    verified: dict[str, int] = defaultdict(int)
    for f in entry.files:
        if f.status == EntryFile.VERIFIED:
            verified[f.slot.kind] += 1
    slots = tuple(
        SlotRequirement(
            kind=s.kind,
            label=localized(s, "label"),
            required=s.required,
            min_count=max(s.min_count, entry.parts_count) if s.per_part and s.required
            else s.min_count,
            max_count=s.max_count,
        )
        for s in entry.genre.slots
    )
    return EntryFacts(
        entry_id=entry.id,
        genre_code=entry.genre.code,
        requires_url=entry.genre.requires_url,
        declared_parts=entry.parts_count,
        parts=tuple(Part(number=p.number, title=p.title, published_on=p.published_on,
                         outlet=p.outlet, url=p.url or None) for p in entry.parts),
        authors=tuple(_person(a) for a in entry.authors),
        verified_files=dict(verified),
        slots=slots,
        won_national_press_award=not entry.not_national_award,
        accepted_rules=entry.accepted_rules,
        agency_confirmed=entry.agency_confirmed_at is not None,
    )


def other_entry_authors(entry: Entry) -> list[tuple[Person, ...]]:
    """Authors of the edition's OTHER submitted entries, one tuple per entry (one query)."""
    rows = db.session.scalars(
        sa.select(EntryAuthor)
        .join(Entry, Entry.id == EntryAuthor.entry_id)
        .where(Entry.contest_id == entry.contest_id, Entry.status == Entry.SUBMITTED,
               Entry.id != entry.id)
        .order_by(EntryAuthor.entry_id, EntryAuthor.position)
    )
    grouped: dict[int, list[Person]] = defaultdict(list)
    for author in rows:
        grouped[author.entry_id].append(_person(author))
    return [tuple(people) for people in grouped.values()]


def staff_people(contest: Contest) -> list[Person]:
    """The edition's judges and organizers as `Person`s (one query)."""
    users = db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.contest_id == contest.id).distinct()
    )
    return [Person(full_name=u.full_name, year_of_birth=u.year_of_birth, user_id=u.id,
                   workplace=u.workplace) for u in users]


def screening_problems(entry: Entry, *, now: datetime) -> list[Problem]:
    """Every screening failure of the entry, in check_entry's order (empty = may submit)."""
    problems = check_entry(entry_facts(entry), edition_rules(entry.contest), now=now,
                           other_entries=other_entry_authors(entry),
                           staff=staff_people(entry.contest))
    if not entry.not_national_award:
        # An unticked confirmation means "not confirmed", not "won the award": say so.
        problems = [
            Problem("national_award_not_confirmed",
                    N_("Confirm that the work did not win the National Press Award."),
                    {}, "not_national_award")
            if p.code == "national_press_award" else p
            for p in problems
        ]
    problems += [
        Problem("file_checking",
                N_("The file “%(name)s” is still being checked. Wait until the check has "
                   "finished (reload the page), then submit."),
                {"name": f.original_filename}, "files")
        for f in entry.files if f.status == EntryFile.CHECKING
    ]
    return problems


# --- submission ----------------------------------------------------------------------------

def _take_sequence(contest: Contest, genre: Genre) -> int:
    """The next number for (edition, genre), under a row lock that concurrent submits share.

    The counter row is created on first use with an INSERT that tolerates a concurrent
    insert (ON CONFLICT DO NOTHING), then read with SELECT … FOR UPDATE.
    """
    start = 1 + (db.session.scalar(
        sa.select(sa.func.max(Entry.seq)).where(Entry.contest_id == contest.id,
                                                Entry.genre_id == genre.id)
    ) or 0)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ReferenceCounter)
        .values(contest_id=contest.id, genre_id=genre.id, next_seq=start)
        .on_conflict_do_nothing(index_elements=["contest_id", "genre_id"])
    )
    counter = db.session.scalars(
        sa.select(ReferenceCounter)
        .where(ReferenceCounter.contest_id == contest.id, ReferenceCounter.genre_id == genre.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    seq = counter.next_seq
    counter.next_seq = seq + 1
    db.session.flush()
    return seq


class AlreadySubmitted(DomainError):
    """The entry was submitted meanwhile (by a simultaneous request); nothing changed."""

    status = 409


def submit_entry(entry: Entry, *, actor: User, expected_version: int | None,
                 now: datetime, storage: Storage, in_dossier: bool = False) -> Entry:
    """Submit a draft: screen it, cancel its unfinished uploads (so no upload URL signed
    for the draft outlives it), give it a reference code (once, kept for good), audit.

    Raises SubmissionClosed after the deadline, StaleEdit on a stale version,
    NotEligible with every screening problem in `problems`, AlreadySubmitted when a
    simultaneous request submitted it first, DomainError when the entry is not a draft,
    NotAllowed when the edition takes entries only in agencies' dossiers and this is not
    one (``in_dossier``, set by portal.agencies.services.submit_dossier).
    """
    _check_window(entry.contest, now)
    if not in_dossier and not entry.contest.individual_route_open:
        raise NotAllowed(gettext(
            "This edition accepts works only in an agency's dossier. Choose your agency on "
            "the entry form; its focal point confirms the work and sends the dossier."))
    # Lock the row and re-read it: of simultaneous submits (a double click, two tabs) the
    # first wins and the others, waiting here, see it submitted instead of failing later
    # on the version column with a server error.
    db.session.refresh(entry, with_for_update=True)
    if entry.status == Entry.SUBMITTED:
        raise AlreadySubmitted(gettext("This entry has already been submitted; here is its "
                                       "receipt."))
    if entry.status != Entry.DRAFT:
        raise DomainError(gettext("Only a draft can be submitted."))
    _check_version(entry, expected_version)
    problems = screening_problems(entry, now=now)
    if problems:
        raise NotEligible(
            gettext("The entry cannot be submitted yet. Fix every point below, then submit "
                    "again."),
            problems=problems,
        )
    abort_open_uploads(entry, storage=storage)
    before = {"status": entry.status, "reference": entry.reference}
    if entry.reference is None:
        entry.seq = _take_sequence(entry.contest, entry.genre)
        entry.reference = format_reference(entry.contest.ref_prefix, entry.genre.code,
                                           entry.seq)
    entry.status = Entry.SUBMITTED
    entry.submitted_at = now
    entry.updated_at = now
    db.session.flush()
    record("entry.submit", actor=actor, entry=entry, obj=entry, before=before,
           after={"status": entry.status, "reference": entry.reference,
                  "submitted_at": now})
    return entry


def withdraw_entry(entry: Entry, *, actor: User, expected_version: int | None,
                   now: datetime) -> Entry:
    """Withdraw a submitted entry before the deadline; its reference is kept."""
    _check_window(entry.contest, now)
    if entry.status != Entry.SUBMITTED:
        raise DomainError(gettext("Only a submitted entry can be withdrawn."))
    _check_version(entry, expected_version)
    _change_status(entry, Entry.WITHDRAWN, action="entry.withdraw", actor=actor, now=now)
    return entry


def reopen_entry(entry: Entry, *, actor: User, expected_version: int | None,
                 now: datetime) -> Entry:
    """Turn a submitted or withdrawn entry back into a draft before the deadline; an entry
    its agency sent in a dossier stays as sent (its receipt lists its files)."""
    _check_window(entry.contest, now)
    if entry.status not in (Entry.SUBMITTED, Entry.WITHDRAWN):
        raise DomainError(gettext("Only a submitted or withdrawn entry can be reopened."))
    if entry.dossier_id is not None:
        raise DomainError(gettext("This entry was sent in its agency's dossier, so it cannot "
                                  "be reopened. Ask the agency's focal point or the "
                                  "secretariat."))
    _check_version(entry, expected_version)
    _change_status(entry, Entry.DRAFT, action="entry.reopen", actor=actor, now=now)
    return entry


# --- dashboard -----------------------------------------------------------------------------

def user_entries(user: User) -> list[Entry]:
    """The user's entries: owned, or where they accepted to be a co-author (constant
    queries)."""
    coauthored = sa.select(EntryAuthor.entry_id).where(EntryAuthor.user_id == user.id,
                                                       EntryAuthor.accepted_at.is_not(None))
    return list(db.session.scalars(
        sa.select(Entry)
        .where(sa.or_(Entry.owner_id == user.id, Entry.id.in_(coauthored)),
               Entry.status != Entry.DELETED)
        .options(so.selectinload(Entry.contest), so.selectinload(Entry.genre))
        .order_by(Entry.created_at.desc(), Entry.id.desc())
    ))


def open_contests(now: datetime) -> list[Contest]:
    """Editions accepting entries now."""
    return list(db.session.scalars(
        sa.select(Contest)
        .where(Contest.status == Contest.OPEN, Contest.submission_opens <= now,
               Contest.submission_closes > now)
        .order_by(Contest.submission_closes)
    ))


def time_left(contest: Contest, now: datetime) -> str:
    """'còn 3 ngày 4 giờ' until the deadline, or 'Đã hết hạn nộp' after it."""
    left = contest.submission_closes - now
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return gettext("Submission closed")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("Closes in %(days)s days %(hours)s hours", days=days, hours=hours)
    return gettext("Closes in %(hours)s hours %(minutes)s minutes", hours=hours, minutes=minutes)


# --- co-author invitations -----------------------------------------------------------------

def pending_invitations(user: User) -> list[EntryAuthor]:
    """Entries whose owner named the user's confirmed address as a co-author, unanswered."""
    if user.email_confirmed_at is None:
        return []
    return list(db.session.scalars(
        sa.select(EntryAuthor).join(Entry, Entry.id == EntryAuthor.entry_id)
        .where(EntryAuthor.user_id == user.id, EntryAuthor.email == user.email,
               EntryAuthor.accepted_at.is_(None), EntryAuthor.declined_at.is_(None),
               Entry.owner_id != user.id, Entry.status != Entry.DELETED)
        .options(so.selectinload(EntryAuthor.entry).selectinload(Entry.owner),
                 so.selectinload(EntryAuthor.entry).selectinload(Entry.contest))
        .order_by(EntryAuthor.id)
    ))


def answer_invitation(author: EntryAuthor, *, user: User, accept: bool,
                      now: datetime) -> EntryAuthor:
    """Accept (link the user to the entry) or decline a co-author invitation.

    Raises NotAllowed when the invitation is not the user's, their address is not
    confirmed, or it was already answered.
    """
    if (author.user_id != user.id or user.email_confirmed_at is None
            or author.email != user.email or not author.invitation_pending):
        raise NotAllowed(gettext("This invitation is not open for you; nothing was changed."))
    if accept:
        author.accepted_at = now
    else:
        author.declined_at = now
    _flush()
    record("entry.coauthor_accepted" if accept else "entry.coauthor_declined", actor=user,
           entry=author.entry, obj=author, after={"user_id": user.id, "position": author.position})
    return author


def take_reference(contest: Contest, genre: Genre) -> tuple[int, str]:
    """The next (sequence number, reference code) of ``genre`` in ``contest``, taken under
    the same row lock as a submit: for entries that arrive already submitted (imported)."""
    seq = _take_sequence(contest, genre)
    return seq, format_reference(contest.ref_prefix, genre.code, seq)


@jobs.periodic("entries.draft_reminders")
def remind_drafts(*, now: datetime) -> int:
    """At each tick: in every open edition whose submissions close within 48 hours, queue
    one mail to each owner of a draft (how many drafts, the deadline, a link); at most
    once per person and edition (the outbox's unique dedupe_key)."""
    step, before = DRAFT_STEP
    contests = db.session.scalars(sa.select(Contest).where(
        Contest.status == Contest.OPEN, Contest.submission_closes > now,
        Contest.submission_closes <= now + before)).all()
    n = 0
    for contest in contests:
        if draft_reminder_step(contest.submission_closes, now) is None:
            continue
        drafts = db.session.execute(
            sa.select(User, sa.func.count(Entry.id)).join(Entry, Entry.owner_id == User.id)
            .where(Entry.contest_id == contest.id, Entry.status == Entry.DRAFT)
            .group_by(User.id).order_by(User.id)).all()
        keys = {user.id: f"draft_reminder:{contest.id}:{user.id}:{step}" for user, _n in drafts}
        done = set(db.session.scalars(sa.select(OutboxMail.dedupe_key).where(
            OutboxMail.dedupe_key.in_(list(keys.values())))))
        for user, count in drafts:
            if keys[user.id] in done:
                continue
            with force_locale(user.locale or "vi"):
                subject = gettext("Your entry for %(contest)s is not submitted yet",
                                  contest=contest.name)
                body = gettext(
                    "Dear %(name)s,\n\nYou have %(n)s draft entries in %(contest)s that are "
                    "not submitted yet. Submissions close at %(deadline)s (%(tz)s); a draft "
                    "that is not submitted by then does not take part.\n\nSubmit it here: "
                    "%(link)s\n\nThe award secretariat", name=user.full_name, n=count,
                    contest=contest.name, tz=contest.timezone,
                    deadline=format_dt(contest.submission_closes, contest.timezone),
                    link=public_url("entries.dashboard"))
            send_mail(user.email, subject, body, kind="draft_reminder", contest_id=contest.id,
                      user_id=user.id, dedupe_key=keys[user.id], now=now)
            n += 1
    return n
