"""Who may see and change an entry, as named predicates used by views and templates.

Editing, submitting, withdrawing, reopening and deleting all need the submission
window to be open: once the deadline has passed nothing an entrant sends changes
an entry.
"""

from __future__ import annotations

from datetime import datetime

from portal.models import Contest, Entry, EntryAuthor
from portal.permissions import _authenticated, is_organizer, is_staff


def window_open(contest: Contest, now: datetime) -> bool:
    """True iff the edition is open and opens <= now < closes."""
    return (
        contest.status == Contest.OPEN
        and contest.submission_opens <= now < contest.submission_closes
    )


def deadline_passed(contest: Contest, now: datetime) -> bool:
    return now >= contest.submission_closes


def is_owner(user, entry: Entry) -> bool:
    return _authenticated(user) and entry.owner_id == user.id


def is_linked_author(user, entry: Entry) -> bool:
    """A co-author the owner named (EntryAuthor.user_id, a confirmed address) and who
    accepted the invitation."""
    return _authenticated(user) and any(a.user_id == user.id and a.accepted_at is not None
                                        for a in entry.authors)


def can_manage_entry_files(user, entry: Entry) -> bool:
    """The owner, or a linked co-author the owner allowed to upload and delete files."""
    return is_owner(user, entry) or (
        _authenticated(user)
        and any(a.user_id == user.id and a.accepted_at is not None and a.can_manage_files
                for a in entry.authors)
    )


def can_answer_invitation(user, author: EntryAuthor) -> bool:
    """The invited account, with its address confirmed, while the invitation is open."""
    return (
        _authenticated(user)
        and user.email_confirmed_at is not None
        and author.user_id == user.id
        and author.email == user.email
        and author.invitation_pending
        and author.entry.status != Entry.DELETED
    )


def can_create_entry(user, contest: Contest, *, now: datetime) -> bool:
    """Any signed-in user who is not staff of the edition, while its window is open."""
    return _authenticated(user) and window_open(contest, now) and not is_staff(user, contest)


def can_view_entry(user, entry: Entry, *, now: datetime | None = None) -> bool:
    """The owner, a linked co-author, or an organizer of the entry's edition."""
    if not _authenticated(user) or entry.status == Entry.DELETED:
        return False
    return is_owner(user, entry) or is_linked_author(user, entry) or is_organizer(
        user, entry.contest
    )


def can_edit_entry(user, entry: Entry, *, now: datetime) -> bool:
    """The owner, on a draft, while the submission window is open."""
    return (
        is_owner(user, entry)
        and entry.status == Entry.DRAFT
        and window_open(entry.contest, now)
    )


def can_submit_entry(user, entry: Entry, *, now: datetime) -> bool:
    return can_edit_entry(user, entry, now=now)


def can_withdraw_entry(user, entry: Entry, *, now: datetime) -> bool:
    """The owner, on a submitted entry, before the deadline."""
    return (
        is_owner(user, entry)
        and entry.status == Entry.SUBMITTED
        and window_open(entry.contest, now)
    )


def can_reopen_entry(user, entry: Entry, *, now: datetime) -> bool:
    """The owner may turn a submitted or withdrawn entry back into a draft before the deadline."""
    return (
        is_owner(user, entry)
        and entry.status in (Entry.SUBMITTED, Entry.WITHDRAWN)
        and window_open(entry.contest, now)
    )


def can_delete_entry(user, entry: Entry, *, now: datetime) -> bool:
    """The owner may delete a draft before the deadline."""
    return can_edit_entry(user, entry, now=now)
