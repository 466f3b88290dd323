"""Combining judges' submitted score sheets: entry scores, disagreement flags, agreement."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from judging.i18n import N_
from judging.problems import Param, fmt_number

__all__ = [
    "AGREEMENT_HELP",
    "DISAGREEMENT_RULE",
    "METHODS",
    "EntryAggregate",
    "Flag",
    "JudgeStats",
    "Sheet",
    "Dispute",
    "aggregate",
    "disagreement",
    "disagreement_flags",
    "judge_stats",
    "judge_zscores",
    "agreement_level",
    "kendalls_w",
]

METHODS = ("mean", "trimmed_mean", "median", "zscore")

AGREEMENT_HELP = N_(
    "Kendall's W runs from 0 (judges rank the works with no agreement) to 1 (all judges "
    "rank the works in the same order): 0.7 or more is high agreement, 0.4 to 0.7 moderate, "
    "below 0.4 low."
)

# Kendall's W read in words for a council: at or above STRONG is high agreement, below WEAK low.
AGREEMENT_STRONG, AGREEMENT_WEAK = 0.7, 0.4


def agreement_level(w: float | None) -> str | None:
    """'high', 'moderate' or 'low' for a Kendall's W (None when there is no W)."""
    if w is None:
        return None
    if w >= AGREEMENT_STRONG - _EPS:
        return "high"
    if w >= AGREEMENT_WEAK - _EPS:
        return "moderate"
    return "low"


# Differences this close to the threshold count as equal (float noise, e.g. 7.3 - 5.3).
_EPS = 1e-9


@dataclass(frozen=True)
class Sheet:
    """One SUBMITTED score sheet; recused or missing sheets are absent, never zero."""

    entry_id: int
    judge_id: int
    total: float
    criteria: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryAggregate:
    """An entry's combined score; ``complete`` is False when fewer than k sheets came in.

    ``mean_z`` is the mean of the entry's per-judge z-scores (zscore method only).
    """

    entry_id: int
    value: float | None
    n_sheets: int
    complete: bool
    mean_z: float | None = None


@dataclass(frozen=True)
class Flag:
    """A sheet blamed by ``DISAGREEMENT_RULE``: more than the threshold from the other
    judges' mean, and setting it aside lets the majority agree."""

    entry_id: int
    judge_id: int
    total: float
    others_mean: float
    difference: float
    code: str
    message: str
    params: dict[str, Param] = field(default_factory=dict)


@dataclass(frozen=True)
class JudgeStats:
    """A judge's sheets in the round: count, mean, population sd, number of flags.

    ``bias`` is the judge's mean (total - others' mean) over entries with other sheets
    (negative = harsher than colleagues); None when no entry had another sheet.
    """

    judge_id: int
    n: int
    mean: float
    sd: float
    flags: int
    bias: float | None = None


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def _psd(xs: Sequence[float]) -> float:
    if len(xs) < 2:
        return 0.0
    m = _mean(xs)
    return math.sqrt(math.fsum((x - m) ** 2 for x in xs) / len(xs))


