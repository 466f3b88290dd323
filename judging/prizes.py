"""Proposing prize levels from rankings, per-genre quotas, minimum scores and a special prize."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from judging.i18n import N_
from judging.problems import Problem, fmt_number
from judging.ranking import Ranked, RankItem, tie_groups

__all__ = ["SPECIAL_GENRE", "Level", "PrizeProposal", "propose_prizes"]

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
