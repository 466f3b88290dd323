"""Conflict-of-interest detection between judges and the entries they might score."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from judging.eligibility import Person
from judging.i18n import N_
from judging.problems import Param
from judging.text import agency_keys_match, normalize_name, split_agency

__all__ = ["Conflict", "EntryPeople", "Judge", "conflict_pairs", "find_conflicts"]


@dataclass(frozen=True)
class Judge:
    """A judge as conflict detection sees them."""

    judge_id: int
    full_name: str
    year_of_birth: int | None
    workplace: str
    user_id: int | None = None


@dataclass(frozen=True)
class EntryPeople:
    """An entry's authors, the outlets that published its parts and the agency (from the
    edition's list) that sent it in its dossier, if any."""

    entry_id: int
    authors: tuple[Person, ...]
    outlets: tuple[str, ...]
    sending_agency: str = ""


@dataclass(frozen=True)
class Conflict:
    """One reason why ``judge_id`` should not score ``entry_id``."""

    judge_id: int
    entry_id: int
    code: str
    message: str
    params: dict[str, Param] = field(default_factory=dict)


_MSG_AUTHOR = N_("Judge %(judge)s is an author of entry %(entry)s.")
_MSG_NAME = N_("Judge %(judge)s has the same name and year of birth as %(author)s, an "
               "author of entry %(entry)s.")
_MSG_WORKPLACE = N_("Judge %(judge)s works at %(agency)s, like %(author)s, an author of "
                    "entry %(entry)s.")
_MSG_OUTLET = N_("Judge %(judge)s works at %(agency)s, which published entry %(entry)s.")
_MSG_SENT = N_("Judge %(judge)s works at %(agency)s, which sent entry %(entry)s.")
_MSG_DECLARED = N_("Judge %(judge)s declared a conflict with entry %(entry)s: %(reason)s")


def find_conflicts(
    judges: Sequence[Judge],
    entries: Sequence[EntryPeople],
    declared: Mapping[tuple[int, int], str] | None = None,
) -> dict[tuple[int, int], list[Conflict]]:
    """Return the conflicts of every conflicted ``(judge_id, entry_id)`` pair, and no others.

    Reasons (codes): the judge's user account is an author's (judge_is_author); same
    normalised name and known year of birth as an author (same_name_and_birth_year, only
    when the user ids did not already match); the judge's workplace is an author's
    (same_workplace, per author), an outlet of any part (published_by_workplace, per
    outlet) or the agency that sent the entry, unless it is also an outlet
    (sent_by_workplace), by ``same_agency``; a declared conflict keyed ``(judge_id, entry_id)`` with
    its reason text (declared).  Lists follow that order; the work is linear in the input.
    """
    by_user: dict[int, list[tuple[int, int, Person]]] = defaultdict(list)
    by_name: dict[tuple[str, int], list[tuple[int, int, Person]]] = defaultdict(list)
    # agency core -> (entry, key, name as written, the author, or None for an outlet, or
    # the string "sent" for the sending agency)
    by_agency: dict[str, list[tuple[int, tuple[str, str], str, Person | str | None]]] = (
        defaultdict(list)
    )
    for e in entries:
        for idx, a in enumerate(e.authors):
            if a.user_id is not None:
                by_user[a.user_id].append((e.entry_id, idx, a))
            name = normalize_name(a.full_name)
            if name and a.year_of_birth is not None:
                by_name[(name, a.year_of_birth)].append((e.entry_id, idx, a))
            key = split_agency(a.workplace)
            if key[1]:
                by_agency[key[1]].append((e.entry_id, key, a.workplace, a))
        seen_outlets: set[tuple[str, str]] = set()
        for outlet in e.outlets:
            key = split_agency(outlet)
            if key[1] and key not in seen_outlets:
                seen_outlets.add(key)
                by_agency[key[1]].append((e.entry_id, key, outlet, None))
        key = split_agency(e.sending_agency)
        if key[1] and key not in seen_outlets:
            by_agency[key[1]].append((e.entry_id, key, e.sending_agency, "sent"))

    out: dict[tuple[int, int], list[Conflict]] = defaultdict(list)

    def add(j: Judge, entry_id: int, code: str, msg: str, **extra: Param) -> None:
        params: dict[str, Param] = {"judge": j.full_name, "entry": entry_id, **extra}
        out[(j.judge_id, entry_id)].append(Conflict(j.judge_id, entry_id, code, msg, params))

    for j in judges:
        matched_by_user: set[tuple[int, int]] = set()
        if j.user_id is not None:
            for entry_id, idx, a in by_user.get(j.user_id, ()):
                matched_by_user.add((entry_id, idx))
                add(j, entry_id, "judge_is_author", _MSG_AUTHOR, author=a.full_name)
        name = normalize_name(j.full_name)
        if name and j.year_of_birth is not None:
            for entry_id, idx, a in by_name.get((name, j.year_of_birth), ()):
                if (entry_id, idx) not in matched_by_user:
                    add(j, entry_id, "same_name_and_birth_year", _MSG_NAME,
                        author=a.full_name)
        jkey = split_agency(j.workplace)
        for entry_id, key, agency, a in by_agency.get(jkey[1], ()):
            if not agency_keys_match(jkey, key):
                continue
            if a is None:
                add(j, entry_id, "published_by_workplace", _MSG_OUTLET, agency=agency)
            elif a == "sent":
                add(j, entry_id, "sent_by_workplace", _MSG_SENT, agency=agency)
            else:
                add(j, entry_id, "same_workplace", _MSG_WORKPLACE, agency=agency,
                    author=a.full_name)
    judge_by_id = {j.judge_id: j for j in judges}
    entry_ids = {e.entry_id for e in entries}
    for (judge_id, entry_id), reason in sorted((declared or {}).items()):
        j = judge_by_id.get(judge_id)
        if j is not None and entry_id in entry_ids:
            add(j, entry_id, "declared", _MSG_DECLARED, reason=reason)
    return dict(out)


def conflict_pairs(
    judges: Sequence[Judge],
    entries: Sequence[EntryPeople],
    declared: Mapping[tuple[int, int], str] | None = None,
) -> set[tuple[int, int]]:
    """Return the set of conflicted ``(judge_id, entry_id)`` pairs (keys of find_conflicts)."""
    return set(find_conflicts(judges, entries, declared))
