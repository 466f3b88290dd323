"""The numbers behind the edition dashboard: entries over time, where they come from, the
funnel from received to the national award, ineligibility reasons and storage.

Every function runs a fixed number of queries whatever the number of entries (the counts
are stated on each), so a page of charts costs the same for 20 entries and for 2,000.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Award,
    Contest,
    Entry,
    EntryAuthor,
    EntryFile,
    Genre,
    Round,
    RoundEntry,
)

# Agencies beyond this many (by number of entries) are summed into one "other" row.
TOP_AGENCIES = 12


@dataclass
class Timeline:
    """Submissions per local day, counted back from the deadline's day (0 = that day)."""

    offsets: list[int]  # days before the deadline, high to low (e.g. 30 … 0)
    per_day: dict[str, list[int]]  # genre code -> count per offset, aligned with offsets
    cumulative: list[int]
    previous: list[int] | None = None  # the previous edition's cumulative on the same axis
    previous_label: str = ""


@dataclass
class EditionStats:
    """What the dashboard and the closing report show about one edition."""

    contest_id: int
    genres: list[tuple[str, str, str]]  # (code, name_vi, name_en) in edition order
    timeline: Timeline
    drafts: int = 0
    drafts_by_genre: dict[str, int] = field(default_factory=dict)
    received: int = 0  # submitted, not withdrawn
    withdrawn: int = 0
    by_genre: dict[str, int] = field(default_factory=dict)
    by_genre_form: dict[tuple[str, str], int] = field(default_factory=dict)
    by_agency: list[tuple[str, int]] = field(default_factory=list)  # "" = not stated
    agencies: int = 0  # distinct stated agencies
    eligible: int = 0
    ineligible: int = 0
    pending: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)
    rounds: list[tuple[int, int, str, str, int]] = field(default_factory=list)  # id, pos, vi, en, n
    prizes: int = 0
    prizes_by_level: dict[str, int] = field(default_factory=dict)
    forwarded: int = 0
    files_verified: int = 0
    files_uploading: int = 0
    files_rejected: int = 0
    bytes_stored: int = 0

    @property
    def funnel(self) -> list[tuple[str, int]]:
        """received → eligible → round 1 → final round → prizes → national award."""
        first = self.rounds[0][-1] if self.rounds else 0
        final = self.rounds[-1][-1] if len(self.rounds) > 1 else first
        return [("received", self.received), ("eligible", self.eligible),
                ("round1", first), ("final", final), ("prizes", self.prizes),
                ("forwarded", self.forwarded)]


def _local_day(value: datetime, tz: ZoneInfo) -> date:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).date()


def normalize_reason(text: str) -> str:
    """Reasons typed by hand group together when they differ only in case, spaces or a
    final full stop."""
    return re.sub(r"\s+", " ", text or "").strip().rstrip(".").strip()


def previous_edition(contest: Contest) -> sa.ScalarSelect:
    """The same province's (or organizing body's) latest edition of an earlier year."""
    same_place = (Contest.province == contest.province) if contest.province else (
        Contest.organizing_body == contest.organizing_body)
    return (sa.select(Contest.id).where(same_place, Contest.year < contest.year,
                                        Contest.id != contest.id)
            .order_by(Contest.year.desc(), Contest.id.desc()).limit(1).scalar_subquery())


def previous_contest(contest: Contest) -> Contest | None:
    """The edition compared with this one (see previous_edition), or None."""
    return db.session.scalar(sa.select(Contest).where(Contest.id == previous_edition(contest)))


def _agency_of():
    """The lead author's workplace (the first named author when none is marked lead)."""
    return (sa.select(EntryAuthor.workplace).where(EntryAuthor.entry_id == Entry.id)
            .order_by((EntryAuthor.role != EntryAuthor.LEAD), EntryAuthor.position,
                      EntryAuthor.id)
            .limit(1).correlate(Entry).scalar_subquery())


