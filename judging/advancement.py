"""Which entries go on to the next round: top N per group or everything above a score."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from judging.i18n import N_
from judging.problems import Problem, fmt_number
from judging.ranking import RankItem, tie_groups

__all__ = ["AdvancementProposal", "MinScore", "TopN", "propose_advancement"]


@dataclass(frozen=True)
class TopN:
    """Advance the best ``n`` entries of each group (genre)."""

    n: int


@dataclass(frozen=True)
class MinScore:
    """Advance every scored entry with score >= ``score``."""

    score: float


@dataclass(frozen=True)
class AdvancementProposal:
    """Entries proposed to advance, ties left to the organizer, and unscored entries."""

    advance: frozenset[int]
    boundary_ties: list[Problem] = field(default_factory=list)
    excluded_incomplete: frozenset[int] = frozenset()


def propose_advancement(items: Sequence[RankItem], rule: TopN | MinScore) -> AdvancementProposal:
    """Apply ``rule``; items with score None never advance (listed in excluded_incomplete).

    TopN: per group, take tie runs (equal score and tiebreak) best first while the whole
    run fits in the n places; a run straddling the boundary is left out entirely and
    reported in ``boundary_ties`` (field = group) so the organizer decides.  So at most n
    advance per group, and the result only grows as n grows.  MinScore: score >= threshold.
    """
    incomplete = frozenset(i.entry_id for i in items if i.score is None)
    if isinstance(rule, MinScore):
        chosen = frozenset(
            i.entry_id for i in items if i.score is not None and i.score >= rule.score
        )
        return AdvancementProposal(chosen, [], incomplete)
    by_group: dict[str, list[RankItem]] = defaultdict(list)
    for it in items:
        by_group[it.group].append(it)
    chosen_ids: set[int] = set()
    ties: list[Problem] = []
    for group in sorted(by_group):
        left = rule.n
        for run in tie_groups(by_group[group]):
            if len(run) > left:
                if left > 0:
                    ids = sorted(i.entry_id for i in run)
                    ties.append(Problem(
                        "advancement_tie",
                        N_("In %(group)s, entries %(entries)s are tied on %(score)s for the "
                           "last %(places)s place(s) going to the next round; decide which "
                           "advance."),
                        {"group": group, "entries": ", ".join(map(str, ids)),
                         "score": fmt_number(float(run[0].score or 0)), "places": left},
                        group,
                    ))
                break
            chosen_ids.update(i.entry_id for i in run)
            left -= len(run)
    return AdvancementProposal(frozenset(chosen_ids), ties, incomplete)
