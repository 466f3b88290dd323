"""Who may upload to an entry, and download or delete its files: named predicates."""

from __future__ import annotations

from datetime import datetime

from portal.entries.permissions import (
    can_manage_entry_files,
    is_linked_author,
    is_owner,
    window_open,
)
from portal.models import Entry, EntryFile
from portal.permissions import _authenticated, is_organizer, sitting_assignments


def is_author(user, entry: Entry) -> bool:
    """The owner or a co-author whose account is linked to the entry."""
    return is_owner(user, entry) or is_linked_author(user, entry)


def can_upload_to_entry(user, entry: Entry, *, now: datetime) -> bool:
    """The owner, or a linked co-author the owner allowed to manage files, while the entry
    is a draft and the submission window is open."""
    return (
        can_manage_entry_files(user, entry)
        and entry.status == Entry.DRAFT
        and window_open(entry.contest, now)
    )


def can_delete_file(user, file: EntryFile, *, now: datetime) -> bool:
    """Whoever may upload to the entry may remove a file of a draft while the window is
    open."""
    return can_upload_to_entry(user, file.entry, now=now)


def can_download_file(user, file: EntryFile, *, now: datetime | None = None) -> bool:
    """A verified file, to its entry's authors, the edition's organizers, and judges who
    sit on the entry (portal.permissions.is_sitting_judge: active assignment, round past
    draft, judge role still held) when its slot is visible to judges. Everyone else, and
    every unverified file, gets nothing."""
    if not _authenticated(user) or file.status != EntryFile.VERIFIED:
        return False
    entry = file.entry
    if is_organizer(user, entry.contest):
        return True
    if entry.status != Entry.DELETED and is_author(user, entry):
        return True
    return file.slot.visible_to_judges and bool(sitting_assignments(user, entry))


def sees_original_filename(user, file: EntryFile) -> bool:
    """Judges get a neutral name: the uploaded filename may carry an author's name."""
    entry = file.entry
    return is_author(user, entry) or is_organizer(user, entry.contest)


def streams_proxy(user, file: EntryFile) -> bool:
    """A judge (neither author nor organizer) gets a video or audio file's web-playable
    proxy when one has been made (portal.files.media); authors and organizers always get
    the original."""
    return not sees_original_filename(user, file)


def gets_blind_copy(user, file: EntryFile) -> bool:
    """A judge (neither author nor organizer) sitting on the entry in a blind round gets
    the copy without metadata (portal.files.blind); everyone else gets the original."""
    if sees_original_filename(user, file):
        return False
    return any(a.round.blind for a in sitting_assignments(user, file.entry))
