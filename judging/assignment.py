"""Balanced, conflict-free assignment of judges to entries, via max-flow with lower bounds."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from judging.i18n import N_
from judging.problems import Problem

__all__ = ["AssignmentResult", "assign", "assign_panels", "judge_loads", "propose_replacement"]


@dataclass(frozen=True)
class AssignmentResult:
    """``pairs`` are sorted ``(entry_id, judge_id)``; empty with ``ok=False`` on failure."""

    pairs: tuple[tuple[int, int], ...]
    problems: tuple[Problem, ...]
    ok: bool


class _Flow:
    """Dinic max-flow on an integer network (edges i and i^1 are a residual pair)."""

    def __init__(self, n: int) -> None:
        self.adj: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def edge(self, u: int, v: int, c: int) -> int:
        self.adj[u].append(len(self.to))
        self.to.append(v)
        self.cap.append(c)
        self.adj[v].append(len(self.to))
        self.to.append(u)
        self.cap.append(0)
        return len(self.to) - 2

    def _levels(self, s: int, t: int) -> list[int] | None:
        level = [-1] * len(self.adj)
        level[s] = 0
        queue = [s]
        for v in queue:
            for e in self.adj[v]:
                w = self.to[e]
                if self.cap[e] > 0 and level[w] < 0:
                    level[w] = level[v] + 1
                    queue.append(w)
        return level if level[t] >= 0 else None

    def run(self, s: int, t: int) -> int:
        """Augment until no s-t path is left; return the flow added."""
        total = 0
        adj, to, cap = self.adj, self.to, self.cap
        while (level := self._levels(s, t)) is not None:
            it = [0] * len(adj)
            stack, path = [s], []
            while stack:
                v = stack[-1]
                if v == t:
                    f = min(cap[e] for e in path)
                    for e in path:
                        cap[e] -= f
                        cap[e ^ 1] += f
                    total += f
                    stack, path = [s], []
                    continue
                edges = adj[v]
                while it[v] < len(edges):
                    e = edges[it[v]]
                    if cap[e] > 0 and level[to[e]] == level[v] + 1:
                        stack.append(to[e])
                        path.append(e)
                        break
                    it[v] += 1
                else:
                    stack.pop()
                    if path:
                        path.pop()
                        it[stack[-1]] += 1
        return total


def _fail(problems: Iterable[Problem]) -> AssignmentResult:
    return AssignmentResult((), tuple(problems), False)


def _check_ids(entries: Sequence[int], judges: Sequence[int]) -> None:
    if len(set(entries)) != len(entries):
        raise ValueError("duplicate entry ids")
    if len(set(judges)) != len(judges):
        raise ValueError("duplicate judge ids")


def assign(
    entries: Sequence[int],
    judges: Sequence[int],
    k: int,
    *,
    conflicts: Collection[tuple[int, int]],
    seed: int = 0,
) -> AssignmentResult:
    """Give every entry exactly ``k`` distinct, conflict-free judges with balanced loads.

    ``conflicts`` holds ``(judge_id, entry_id)`` pairs.  Each judge's load is floor or ceil
    of ``len(entries) * k / len(judges)``.  A solution is found whenever one exists (two-phase
    max flow: every judge is first filled to the floor, then the remainder is routed with
    the ceiling as cap; augmenting paths never lower a judge's load, so the floor holds).
    The result depends only on the id sets, the conflicts and ``seed`` (the seed shuffles the
    order in which judges are tried).  If infeasible: no pairs, ``ok=False``, and problems
    naming each entry or judge that cannot be served and why.  Raises ValueError on
    duplicate ids.
    """
    _check_ids(entries, judges)
    if not entries:
        return AssignmentResult((), (), True)
    if k < 1:
        return _fail([Problem("k_invalid", N_("Each entry needs at least 1 judge, not %(k)s."),
                              {"k": k})])
    if len(judges) < k:
        return _fail([Problem(
            "too_few_judges",
            N_("Each entry needs %(k)s judges but the panel has only %(judges)s."),
            {"k": k, "judges": len(judges)},
        )])
    conflict_set = {(j, e) for j, e in conflicts}
    ents = sorted(entries)
    rng = random.Random(seed)
    jud = sorted(judges)
    rng.shuffle(jud)
    n_e, n_j = len(ents), len(jud)
    low, rem = divmod(n_e * k, n_j)
    high = low + (1 if rem else 0)

    allowed = {e: [j for j in jud if (j, e) not in conflict_set] for e in ents}
    problems: list[Problem] = []
    for e in ents:
        if len(allowed[e]) < k:
            problems.append(Problem(
                "entry_too_few_judges",
                N_("Entry %(entry)s has only %(available)s judges without a conflict; "
                   "%(k)s are needed."),
                {"entry": e, "available": len(allowed[e]), "k": k},
            ))
    judge_avail = Counter(j for e in ents for j in allowed[e])
    for j in sorted(jud):
        if judge_avail[j] < low:
            problems.append(Problem(
                "judge_too_few_entries",
                N_("Judge %(judge)s has only %(available)s entries without a conflict, but "
                   "balanced loads need every judge to score at least %(min)s."),
                {"judge": j, "available": judge_avail[j], "min": low},
            ))
    if problems:
        return _fail(problems)

    source, sink = 0, 1
    e_node = {e: 2 + i for i, e in enumerate(ents)}
    j_node = {j: 2 + n_e + i for i, j in enumerate(jud)}
    net = _Flow(2 + n_e + n_j)
    for e in ents:
        net.edge(source, e_node[e], k)
    pair_edges: list[tuple[int, int, int]] = []
    for e in ents:
        options = allowed[e][:]
        rng.shuffle(options)
        for j in options:
            pair_edges.append((net.edge(e_node[e], j_node[j], 1), e, j))
    sink_edges = {j: net.edge(j_node[j], sink, low) for j in jud}

    def load(j: int) -> int:
        return net.cap[sink_edges[j] ^ 1]

    if net.run(source, sink) < n_j * low:
        short = sorted(j for j in jud if load(j) < low)
        return _fail([Problem(
            "judge_cannot_reach_minimum",
            N_("Judge %(judge)s cannot be given %(min)s entries without a conflict while "
               "every entry keeps %(k)s judges; conflicts leave too few entries for them."),
            {"judge": j, "min": low, "k": k},
        ) for j in short])
    if high > low:
        for j in jud:
            net.cap[sink_edges[j]] += high - low
        net.run(source, sink)
    filled = Counter(e for idx, e, _ in pair_edges if net.cap[idx] == 0)
    unfilled = [e for e in ents if filled[e] < k]
    if unfilled:
        return _fail([Problem(
            "entry_unbalanced",
            N_("Entry %(entry)s cannot get %(k)s judges: its %(available)s judges without a "
               "conflict are needed by other entries while loads stay between %(min)s and "
               "%(max)s."),
            {"entry": e, "k": k, "available": len(allowed[e]), "min": low, "max": high},
        ) for e in unfilled])
    pairs = tuple(sorted((e, j) for idx, e, j in pair_edges if net.cap[idx] == 0))
    return AssignmentResult(pairs, (), True)


def assign_panels(
    panels: Mapping[str, tuple[Sequence[int], Sequence[int]]],
    k: int,
    *,
    conflicts: Collection[tuple[int, int]],
    seed: int = 0,
) -> AssignmentResult:
    """Run ``assign`` per panel (name -> (entries, judges)); all panels succeed or none do.

    Loads are balanced within each panel.  Every problem carries the panel name in
    ``field`` and ``params["panel"]``; an entry placed in two panels is a problem.
    """
    seen: dict[int, str] = {}
    problems: list[Problem] = []
    for name in sorted(panels):
        for e in panels[name][0]:
            if e in seen:
                problems.append(Problem(
                    "entry_in_two_panels",
                    N_("Entry %(entry)s is in both panel %(first)s and panel %(panel)s."),
                    {"entry": e, "first": seen[e], "panel": name},
                    name,
                ))
            else:
                seen[e] = name
    pairs: list[tuple[int, int]] = []
    for name in sorted(panels):
        ents, juds = panels[name]
        result = assign(ents, juds, k, conflicts=conflicts, seed=seed)
        pairs.extend(result.pairs)
        problems.extend(
            replace(p, params={**p.params, "panel": name}, field=name) for p in result.problems
        )
    if problems:
        return _fail(problems)
    return AssignmentResult(tuple(sorted(pairs)), (), True)


def judge_loads(
    pairs: Collection[tuple[int, int]], judges: Sequence[int]
) -> dict[int, int]:
    """Return how many ``(entry_id, judge_id)`` pairs each judge in ``judges`` holds."""
    counts = Counter(j for _, j in pairs)
    return {j: counts[j] for j in judges}


def propose_replacement(
    entry_id: int,
    removed_judge: int,
    pairs: Collection[tuple[int, int]],
    judges: Sequence[int],
    *,
    conflicts: Collection[tuple[int, int]],
) -> int | None:
    """Propose a judge to take ``removed_judge``'s place on ``entry_id``, or None.

    Candidates are in ``judges``, not ``removed_judge``, not already on the entry and not
    conflicted (``conflicts`` holds ``(judge_id, entry_id)``).  Loads are counted after the
    removal; the least-loaded candidate wins (ties: lowest id), which keeps loads within 1
    of each other whenever any candidate can.
    """
    remaining = [(e, j) for e, j in pairs if (e, j) != (entry_id, removed_judge)]
    on_entry = {j for e, j in remaining if e == entry_id}
    loads = judge_loads(remaining, judges)
    conflict_set = set(conflicts)
    candidates = [
        j for j in judges
        if j != removed_judge and j not in on_entry and (j, entry_id) not in conflict_set
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda j: (loads[j], j))
