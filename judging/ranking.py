"""Competition ranking (1, 2, 2, 4) of entries within each group (genre)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["RankItem", "Ranked", "best_first", "rank", "tie_groups"]


@dataclass(frozen=True)
class RankItem:
    """An entry to rank; ``score`` None means not rankable (e.g. incomplete)."""

    entry_id: int
    group: str
    score: float | None
    tiebreak: tuple[float, ...] = ()


@dataclass(frozen=True)
class Ranked:
    """A ranked entry; ``rank`` is None (and ``tied`` False) for entries without a score."""

    entry_id: int
    group: str
    score: float | None
    rank: int | None
    tied: bool
    tiebreak: tuple[float, ...] = ()


def best_first(items: Iterable[RankItem | Ranked]) -> list[RankItem | Ranked]:
    """Scored items sorted by score desc, tiebreak tuple desc (Python tuple order), entry_id."""
    scored = sorted((i for i in items if i.score is not None), key=lambda i: i.entry_id)
    return sorted(scored, key=lambda i: (i.score, i.tiebreak), reverse=True)  # stable


def tie_groups(items: Iterable[RankItem | Ranked]) -> list[list[RankItem | Ranked]]:
    """Split scored items, best first, into runs with equal score and equal tiebreak."""
    runs: list[list[RankItem | Ranked]] = []
    for it in best_first(items):
        if runs and (runs[-1][0].score, runs[-1][0].tiebreak) == (it.score, it.tiebreak):
            runs[-1].append(it)
        else:
            runs.append([it])
    return runs


def rank(items: Sequence[RankItem]) -> list[Ranked]:
    """Rank within each group: score desc, then tiebreak tuple desc; equal both = same rank.

    Output: groups in code order; within a group by rank then entry_id, followed by the
    group's unscored items (rank None) by entry_id.  Raises ValueError on duplicate ids.
    """
    if len({i.entry_id for i in items}) != len(items):
        raise ValueError("duplicate entry ids")
    by_group: dict[str, list[RankItem]] = defaultdict(list)
    for it in items:
        by_group[it.group].append(it)
    out: list[Ranked] = []
    for group in sorted(by_group):
        position = 1
        for run in tie_groups(by_group[group]):
            for it in run:
                out.append(Ranked(it.entry_id, group, it.score, position, len(run) > 1,
                                  it.tiebreak))
            position += len(run)
        for it in sorted((i for i in by_group[group] if i.score is None),
                         key=lambda i: i.entry_id):
            out.append(Ranked(it.entry_id, group, None, None, False, it.tiebreak))
    return out
