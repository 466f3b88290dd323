"""The numbers behind the judging charts of one round: sheets left per panel day by day
against the closing time, each judge's totals, bias and flags beside their panel's, and the
distribution of aggregated scores per medium with the proposal's prize thresholds.

Scores, flags and judge statistics come from the results area's `compute_round` (the same
aggregation and disagreement rule as the review page); the prize thresholds from its
`propose`. Seven queries whatever the size of the round.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models import (
    Assignment,
    Contest,
    Entry,
    Genre,
    Panel,
    PrizeLevel,
    Round,
    ScoreSheet,
    User,
    panel_genres,
    panel_judges,
)
from portal.results.services import compute_round, propose

# Width of a score band in the distribution, in points of the round's scale.
BAND = 5


@dataclass
class PanelProgress:
    panel_id: int
    name: str
    needed: int  # active assignments (sheets owed)
    submitted: int
    left_by_day: list[int]  # sheets still owed at the end of each day of the round

    @property
    def left(self) -> int:
        return self.needed - self.submitted


@dataclass
class JudgeRow:
    judge_id: int
    name: str
    panel: str
    n: int
    mean: float | None
    bias: float | None
    flags: int
    totals: list[float] = field(default_factory=list)
    left: int = 0


@dataclass
class GenreScores:
    code: str
    name_vi: str
    name_en: str
    values: list[float]
    thresholds: list[tuple[str, str, float]]  # (level code, level name vi, lowest value)


@dataclass
class RoundStats:
    round_id: int
    days: list[date]
    today_index: int | None  # position of today in days, None outside the round
    panels: list[PanelProgress]
    panel_totals: dict[str, list[float]]  # panel name -> every submitted total in it
    judges: list[JudgeRow]
    genres: list[GenreScores]
    flags: int = 0
    disputes: int = 0
    is_final: bool = False
    agreement: list[tuple[str, float | None]] = field(default_factory=list)  # panel, W


def _local(value: datetime | None, tz: ZoneInfo) -> date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).date()


def load_round(contest: Contest, round_id: int) -> Round | None:
    """The round of this edition with its rubric (one query), or None."""
    return db.session.scalar(
        sa.select(Round).where(Round.id == round_id, Round.contest_id == contest.id)
        .options(so.selectinload(Round.criteria)))


def round_stats(contest: Contest, rnd: Round, *, now: datetime,
                with_agreement: bool = False) -> RoundStats:
    """Progress, calibration and distribution of one round (see the module docstring);
    with_agreement adds each panel's Kendall's W (two more queries, for the report)."""
    tz = ZoneInfo(contest.timezone or "Asia/Ho_Chi_Minh")
    first, last = _local(rnd.opens_at, tz), _local(rnd.closes_at, tz)
    days = [first + timedelta(days=i) for i in range(max((last - first).days, 0) + 1)]
    today = _local(now, tz)
    today_index = days.index(today) if today in days else None

    # Panels, their genres and their judges (with names): two queries.
    panel_rows = db.session.execute(
        sa.select(Panel.id, Panel.name, panel_genres.c.genre_id, Genre.code, Genre.name_vi,
                  Genre.name_en, Genre.position)
        .outerjoin(panel_genres, panel_genres.c.panel_id == Panel.id)
        .outerjoin(Genre, Genre.id == panel_genres.c.genre_id)
        .where(Panel.round_id == rnd.id).order_by(Panel.position, Panel.id, Genre.position)
    ).all()
    panels: dict[int, str] = {}
    genre_panels: dict[int, list[int]] = defaultdict(list)
    code_panels: dict[str, list[str]] = defaultdict(list)
    genre_info: dict[str, tuple[str, str, int]] = {}
    for pid, pname, gid, code, vi, en, pos in panel_rows:
        panels[pid] = pname
        if gid is not None:
            genre_panels[gid].append(pid)
            code_panels[code].append(pname)
            genre_info[code] = (vi, en, pos)
    judge_panel: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for pid, uid, name in db.session.execute(
        sa.select(panel_judges.c.panel_id, User.id, User.full_name)
        .join(User, User.id == panel_judges.c.user_id)
        .join(Panel, Panel.id == panel_judges.c.panel_id).where(Panel.round_id == rnd.id)
    ):
        judge_panel[uid].append(pid)
        names[uid] = name

    # Every active assignment with its sheet's state: one query.
    owed = db.session.execute(
        sa.select(Assignment.judge_id, Entry.genre_id, ScoreSheet.status,
                  ScoreSheet.submitted_at)
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == rnd.id, Assignment.status == Assignment.ACTIVE)
    ).all()
    needed: dict[int, int] = defaultdict(int)
    done_on: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    judge_left: dict[int, int] = defaultdict(int)
    for judge_id, genre_id, status, submitted_at in owed:
        submitted = status == ScoreSheet.SUBMITTED
        if not submitted:
            judge_left[judge_id] += 1
        for pid in genre_panels.get(genre_id, []):
            needed[pid] += 1
            if submitted:
                day = _local(submitted_at, tz) or first
                index = min(max((day - first).days, 0), len(days) - 1)
                done_on[pid][index] += 1
    progress = []
    for pid, pname in panels.items():
        running, series = needed[pid], []
        for i in range(len(days)):
            running -= done_on[pid][i]
            series.append(running)
        progress.append(PanelProgress(pid, pname, needed[pid],
                                      sum(done_on[pid].values()), series))

    # Scores, flags and judge statistics as the results area computes them: two queries.
    results = compute_round(rnd, with_agreement=with_agreement)
    panel_totals: dict[str, list[float]] = {name: [] for name in panels.values()}
    judge_totals: dict[int, list[float]] = defaultdict(list)
    for s in results.sheets:
        row = results.rows.get(s.entry_id)
        judge_totals[s.judge_id].append(s.total)
        for pname in code_panels.get(row.genre_code if row else "", []):
            panel_totals[pname].append(s.total)
    judges = []
    for uid in sorted(set(names) | set(results.judges),
                      key=lambda u: (names.get(u, ""), u)):
        st = results.judges.get(uid)
        judges.append(JudgeRow(
            uid, names.get(uid, f"#{uid}"),
            ", ".join(panels[p] for p in judge_panel.get(uid, [])),
            st.n if st else 0, st.mean if st else None, st.bias if st else None,
            st.flags if st else 0, sorted(judge_totals.get(uid, [])), judge_left.get(uid, 0)))

    # The final round's proposal marks the prize thresholds: one query for the levels.
    is_final = rnd.position == db.session.scalar(
        sa.select(sa.func.max(Round.position)).where(Round.contest_id == contest.id))
    thresholds: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    if is_final:
        levels = list(db.session.scalars(
            sa.select(PrizeLevel).where(PrizeLevel.contest_id == contest.id)
            .order_by(PrizeLevel.position).options(so.selectinload(PrizeLevel.quotas))))
        propose(results, contest=contest, levels=levels, genres=list(contest.genres))
        lowest: dict[tuple[str, str], float] = {}
        for row in results.rows.values():
            if row.proposed and row.value is not None:
                key = (row.genre_code, row.proposed)
                lowest[key] = min(lowest.get(key, row.value), row.value)
        for pl in levels:
            for (code, level), value in lowest.items():
                if level == pl.code:
                    thresholds[code].append((pl.code, pl.name_vi, value))
    values: dict[str, list[float]] = defaultdict(list)
    for row in results.rows.values():
        if row.value is not None:
            values[row.genre_code].append(row.value)
    genre_scores = [GenreScores(code, vi, en, sorted(values.get(code, [])), thresholds[code])
                    for code, (vi, en, _pos) in sorted(genre_info.items(),
                                                       key=lambda kv: kv[1][2])]
    disputes = sum(1 for r in results.rows.values() if r.dispute is not None)
    return RoundStats(rnd.id, days, today_index, progress, panel_totals, judges, genre_scores,
                      flags=len(results.flags), disputes=disputes, is_final=is_final,
                      agreement=[(p.name, w) for p, w in results.agreement])


def bands(values: list[float], *, low: float, high: float) -> list[tuple[int, float, float]]:
    """Counts per BAND-point band from low to high: (count, start, end)."""
    start = BAND * int(low // BAND)
    out = []
    edge = start
    while edge < high or not out:
        end = edge + BAND
        last = end >= high
        n = sum(1 for v in values if edge <= v < end or (last and v == end))
        out.append((n, float(edge), float(end)))
        edge = end
    return out
