"""Screening rulings: the screening list, ruling entries eligible or not, and the mail."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Contest,
    Entry,
    User,
)
from portal.organize.listing import PAGE_SIZE, in_registry_order
from portal.organize.screening import ENTRY_OPTIONS
from portal.outbox import send_mail

RULINGS = (Entry.ELIGIBLE, Entry.INELIGIBLE)


def screening_open(contest: Contest, now: datetime) -> bool:
    """Entries may be ruled once the submission window has closed."""
    return now >= contest.submission_closes


def screening_select(contest: Contest, eligibility: str = "") -> sa.Select:
    stmt = sa.select(Entry).where(Entry.contest_id == contest.id,
                                  Entry.status == Entry.SUBMITTED)
    if eligibility:
        stmt = stmt.where(Entry.eligibility == eligibility)
    return stmt


def screening_page(contest: Contest, eligibility: str, page: int) -> tuple[list[Entry], int]:
    stmt = screening_select(contest, eligibility)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        in_registry_order(stmt).options(*ENTRY_OPTIONS)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).unique().all()
    return list(rows), total


def rule_entries(*, entries, ruling: str, reason: str, actor: User, now: datetime) -> list[Entry]:
    """Rule submitted entries eligible or ineligible, auditing each change before/after.

    A reason is required for "ineligible" and for changing an earlier ruling. Returns the
    entries whose ruling or reason changed (the ones to notify). Raises DomainError before
    submissions close, for a draft or withdrawn entry, a missing reason, or no entry.
    """
    entries = list(entries)
    reason = (reason or "").strip()
    if not entries:
        raise DomainError(_("Select at least one entry."))
    if ruling not in RULINGS:
        raise DomainError(_("Choose eligible or ineligible."))
    contests = {e.contest_id for e in entries}
    if len(contests) != 1:
        raise DomainError(_("The entries belong to different editions."))
    contest = entries[0].contest
    if not screening_open(contest, now):
        raise DomainError(_("Screening starts when submissions close (%(time)s).",
                            time=contest.submission_closes.astimezone(ZoneInfo(contest.timezone))
                            .strftime("%H:%M %d/%m/%Y")))
    not_submitted = [e for e in entries if e.status != Entry.SUBMITTED]
    if not_submitted:
        raise DomainError(_("Only submitted entries can be screened; %(titles)s is a draft or "
                            "was withdrawn.",
                            titles=", ".join(f"“{e.title}”" for e in not_submitted)))
    if ruling == Entry.INELIGIBLE and not reason:
        raise DomainError(_("Give the reason why the entry is ineligible; the entrant will "
                            "read it."))
    changing = [e for e in entries if e.eligibility not in (Entry.PENDING, ruling)]
    if changing and not reason:
        raise DomainError(_("Give the reason for changing the earlier ruling of %(refs)s.",
                            refs=", ".join(e.reference or e.title for e in changing)))
    changed = []
    for entry in entries:
        if entry.eligibility == ruling and entry.eligibility_reason == reason:
            continue
        before = {"eligibility": entry.eligibility, "reason": entry.eligibility_reason}
        entry.eligibility = ruling
        entry.eligibility_reason = reason
        entry.ruled_at = now
        entry.ruled_by_id = actor.id
        audit.record("entry.ruled", actor=actor, entry=entry, obj=entry, before=before,
                     after={"eligibility": ruling, "reason": reason})
        changed.append(entry)
    db.session.flush()
    return changed


def ruling_mail(entry: Entry) -> tuple[str, str, str]:
    """(recipient, subject, body) telling the entrant the ruling, in their language."""
    owner = entry.owner
    with force_locale(owner.locale or "vi"):
        verdict = (_("eligible") if entry.eligibility == Entry.ELIGIBLE else _("ineligible"))
        subject = _("Screening result for your entry %(ref)s", ref=entry.reference or "")
        body = _("Dear %(name)s,\n\nThe secretariat of %(contest)s has screened your entry "
                 "“%(title)s” (%(ref)s): it is %(verdict)s.", name=owner.full_name,
                 contest=entry.contest.name, title=entry.title, ref=entry.reference or "",
                 verdict=verdict)
        if entry.eligibility_reason:
            body += "\n" + _("Reason: %(reason)s", reason=entry.eligibility_reason)
        body += "\n\n" + _("You can see the ruling on your dashboard in the portal.")
    return owner.email, str(subject), str(body)


def notify_rulings(entries) -> int:
    """Queue a mail to each entrant with their entry's ruling, in the outbox of the current
    transaction (sent by a job once it commits). Returns how many were queued."""
    for entry in entries:
        to, subject, body = ruling_mail(entry)
        send_mail(to, subject, body, kind="ruling", contest_id=entry.contest_id,
                  user_id=entry.owner_id)
    return len(entries)
