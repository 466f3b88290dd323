"""Proposing prize levels (quotas, minimums, special prize) and the other prize categories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from judging.i18n import N_
from judging.problems import Problem, fmt_number
from judging.ranking import Ranked, RankItem, tie_groups

__all__ = [
    "CATEGORY_RULES", "NAME_STYLES", "SPECIAL_GENRE", "AuthorBirth", "CategoryProposal",
    "Level", "PrizeProposal", "UnitWork", "propose_best_works", "propose_by_age",
    "propose_prizes", "propose_units", "published_name", "split_prize",
]

SPECIAL_GENRE = "*"
"""Genre key used in ``unused``/``held`` for the special prize, which spans all genres."""


@dataclass(frozen=True)
class Level:
    """A prize level; entries scoring below ``min_score`` (when set) cannot get it."""

    code: str
    min_score: float | None = None


@dataclass(frozen=True)
class PrizeProposal:
    """Proposed level per entry, boundary ties for the organizer, and places not given.

    ``unused[(genre, level)]``: places no eligible entry was left for (after any
    transfer).  ``held[(genre, level)]``: places left open because of a reported tie.
    Only non-zero counts appear.
    """

    awards: dict[int, str] = field(default_factory=dict)
    ties: list[Problem] = field(default_factory=list)
    unused: dict[tuple[str, str], int] = field(default_factory=dict)
    held: dict[tuple[str, str], int] = field(default_factory=dict)


_TIE_MSG = N_("In %(genre)s, entries %(entries)s are tied on %(score)s for the last "
              "%(places)s %(level)s prize place(s); decide which of them get it.")


def _tie(genre: str, level: str, run: Sequence[Ranked | RankItem], places: int) -> Problem:
    ids = ", ".join(str(i) for i in sorted(r.entry_id for r in run))
    return Problem(
        "prize_tie",
        _TIE_MSG,
        {"genre": genre, "level": level, "entries": ids,
         "score": fmt_number(float(run[0].score or 0)), "places": places},
        genre,
    )


def _eligible(score: float | None, level: Level) -> bool:
    return score is not None and (level.min_score is None or score >= level.min_score)


def propose_prizes(
    ranked: Sequence[Ranked],
    *,
    levels: Sequence[Level],
    quotas: Mapping[tuple[str, str], int],
    special: Level | None = None,
    special_count: int = 0,
    allow_transfer: bool = False,
) -> PrizeProposal:
    """Propose a prize level for the best entries; never silently breaks a tie.

    Only entries with a score take part.  Special prize (when ``special`` and
    ``special_count`` > 0): the best entries across all genres by score, then tiebreak,
    that meet its minimum; its winners take no genre level and do NOT consume their genre's
    quotas.  Then each genre (``Ranked.group``) fills ``levels`` in order, best entries
    first: a run of tied entries (equal score and tiebreak) is awarded only if it fits in
    the places left; a run straddling the boundary is reported in ``ties`` with the places
    left (held), those places stay empty and the run competes for the next level.  A run
    below a level's minimum stops that level; it may still meet a lower level's minimum.
    With ``allow_transfer``, a level's unused (not held) places are added to the next level
    of the same genre; the last level's unused places stay unused.
    """
    result = PrizeProposal()
    scored = [r for r in ranked if r.score is not None]
    taken: set[int] = set()

    if special is not None and special_count > 0:
        left = special_count
        for run in tie_groups(scored):
            if left == 0 or not _eligible(run[0].score, special):
                break
            if len(run) > left:
                result.ties.append(_tie(SPECIAL_GENRE, special.code, run, left))
                result.held[(SPECIAL_GENRE, special.code)] = left
                left = 0
                break
            for r in run:
                result.awards[r.entry_id] = special.code
                taken.add(r.entry_id)
            left -= len(run)
        if left:
            result.unused[(SPECIAL_GENRE, special.code)] = left

    by_genre: dict[str, list[Ranked]] = defaultdict(list)
    for r in scored:
        if r.entry_id not in taken:
            by_genre[r.group].append(r)
    genres = sorted(set(by_genre) | {g for g, _ in quotas})
    for genre in genres:
        runs = tie_groups(by_genre.get(genre, []))
        pos = 0  # index of the first run not yet awarded
        carry = 0
        for index, level in enumerate(levels):
            left = quotas.get((genre, level.code), 0) + carry
            carry = 0
            while left > 0 and pos < len(runs) and _eligible(runs[pos][0].score, level):
                run = runs[pos]
                if len(run) > left:
                    result.ties.append(_tie(genre, level.code, run, left))
                    result.held[(genre, level.code)] = left
                    left = 0
                    break
                for r in run:
                    result.awards[r.entry_id] = level.code
                left -= len(run)
                pos += 1
            if left:
                if allow_transfer and index < len(levels) - 1:
                    carry = left
                else:
                    result.unused[(genre, level.code)] = left
    return result


# --------------------------------------------------------------------------- other categories

OLDEST, YOUNGEST, UNITS, BEST_WORKS = "oldest_author", "youngest_author", "best_units", "best_works"
CATEGORY_RULES = (OLDEST, YOUNGEST, UNITS, BEST_WORKS)
"""How a category decided "from the ranking" proposes its recipients; a category decided by
the council has no rule."""


@dataclass(frozen=True)
class AuthorBirth:
    """One author (``key``: one person, however many works they are on) and a work of theirs."""

    key: str
    entry_id: int
    year_of_birth: int | None


@dataclass(frozen=True)
class UnitWork:
    """A work of the final round credited to a unit (agency), with its score and whether it
    won a prize level."""

    unit: str
    entry_id: int
    score: float | None
    prized: bool


@dataclass(frozen=True)
class CategoryProposal:
    """Recipients proposed best first (author keys, unit names or entry ids) and ties that
    straddle the last place, which the council decides."""

    chosen: tuple = ()
    ties: list[Problem] = field(default_factory=list)


_CATEGORY_TIE = N_("%(candidates)s are tied for the last %(places)s place(s) of this prize; "
                   "the council decides.")


def _take(runs: Sequence[Sequence], count: int) -> CategoryProposal:
    """Take whole runs of equals best first while they fit in ``count`` places; a run that
    does not fit is reported as a tie and the places stay open."""
    chosen: list = []
    for run in runs:
        left = count - len(chosen)
        if left <= 0:
            break
        if len(run) > left:
            names = ", ".join(str(x) for x in sorted(run, key=str))
            return CategoryProposal(tuple(chosen), [Problem(
                "category_tie", _CATEGORY_TIE, {"candidates": names, "places": left})])
        chosen.extend(sorted(run, key=str))
    return CategoryProposal(tuple(chosen), [])


def _runs(pairs: Sequence[tuple], *, reverse: bool) -> list[list]:
    """Keys grouped into runs of equal value, in value order (descending when ``reverse``)."""
    ordered = sorted(pairs, key=lambda kv: str(kv[0]))
    ordered.sort(key=lambda kv: kv[1], reverse=reverse)  # stable: keys stay in order
    runs: list[list] = []
    for key, value in ordered:
        if runs and value == runs[-1][0][1]:
            runs[-1].append((key, value))
        else:
            runs.append([(key, value)])
    return [[key for key, _value in run] for run in runs]


def propose_by_age(authors: Sequence[AuthorBirth], *, count: int, oldest: bool) -> CategoryProposal:
    """The ``count`` oldest (earliest year of birth) or youngest authors; an author without a
    year takes no part, an author on several works counts once. Authors born the same year
    across the last place are a tie for the council."""
    years: dict[str, int] = {}
    for a in authors:
        if a.year_of_birth is not None:
            years[a.key] = a.year_of_birth
    runs = _runs(list(years.items()), reverse=not oldest)
    return _take(runs, count)


def propose_units(works: Sequence[UnitWork], *, count: int) -> CategoryProposal:
    """The ``count`` best units (collectives): most prize-winning works, then most works in
    the final round, then the best mean score of their scored works. Units equal on all
    three across the last place are a tie for the council. Blank unit names take no part."""
    per_unit: dict[str, list[UnitWork]] = defaultdict(list)
    for w in works:
        if w.unit.strip():
            per_unit[w.unit.strip()].append(w)

    def merit(ws: list[UnitWork]) -> tuple[int, int, float]:
        scores = [w.score for w in ws if w.score is not None]
        mean = round(sum(scores) / len(scores), 4) if scores else 0.0
        return (sum(1 for w in ws if w.prized), len(ws), mean)

    runs = _runs([(unit, merit(ws)) for unit, ws in per_unit.items()], reverse=True)
    return _take(runs, count)


def propose_best_works(ranked: Sequence[Ranked | RankItem], *, count: int,
                       exclude: frozenset[int] = frozenset()) -> CategoryProposal:
    """The ``count`` best-scored works across all genres (score, then tiebreak), leaving out
    ``exclude`` (e.g. works that already won a level). A run of equal works across the last
    place is a tie for the council."""
    runs = [[r.entry_id for r in run]
            for run in tie_groups([r for r in ranked if r.entry_id not in exclude])]
    return _take(runs, count)


# --------------------------------------------------------------------------- names and money

FULL, PEN, FULL_PEN = "full", "pen", "full_pen"
NAME_STYLES = (FULL, PEN, FULL_PEN)
"""How an edition prints authors in public lists and the annex: full name, pen name, or
"Full name (pen name)"."""


def published_name(full_name: str, pen_name: str, style: str) -> str:
    """The author's name as the edition publishes it; a missing pen name falls back to the
    full name, and "(pen name)" is left out when it repeats the full name."""
    full, pen = (full_name or "").strip(), (pen_name or "").strip()
    if style == FULL:
        return full or pen
    if style == FULL_PEN:
        return f"{full} ({pen})" if pen and full and pen != full else (full or pen)
    return pen or full


def split_prize(amount: int, authors: int,
                shares: Sequence[Decimal | None] | None = None) -> list[int]:
    """Split a prize of ``amount`` đồng among ``authors``: by the percentage ``shares`` when
    every author has one and they add up to 100, else equally. Whole đồng; the đồng left by
    rounding down go one each to the first authors, so the parts always add up to ``amount``.

    Raises ValueError for a negative amount or no authors."""
    if amount < 0 or authors < 1:
        raise ValueError("amount must be >= 0 and authors >= 1")
    weights: list[Decimal]
    if (shares is not None and len(shares) == authors and all(s is not None for s in shares)
            and sum(shares) == 100 and all(s >= 0 for s in shares)):
        weights = [Decimal(s) for s in shares]
    else:
        weights = [Decimal(100) / authors] * authors
    parts = [int((Decimal(amount) * w / 100).quantize(Decimal(1), rounding=ROUND_DOWN))
             for w in weights]
    left = amount - sum(parts)
    order = sorted(range(authors), key=lambda i: -weights[i])  # largest shares first
    for i in order[:left]:
        parts[i] += 1
    return parts
