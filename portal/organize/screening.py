"""Automatic screening checks for a page of entries, in a constant number of queries.

The facts come from the entries area (`entry_facts`, `edition_rules`); the other
entries' authors (per-author cap) and the staff are loaded once for the whole page
instead of once per entry. Evaluated at the instant just before submissions closed,
so the window rule never fires on a submitted entry.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from judging.eligibility import Person, Problem, check_entry
from judging.text import names_in, normalize_name
from portal.entries.services import edition_rules, entry_facts, staff_people
from portal.extensions import db
from portal.models import Contest, Entry, EntryAuthor, EntryFile, Genre

ENTRY_OPTIONS = (
    so.selectinload(Entry.authors),
    so.selectinload(Entry.parts),
    so.selectinload(Entry.files).joinedload(EntryFile.slot),
    so.joinedload(Entry.genre).selectinload(Genre.slots),
)


def _person(author: EntryAuthor) -> Person:
    return Person(full_name=author.full_name, year_of_birth=author.year_of_birth,
                  user_id=author.user_id, workplace=author.workplace)


def check_entries(contest: Contest, entries: list[Entry]) -> dict[int, list[Problem]]:
    """Entry id -> screening problems (empty list: the automatic checks pass).

    Load `entries` with ENTRY_OPTIONS; this costs two more queries in all.
    """
    if not entries:
        return {}
    rules = edition_rules(contest)
    at = contest.submission_closes - timedelta(microseconds=1)
    by_entry: dict[int, list[Person]] = defaultdict(list)
    for author in db.session.scalars(
        sa.select(EntryAuthor).join(Entry, Entry.id == EntryAuthor.entry_id)
        .where(Entry.contest_id == contest.id, Entry.status == Entry.SUBMITTED)
        .order_by(EntryAuthor.entry_id, EntryAuthor.position)
    ):
        by_entry[author.entry_id].append(_person(author))
    # Only entries sharing a name or an account can count towards an author's cap.
    by_key: dict[tuple, set[int]] = defaultdict(set)
    for eid, people in by_entry.items():
        for p in people:
            by_key[("n", normalize_name(p.full_name))].add(eid)
            if p.user_id is not None:
                by_key[("u", p.user_id)].add(eid)
    staff = staff_people(contest)
    out: dict[int, list[Problem]] = {}
    for entry in entries:
        facts = entry_facts(entry)
        candidates: set[int] = set()
        for p in facts.authors:
            candidates |= by_key.get(("n", normalize_name(p.full_name)), set())
            if p.user_id is not None:
                candidates |= by_key.get(("u", p.user_id), set())
        candidates.discard(entry.id)
        out[entry.id] = check_entry(
            facts, rules, now=at,
            other_entries=[tuple(by_entry[c]) for c in sorted(candidates)], staff=staff,
        )
    return out


def identity_warnings(entries: list[Entry]) -> dict[int, list[str]]:
    """Entry id -> warnings about files whose name or caption contains an author's full
    name or pen name (diacritics, case and punctuation ignored), which a judge of a blind
    round would see. Uses what ENTRY_OPTIONS loads: no query."""
    out: dict[int, list[str]] = {}
    for entry in entries:
        names = [n for a in entry.authors for n in (a.full_name, a.pen_name) if n]
        warnings = []
        for f in entry.files:
            if f.status != EntryFile.VERIFIED:
                continue
            for name in names_in(f.original_filename or "", names):
                warnings.append(_("The file name “%(file)s” contains the author's name "
                                  "“%(name)s”: ask for a file with a neutral name.",
                                  file=f.original_filename, name=name))
            for name in names_in(f.caption or "", names):
                warnings.append(_("The caption of “%(file)s” contains the author's name "
                                  "“%(name)s”: ask for a caption without it.",
                                  file=f.original_filename, name=name))
        if warnings:
            out[entry.id] = warnings
    return out
