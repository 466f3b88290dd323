"""Prize categories beside the levels: their proposals from the ranking (judging.prizes) and
the council's decisions, each audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from judging.prizes import (
    BEST_WORKS,
    OLDEST,
    UNITS,
    YOUNGEST,
    AuthorBirth,
    UnitWork,
    propose_best_works,
    propose_by_age,
    propose_units,
    published_name,
)
from judging.ranking import Ranked
from judging.text import normalize_name
from portal import audit
from portal.extensions import db
from portal.models import CategoryAward, Contest, Entry, PrizeCategory, User
from portal.results.services import RANK_DIGITS, ResultsError, Review


@dataclass(frozen=True)
class Candidate:
    """A proposed recipient: its name as published, and the work it is credited with."""

    name: str
    entry_id: int | None
    detail: str = ""


@dataclass
class CategoryView:
    category: PrizeCategory
    proposal: list[Candidate] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)


def categories_of(contest: Contest) -> list[PrizeCategory]:
    return list(db.session.scalars(
        sa.select(PrizeCategory).where(PrizeCategory.contest_id == contest.id)
        .order_by(PrizeCategory.position, PrizeCategory.id)
        .options(so.selectinload(PrizeCategory.awards).joinedload(CategoryAward.entry))
    ))


def unit_of(entry: Entry) -> str:
    """The unit a work is credited to: its lead author's agency, else its first outlet."""
    for author in entry.authors:
        if author.workplace.strip():
            return author.workplace.strip()
    return next((p.outlet.strip() for p in entry.parts if p.outlet.strip()), "")


def _final_entries(review: Review) -> dict[int, Entry]:
    ids = list(review.results.rows) if review.results else []
    return {e.id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.id.in_(ids))
        .options(so.selectinload(Entry.authors), so.selectinload(Entry.parts))
    )} if ids else {}


def propose_categories(review: Review, categories: list[PrizeCategory]) -> list[CategoryView]:
    """Each category with its proposal when it is decided from the ranking (fixed queries)."""
    views = [CategoryView(c) for c in categories]
    wanted = [v for v in views if v.category.decided_by == PrizeCategory.RANKING
              and v.category.rule]
    if not wanted or review.results is None:
        return views
    entries = _final_entries(review)
    rows = review.results.rows
    for view in wanted:
        cat = view.category
        if cat.rule in (OLDEST, YOUNGEST):
            people: dict[str, tuple[str, int, int | None]] = {}
            births = []
            for entry_id, entry in sorted(entries.items()):
                for a in entry.authors:
                    key = f"{normalize_name(a.full_name)}|{a.year_of_birth or 0}"
                    # Published as the lists publish authors (Contest.name_style).
                    name = published_name(a.full_name, a.pen_name, review.contest.name_style)
                    people.setdefault(key, (name, entry_id, a.year_of_birth))
                    births.append(AuthorBirth(key, entry_id, a.year_of_birth))
            proposal = propose_by_age(births, count=cat.count, oldest=cat.rule == OLDEST)
            view.proposal = [Candidate(people[k][0], people[k][1],
                                       _("born %(year)s", year=people[k][2]))
                             for k in proposal.chosen]
            label = {k: f"{people[k][0]} ({people[k][2]})" for k in people}
        elif cat.rule == UNITS:
            names: dict[str, str] = {}
            works = []
            for e in sorted(entries.values(), key=lambda e: e.id):
                unit = unit_of(e)
                key = normalize_name(unit) if unit else ""
                names.setdefault(key, unit)
                row = rows[e.id]
                works.append(UnitWork(key, e.id, row.value if row.rankable else None,
                                      bool(row.level)))
            proposal = propose_units(works, count=cat.count)
            view.proposal = [Candidate(names[u], None) for u in proposal.chosen]
            label = names
        elif cat.rule == BEST_WORKS:
            ranked = [Ranked(r.entry_id, r.genre_code,
                             round(r.value, RANK_DIGITS) if r.rankable else None,
                             r.rank, r.tied, r.tiebreak) for r in rows.values()]
            prized = frozenset(r.entry_id for r in rows.values() if r.level)
            proposal = propose_best_works(ranked, count=cat.count, exclude=prized)
            view.proposal = [Candidate(entries[i].title, i, rows[i].reference)
                             for i in proposal.chosen]
            label = {i: rows[i].reference for i in rows}
        else:
            continue
        for tie in proposal.ties:
            names = ", ".join(label.get(_key(k, label), k) for k in
                              str(tie.params["candidates"]).split(", "))
            view.ties.append(_("%(candidates)s are tied for the last %(places)s place(s) of "
                               "this prize; the council decides.", candidates=names,
                               places=tie.params["places"]))
    return views


def _key(text: str, label: dict):
    """Tie candidates come back as text; entry ids are ints in ``label``."""
    return int(text) if text.isdigit() and int(text) in label else text


def _state(category: PrizeCategory) -> dict:
    return {"awards": [{"name": a.recipient_name, "entry_id": a.entry_id, "reason": a.reason,
                        "from_proposal": a.from_proposal} for a in category.awards]}


def accept_proposal(category: PrizeCategory, view: CategoryView, *, actor: User,
                    now: datetime) -> None:
    """Give the category to its proposal, replacing earlier recipients.

    Raises ResultsError when it has no proposal or a tie is open."""
    if view.ties:
        raise ResultsError(_("A tie is open for this prize: the council chooses, with a "
                             "reason."))
    if not view.proposal:
        raise ResultsError(_("This prize has no proposal from the ranking."))
    before = _state(category)
    category.awards.clear()
    db.session.flush()
    for i, c in enumerate(view.proposal):
        category.awards.append(CategoryAward(entry_id=c.entry_id, recipient_name=c.name,
                                             from_proposal=True, position=i, updated_at=now))
    db.session.flush()
    audit.record("result.category_awarded", actor=actor, contest=category.contest,
                 obj=category, before=before, after=_state(category))


def award_by_council(category: PrizeCategory, *, name: str, entry: Entry | None, reason: str,
                     actor: User, now: datetime) -> CategoryAward:
    """Add a recipient the council chose, with its reason.

    Raises ResultsError when the reason is missing, the category is full, a work is needed
    (a work or a person named in a work) and none is given, or a name is needed and none is
    given."""
    reason, name = (reason or "").strip(), (name or "").strip()
    if not reason:
        raise ResultsError(_("Give the council's reason for this prize."))
    if len(category.awards) >= category.count:
        raise ResultsError(_("This prize has %(count)d place(s), all given. Remove one first.",
                             count=category.count))
    needs_work = category.recipient in (PrizeCategory.WORK, PrizeCategory.PERSON)
    if needs_work and entry is None:
        raise ResultsError(_("Give the reference of the work in the final round."))
    if category.recipient == PrizeCategory.WORK:
        name = entry.title
    if not name:
        raise ResultsError(_("Give the name of the recipient."))
    before = _state(category)
    award = CategoryAward(entry_id=entry.id if entry else None, recipient_name=name,
                          reason=reason, from_proposal=False,
                          position=len(category.awards), updated_at=now)
    category.awards.append(award)
    db.session.flush()
    audit.record("result.category_awarded", actor=actor, contest=category.contest,
                 obj=category, before=before, after=_state(category))
    return award


def clear_category(category: PrizeCategory, *, actor: User) -> None:
    """Remove every recipient of the category."""
    before = _state(category)
    category.awards.clear()
    db.session.flush()
    audit.record("result.category_cleared", actor=actor, contest=category.contest,
                 obj=category, before=before, after=_state(category))
