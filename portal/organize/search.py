"""Entry.search_text, kept current by a session-wide before_flush listener."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from judging.text import search_key
from portal.models import (
    Entry,
    EntryAuthor,
    EntryPart,
)


def refresh_search_text(entry: Entry) -> str:
    """Recompute `entry.search_text`: reference, title, authors' names and pen names, outlets.

    Diacritic-free and casefolded (judging.text.search_key), so "nguyen van" finds
    "Nguyễn Văn". Only assigns when the value changes, so a clean entry stays clean.
    """
    pieces = [entry.reference or "", entry.title or ""]
    for author in entry.authors:
        pieces += [author.full_name or "", author.pen_name or "", author.workplace or ""]
    for part in entry.parts:
        pieces += [part.outlet or ""]
    text = " | ".join(search_key(p) for p in pieces if p and p.strip())
    if entry.search_text != text:
        entry.search_text = text
    return text


def _before_flush(session, flush_context, instances) -> None:
    entries: dict[int, Entry] = {}
    for obj in list(session.new) + list(session.dirty):
        target = obj if isinstance(obj, Entry) else None
        if isinstance(obj, EntryAuthor | EntryPart):
            target = obj.entry
        if target is not None and target not in session.deleted:
            entries[id(target)] = target
    for entry in entries.values():
        refresh_search_text(entry)


def install_search_text_listener() -> None:
    """Keep Entry.search_text current on every flush, whoever edits the entry."""
    if not sa.event.contains(so.Session, "before_flush", _before_flush):
        sa.event.listen(so.Session, "before_flush", _before_flush)