def edition_stats(contest: Contest) -> EditionStats:
    """The dashboard's numbers for one edition, in six queries.

    Received means submitted and not withdrawn; drafts are drafts still open (deleted
    drafts are not counted). Prizes and forwarded works count the organizer's recorded
    decisions (every prize once the results are published). Files "uploading" are still
    being uploaded or checked by the server.
    """
    tz = ZoneInfo(contest.timezone or "Asia/Ho_Chi_Minh")
    genres = [(c, vi, en) for c, vi, en in db.session.execute(
        sa.select(Genre.code, Genre.name_vi, Genre.name_en)
        .where(Genre.contest_id == contest.id).order_by(Genre.position, Genre.id))]
    rows = db.session.execute(
        sa.select(Entry.status, Entry.eligibility, Entry.eligibility_reason, Genre.code,
                  Entry.form, Entry.submitted_at, _agency_of())
        .join(Genre, Genre.id == Entry.genre_id)
        .where(Entry.contest_id == contest.id, Entry.status != Entry.DELETED)
    ).all()
    close_day = _local_day(contest.submission_closes, tz)
    open_day = _local_day(contest.submission_opens, tz)
    span = max((close_day - open_day).days, 0)
    stats = EditionStats(contest.id, genres, Timeline([], {}, []))
    per_offset: dict[str, Counter] = defaultdict(Counter)
    agencies: Counter = Counter()
    reasons: Counter = Counter()
    reason_text: dict[str, str] = {}
    by_genre: Counter = Counter()
    by_form: Counter = Counter()
    drafts: Counter = Counter()
    for status, eligibility, reason, code, form, submitted_at, agency in rows:
        if status == Entry.DRAFT:
            stats.drafts += 1
            drafts[code] += 1
            continue
        if status == Entry.WITHDRAWN:
            stats.withdrawn += 1
            continue
        if status != Entry.SUBMITTED:
            continue
        stats.received += 1
        by_genre[code] += 1
        by_form[(code, form)] += 1
        agencies[(agency or "").strip()] += 1
        if eligibility == Entry.ELIGIBLE:
            stats.eligible += 1
        elif eligibility == Entry.INELIGIBLE:
            stats.ineligible += 1
            key = normalize_reason(reason).casefold()
            reasons[key] += 1
            # One spelling per group whatever the row order: capitals sort first.
            text = normalize_reason(reason)
            reason_text[key] = min(reason_text.get(key, text), text)
        else:
            stats.pending += 1
        if submitted_at is not None:
            offset = (close_day - _local_day(submitted_at, tz)).days
            span = max(span, offset)
            per_offset[code][max(offset, 0)] += 1
    offsets = list(range(span, -1, -1))
    stats.timeline = Timeline(
        offsets, {c: [per_offset[c][o] for o in offsets] for c, _vi, _en in genres}, [])
    running = 0
    for o in offsets:
        running += sum(per_offset[c][o] for c in per_offset)
        stats.timeline.cumulative.append(running)
    stats.drafts_by_genre = dict(drafts)
    stats.by_genre = {c: by_genre[c] for c, _vi, _en in genres}
    stats.by_genre_form = dict(by_form)
    ranked = sorted(agencies.items(), key=lambda kv: (-kv[1], kv[0] == "", kv[0]))
    stats.agencies = sum(1 for name, _n in ranked if name)
    stats.by_agency = ranked
    stats.reasons = sorted(((reason_text[k], n) for k, n in reasons.items()),
                           key=lambda kv: (-kv[1], kv[0]))

    stats.rounds = [(rid, pos, vi, en, int(n)) for rid, pos, vi, en, n in db.session.execute(
        sa.select(Round.id, Round.position, Round.name_vi, Round.name_en,
                  sa.func.count(RoundEntry.id))
        .outerjoin(RoundEntry, RoundEntry.round_id == Round.id)
        .where(Round.contest_id == contest.id)
        .group_by(Round.id, Round.position, Round.name_vi, Round.name_en)
        .order_by(Round.position))]
    for level, forwarded, n in db.session.execute(
        sa.select(Award.level, Award.forwarded, sa.func.count(Award.id))
        .join(Entry, Entry.id == Award.entry_id)
        .where(Award.contest_id == contest.id, Entry.status == Entry.SUBMITTED)
        .group_by(Award.level, Award.forwarded)
    ):
        if level:
            stats.prizes += n
            stats.prizes_by_level[level] = stats.prizes_by_level.get(level, 0) + n
        if forwarded:
            stats.forwarded += n
    for status, n, size in db.session.execute(
        sa.select(EntryFile.status, sa.func.count(EntryFile.id),
                  sa.func.coalesce(sa.func.sum(EntryFile.size), 0))
        .join(Entry, Entry.id == EntryFile.entry_id)
        .where(Entry.contest_id == contest.id).group_by(EntryFile.status)
    ):
        if status == EntryFile.VERIFIED:
            stats.files_verified, stats.bytes_stored = n, int(size)
        elif status == EntryFile.UPLOADING:
            stats.files_uploading = n
        elif status == EntryFile.REJECTED:
            stats.files_rejected = n
    _previous_timeline(contest, stats.timeline, tz)
    return stats


def _previous_timeline(contest: Contest, timeline: Timeline, tz: ZoneInfo) -> None:
    """The previous edition's cumulative submissions on this edition's axis (one query)."""
    prev = previous_edition(contest)
    rows = db.session.execute(
        sa.select(Contest.name, Contest.year, Contest.submission_closes, Entry.submitted_at)
        .outerjoin(Entry, sa.and_(Entry.contest_id == Contest.id,
                                  Entry.status == Entry.SUBMITTED))
        .where(Contest.id == prev)
    ).all()
    if not rows:
        return
    name, year, closes = rows[0][0], rows[0][1], rows[0][2]
    close_day = _local_day(closes, tz)
    counts: Counter = Counter()
    before = 0  # earlier than this edition's axis starts
    axis_start = timeline.offsets[0] if timeline.offsets else 0
    for *_head, submitted_at in rows:
        if submitted_at is None:
            continue
        offset = max((close_day - _local_day(submitted_at, tz)).days, 0)
        if offset > axis_start:
            before += 1
        else:
            counts[offset] += 1
    running = before
    timeline.previous = []
    for o in timeline.offsets:
        running += counts[o]
        timeline.previous.append(running)
    timeline.previous_label = f"{name} ({year})"