def _by_entry(sheets: Iterable[Sheet]) -> dict[int, list[Sheet]]:
    groups: dict[int, list[Sheet]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for s in sheets:
        key = (s.entry_id, s.judge_id)
        if key in seen:
            raise ValueError(f"two sheets for entry {s.entry_id} by judge {s.judge_id}")
        seen.add(key)
        groups[s.entry_id].append(s)
    return groups


def judge_zscores(sheets: Iterable[Sheet]) -> dict[tuple[int, int], float]:
    """Return z = (total - judge mean) / judge population sd per ``(entry_id, judge_id)``.

    z is 0 for a judge with one sheet or with all totals equal.  Invariant under any
    increasing affine change of one judge's scores (a judge 10 points harsher than the
    rest gets the same z's).
    """
    by_judge: dict[int, list[Sheet]] = defaultdict(list)
    for s in sheets:
        by_judge[s.judge_id].append(s)
    out: dict[tuple[int, int], float] = {}
    for judge_sheets in by_judge.values():
        totals = [s.total for s in judge_sheets]
        m, sd = _mean(totals), _psd(totals)
        for s in judge_sheets:
            out[(s.entry_id, s.judge_id)] = 0.0 if sd == 0 else (s.total - m) / sd
    return out


def aggregate(
    sheets: Iterable[Sheet],
    *,
    method: str,
    k: int,
    trim_min: int = 5,
    scale: tuple[float, float] = (0, 100),
) -> dict[int, EntryAggregate]:
    """Combine the sheets of one round into one value per entry that has any sheet.

    Methods: "mean"; "median"; "trimmed_mean" (drops one highest and one lowest total when
    the entry has at least ``trim_min`` sheets, else the plain mean); "zscore" (each
    sheet becomes its judge's z-score, see ``judge_zscores``; the entry's mean z is mapped
    back to points linearly as overall_mean + mean_z * overall_sd, where overall mean and
    population sd are over all sheets of the round, then clamped into ``scale``).
    ``complete`` is ``n_sheets >= k``; the value is computed either way.  Linear time.
    Raises ValueError on an unknown method or two sheets by one judge for one entry.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    sheets = list(sheets)
    groups = _by_entry(sheets)
    out: dict[int, EntryAggregate] = {}
    if method == "zscore":
        z = judge_zscores(sheets)
        totals = [s.total for s in sheets]
        o_mean, o_sd = (_mean(totals), _psd(totals)) if totals else (0.0, 0.0)
        lo, hi = scale
        for entry_id, group in groups.items():
            mz = _mean([z[(entry_id, s.judge_id)] for s in group])
            value = min(hi, max(lo, o_mean + mz * o_sd))
            out[entry_id] = EntryAggregate(entry_id, value, len(group), len(group) >= k, mz)
        return out
    for entry_id, group in groups.items():
        totals = sorted(s.total for s in group)
        if method == "median":
            value = statistics.median(totals)
        elif method == "trimmed_mean" and len(totals) >= trim_min:
            value = _mean(totals[1:-1])
        else:
            value = _mean(totals)
        out[entry_id] = EntryAggregate(entry_id, value, len(group), len(group) >= k)
    return out


DISAGREEMENT_RULE = N_(
    "A sheet is flagged when its total is more than %(threshold)s points from the other "
    "judges' average and setting it aside (with as few others as possible) leaves a majority "
    "of sheets that agree within %(threshold)s points; when no such sheet can be singled out, "
    "the work is flagged as “judges disagree” and no sheet is blamed."
)


@dataclass(frozen=True)
class Dispute:
    """An entry whose judges disagree with no sheet to single out (see ``DISAGREEMENT_RULE``)."""

    entry_id: int
    low: float
    high: float
    n_sheets: int
    code: str
    message: str
    params: dict[str, Param] = field(default_factory=dict)


def _agree(totals: Sequence[float], threshold: float) -> bool:
    """Each total within ``threshold`` of the mean of the others (fewer than 2: trivially)."""
    n = len(totals)
    if n < 2:
        return True
    s = math.fsum(totals)
    return all(abs(t - (s - t) / (n - 1)) <= threshold + _EPS for t in totals)


def _outliers(group: Sequence[Sheet], threshold: float) -> tuple[list[Sheet], bool]:
    """The rule for one entry: ``(blamed sheets, disputed)``; both empty/False when it agrees.

    A sheet breaks the rule when it is more than ``threshold`` from the mean of the others.
    When one does, look for the fewest sheets to set aside, taken from the ends (the i lowest
    and the j highest totals), that leave a strict majority which agrees (``_agree``). They
    are blamed only if that set is the only one of its size, does not split equal totals,
    and each of them breaks the rule; otherwise (two judges, two camps, all spread) the
    entry is disputed and no sheet is blamed.
    """
    n = len(group)
    total_sum = math.fsum(s.total for s in group)
    breaks = {id(s) for s in group
              if abs(s.total - (total_sum - s.total) / (n - 1)) > threshold + _EPS}
    if not breaks:
        return [], False
    ordered = sorted(group, key=lambda s: s.total)
    for r in range(1, (n + 1) // 2):  # keep n - r > n / 2 sheets
        found = []
        for i in range(r + 1):
            kept = ordered[i:n - (r - i)]
            if _agree([s.total for s in kept], threshold):
                found.append(ordered[:i] + ordered[n - (r - i):])
        if not found:
            continue
        if len(found) > 1:
            return [], True
        (removed,) = found
        kept_totals = {s.total for s in ordered if s not in removed}
        if any(s.total in kept_totals for s in removed) or any(
                id(s) not in breaks for s in removed):
            return [], True
        return sorted(removed, key=lambda s: s.judge_id), False
    return [], True


def disagreement(
    sheets: Iterable[Sheet], threshold: float
) -> tuple[list[Flag], list[Dispute]]:
    """Apply ``DISAGREEMENT_RULE`` to every entry with at least 2 sheets.

    Returns the blamed sheets' flags (sorted by entry_id, then judge_id; ``others_mean`` is
    the mean of all the entry's other sheets) and the disputed entries (sorted by entry_id).
    Exactly ``threshold`` apart is not a break.
    """
    flags: list[Flag] = []
    disputes: list[Dispute] = []
    for entry_id, group in sorted(_by_entry(sheets).items()):
        if len(group) < 2:
            continue
        blamed, disputed = _outliers(group, threshold)
        if disputed:
            low, high = min(s.total for s in group), max(s.total for s in group)
            disputes.append(Dispute(
                entry_id, low, high, len(group), "judges_disagree",
                N_("The judges disagree on entry %(entry)s: totals run from %(low)s to "
                   "%(high)s and no sheet can be singled out (threshold %(threshold)s)."),
                {"entry": entry_id, "low": fmt_number(low), "high": fmt_number(high),
                 "threshold": fmt_number(threshold)},
            ))
        total_sum = math.fsum(s.total for s in group)
        for s in blamed:
            others = (total_sum - s.total) / (len(group) - 1)
            diff = s.total - others
            params: dict[str, Param] = {
                "judge": s.judge_id,
                "entry": entry_id,
                "total": fmt_number(s.total),
                "others_mean": fmt_number(others),
                "difference": fmt_number(abs(diff)),
                "threshold": fmt_number(threshold),
            }
            flags.append(Flag(
                entry_id, s.judge_id, s.total, others, diff,
                "score_far_from_others",
                N_("Judge %(judge)s gave entry %(entry)s %(total)s points, %(difference)s "
                   "away from the other judges' average of %(others_mean)s (more than "
                   "%(threshold)s)."),
                params,
            ))
    return flags, disputes


def disagreement_flags(sheets: Iterable[Sheet], threshold: float) -> list[Flag]:
    """The blamed sheets of ``disagreement`` (disputed entries left out)."""
    return disagreement(sheets, threshold)[0]


def judge_stats(sheets: Iterable[Sheet], flags: Iterable[Flag]) -> dict[int, JudgeStats]:
    """Return per-judge statistics over ``sheets``, counting each judge's ``flags``."""
    groups = _by_entry(sheets)
    totals: dict[int, list[float]] = defaultdict(list)
    diffs: dict[int, list[float]] = defaultdict(list)
    for group in groups.values():
        total_sum = math.fsum(s.total for s in group)
        for s in group:
            totals[s.judge_id].append(s.total)
            if len(group) >= 2:
                diffs[s.judge_id].append(s.total - (total_sum - s.total) / (len(group) - 1))
    flag_count: dict[int, int] = defaultdict(int)
    for f in flags:
        flag_count[f.judge_id] += 1
    return {
        j: JudgeStats(
            j, len(ts), _mean(ts), _psd(ts), flag_count[j],
            _mean(diffs[j]) if diffs[j] else None,
        )
        for j, ts in sorted(totals.items())
    }


def _ranks(values: Sequence[float]) -> tuple[list[float], float]:
    """Average ranks (1 = lowest) and the tie correction sum(t^3 - t)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for idx in order[i:j + 1]:
            ranks[idx] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t**3 - t
        i = j + 1
    return ranks, ties


def kendalls_w(sheets: Iterable[Sheet]) -> float | None:
    """Kendall's W (tie-corrected) over the entries scored by every judge present.

    None when fewer than 2 judges or fewer than 2 such entries, or when every judge
    ties every entry (W undefined).  See ``AGREEMENT_HELP`` for how to read it.
    """
    groups = _by_entry(sheets)
    judges = sorted({s.judge_id for g in groups.values() for s in g})
    block = sorted(e for e, g in groups.items() if len(g) == len(judges))
    m, n = len(judges), len(block)
    if m < 2 or n < 2:
        return None
    score = {(s.entry_id, s.judge_id): s.total for e in block for s in groups[e]}
    rank_sums = [0.0] * n
    tie_total = 0.0
    for j in judges:
        ranks, ties = _ranks([score[(e, j)] for e in block])
        tie_total += ties
        for i, r in enumerate(ranks):
            rank_sums[i] += r
    mean_r = m * (n + 1) / 2
    s = math.fsum((r - mean_r) ** 2 for r in rank_sums)
    denom = m * m * (n**3 - n) - m * tie_total
    if denom <= 0:
        return None
    return 12 * s / denom
