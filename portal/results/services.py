"""Results: a round's aggregates, ranking and prize proposal; the organizer's decisions;
publication as immutable, hashed snapshots; what entrants see of their own result.

Tie-breaks are configured per round in ``Round.tiebreak_criteria``: comma-separated criterion
codes of that round's rubric. Entries with equal aggregates are ordered by the higher mean
value on the first code, then the next; entries equal on all of them stay tied (same rank)
and a tie across a prize boundary is reported to the organizer, never settled silently.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from judging.aggregation import (
    Dispute,
    EntryAggregate,
    Flag,
    JudgeStats,
    Sheet,
    aggregate,
    disagreement,
    judge_stats,
    kendalls_w,
)
from judging.prizes import SPECIAL_GENRE, Level, PrizeProposal, propose_prizes, published_name
from judging.ranking import Ranked, RankItem, rank
from judging.rubric import Criterion as RubricCriterion
from judging.rubric import score_scale
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Assignment,
    Award,
    CategoryAward,
    Contest,
    Criterion,
    Entry,
    EntryFile,
    FileSlot,
    Genre,
    Panel,
    PrizeCategory,
    PrizeLevel,
    ResultSnapshot,
    Round,
    RoundEntry,
    Score,
    ScoreSheet,
    User,
    panel_genres,
)

# Scores are rounded to this many decimals before ranking so float noise never splits a tie.
RANK_DIGITS = 4


class ResultsError(DomainError):
    status = 422


# ---------------------------------------------------------------------------- loading


def final_round(contest: Contest) -> Round | None:
    """The last round of the edition (highest position), or None when it has none."""
    return db.session.scalar(
        sa.select(Round).where(Round.contest_id == contest.id)
        .order_by(Round.position.desc()).limit(1)
    )


def rounds_of(contest: Contest) -> list[Round]:
    return list(db.session.scalars(
        sa.select(Round).where(Round.contest_id == contest.id).order_by(Round.position)
        .options(so.selectinload(Round.criteria))
    ))


def tiebreak_codes(round_: Round) -> list[str]:
    return [c.strip() for c in (round_.tiebreak_criteria or "").split(",") if c.strip()]


def load_sheets(round_: Round, *, criteria: list[str] | tuple[str, ...] = ()) -> list[Sheet]:
    """Every submitted sheet of the round's active assignments, in one query (plus one for
    the named criteria's values when asked). Recused or missing sheets are simply absent."""
    # Core execution and a float cast: no ORM rows, no Decimal objects for 70,000 sheets.
    db.session.flush()  # Core execution does not autoflush
    rows = db.session.connection().execute(
        sa.select(Assignment.entry_id, Assignment.judge_id, sa.cast(ScoreSheet.total, sa.Float))
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.status == Assignment.ACTIVE,
               ScoreSheet.status == ScoreSheet.SUBMITTED, ScoreSheet.total.is_not(None))
    ).all()
    values: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    if criteria:
        for entry_id, judge_id, code, value in db.session.execute(
            sa.select(Assignment.entry_id, Assignment.judge_id, Criterion.code, Score.value)
            .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .where(Assignment.round_id == round_.id, Assignment.status == Assignment.ACTIVE,
                   ScoreSheet.status == ScoreSheet.SUBMITTED, Criterion.code.in_(criteria))
        ):
            values[(entry_id, judge_id)][code] = float(value)
    empty: dict[str, float] = {}
    return [Sheet(e, j, t, values.get((e, j), empty)) for e, j, t in rows]


# ---------------------------------------------------------------------------- computing


@dataclass
class EntryResult:
    """One entry of a round: its aggregate, completeness, rank and proposed level."""

    entry_id: int
    reference: str
    title: str
    genre_code: str
    value: float | None = None
    n_sheets: int = 0
    complete: bool = False
    accepted_reason: str = ""
    rank: int | None = None
    tied: bool = False
    tiebreak: tuple[float, ...] = ()
    flags: list[Flag] = field(default_factory=list)
    dispute: Dispute | None = None
    proposed: str | None = None
    award: Award | None = None

    @property
    def rankable(self) -> bool:
        return self.value is not None and (self.complete or bool(self.accepted_reason))

    @property
    def level(self) -> str | None:
        """The organizer's level when they changed it (with a reason), else the proposal."""
        if self.award is not None and self.award.change_reason:
            return self.award.level
        return self.proposed

    @property
    def changed(self) -> bool:
        return self.award is not None and bool(self.award.change_reason)

    @property
    def forwarded(self) -> bool:
        return self.award is not None and self.award.forwarded


@dataclass(frozen=True)
class BoundaryTie:
    """Entries tied across a prize boundary: the organizer must decide."""

    genre_code: str
    level_code: str
    entry_ids: tuple[int, ...]
    score: float
    places: int


@dataclass
class RoundResults:
    round: Round
    rows: dict[int, EntryResult]
    sheets: list[Sheet]
    flags: list[Flag]
    judges: dict[int, JudgeStats]
    agreement: list[tuple[Panel, float | None]]
    proposal: PrizeProposal | None = None
    ties: list[BoundaryTie] = field(default_factory=list)

    def by_genre(self, genres: list[Genre]) -> list[tuple[Genre, list[EntryResult]]]:
        """Per genre (edition order): ranked entries first by rank, then the unranked."""
        groups: dict[str, list[EntryResult]] = defaultdict(list)
        for row in self.rows.values():
            groups[row.genre_code].append(row)
        out = []
        for genre in genres:
            rows = groups.get(genre.code, [])
            rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.reference, r.entry_id))
            out.append((genre, rows))
        return out

    def unresolved_ties(self) -> list[BoundaryTie]:
        return [t for t in self.ties
                if any(not self.rows[e].changed for e in t.entry_ids if e in self.rows)]


def _scale(round_: Round) -> tuple[float, float]:
    """The weighted scale the sheet totals are on (zscore maps back into it)."""
    return score_scale([RubricCriterion(c.code, c.max_score, c.step, c.weight)
                        for c in round_.criteria])


def compute_round(round_: Round, *, with_agreement: bool = True) -> RoundResults:
    """Aggregate, flag, rank (per genre) one round; no prize proposal (see review_results)."""
    codes = tiebreak_codes(round_)
    sheets = load_sheets(round_, criteria=codes)
    aggregates: dict[int, EntryAggregate] = aggregate(
        sheets, method=round_.aggregation, k=round_.judges_per_entry,
        trim_min=round_.trim_min_sheets, scale=_scale(round_),
    )
    flags, disputes = disagreement(sheets, float(round_.disagreement_threshold))
    rows: dict[int, EntryResult] = {}
    for entry_id, reason, genre_code, reference, title in db.session.execute(
        sa.select(RoundEntry.entry_id, RoundEntry.accepted_incomplete_reason, Genre.code,
                  Entry.reference, Entry.title)
        .join(Entry, Entry.id == RoundEntry.entry_id).join(Genre, Genre.id == Entry.genre_id)
        .where(RoundEntry.round_id == round_.id)
    ):
        agg = aggregates.get(entry_id)
        rows[entry_id] = EntryResult(
            entry_id=entry_id, reference=reference or "", title=title, genre_code=genre_code,
            value=agg.value if agg else None, n_sheets=agg.n_sheets if agg else 0,
            complete=agg.complete if agg else False, accepted_reason=reason or "",
        )
    for flag in flags:
        if flag.entry_id in rows:
            rows[flag.entry_id].flags.append(flag)
    for dispute in disputes:
        if dispute.entry_id in rows:
            rows[dispute.entry_id].dispute = dispute
    tiebreaks = _tiebreaks(sheets, codes)
    ranked = rank([
        RankItem(r.entry_id, r.genre_code,
                 round(r.value, RANK_DIGITS) if r.rankable else None,
                 tiebreaks.get(r.entry_id, ()))
        for r in rows.values()
    ])
    for item in ranked:
        row = rows[item.entry_id]
        row.rank, row.tied, row.tiebreak = item.rank, item.tied, item.tiebreak
    agreement = _agreement(round_, sheets, rows) if with_agreement else []
    return RoundResults(round_, rows, sheets, flags, judge_stats(sheets, flags), agreement)


def _tiebreaks(sheets: list[Sheet], codes: list[str]) -> dict[int, tuple[float, ...]]:
    if not codes:
        return {}
    sums: dict[int, list[list[float]]] = defaultdict(lambda: [[] for _ in codes])
    for s in sheets:
        for i, code in enumerate(codes):
            if code in s.criteria:
                sums[s.entry_id][i].append(s.criteria[code])
    return {
        entry_id: tuple(round(math.fsum(v) / len(v), RANK_DIGITS) if v else 0.0 for v in lists)
        for entry_id, lists in sums.items()
    }


def _agreement(round_: Round, sheets: list[Sheet], rows: dict[int, EntryResult]):
    panels = list(db.session.scalars(
        sa.select(Panel).where(Panel.round_id == round_.id).order_by(Panel.position)
    ))
    genre_panel: dict[str, list[int]] = defaultdict(list)
    for panel_id, code in db.session.execute(
        sa.select(panel_genres.c.panel_id, Genre.code)
        .join(Genre, Genre.id == panel_genres.c.genre_id)
        .join(Panel, Panel.id == panel_genres.c.panel_id).where(Panel.round_id == round_.id)
    ):
        genre_panel[code].append(panel_id)
    per_panel: dict[int, list[Sheet]] = defaultdict(list)
    for s in sheets:
        row = rows.get(s.entry_id)
        for panel_id in genre_panel.get(row.genre_code if row else "", []):
            per_panel[panel_id].append(s)
    return [(p, kendalls_w(per_panel.get(p.id, []))) for p in panels]


def _levels(contest: Contest) -> list[PrizeLevel]:
    return list(db.session.scalars(
        sa.select(PrizeLevel).where(PrizeLevel.contest_id == contest.id)
        .order_by(PrizeLevel.position).options(so.selectinload(PrizeLevel.quotas))
    ))


def _genres(contest: Contest) -> list[Genre]:
    return list(db.session.scalars(
        sa.select(Genre).where(Genre.contest_id == contest.id).order_by(Genre.position)
    ))


def _awards(contest: Contest) -> dict[int, Award]:
    return {a.entry_id: a for a in db.session.scalars(
        sa.select(Award).where(Award.contest_id == contest.id))}


def propose(results: RoundResults, *, contest: Contest, levels: list[PrizeLevel],
            genres: list[Genre]) -> PrizeProposal:
    """Run the prize rules over a computed round with the edition's quotas and minimums."""
    code_of = {g.id: g.code for g in genres}

    def level(pl: PrizeLevel) -> Level:
        return Level(pl.code, float(pl.min_score) if pl.min_score is not None else None)

    special = next((pl for pl in levels if pl.is_special), None)
    regular = [pl for pl in levels if not pl.is_special]
    quotas = {(code_of[q.genre_id], pl.code): q.quota
              for pl in regular for q in pl.quotas if q.genre_id in code_of}
    ranked = [Ranked(r.entry_id, r.genre_code,
                     round(r.value, RANK_DIGITS) if r.rankable else None,
                     r.rank, r.tied, r.tiebreak) for r in results.rows.values()]
    proposal = propose_prizes(
        ranked, levels=[level(pl) for pl in regular], quotas=quotas,
        special=level(special) if special else None,
        special_count=contest.special_prize_count if special else 0,
        allow_transfer=contest.allow_quota_transfer,
    )
    for entry_id, code in proposal.awards.items():
        results.rows[entry_id].proposed = code
    results.proposal = proposal
    results.ties = [
        BoundaryTie(p.field or SPECIAL_GENRE, str(p.params["level"]),
                    tuple(int(x) for x in str(p.params["entries"]).split(", ")),
                    float(p.params["score"]), int(p.params["places"]))
        for p in proposal.ties
    ]
    return proposal


@dataclass
class Review:
    """Everything the review page, publication and exports need about the final round."""

    contest: Contest
    round: Round | None
    results: RoundResults | None
    genres: list[Genre]
    levels: list[PrizeLevel]
    judge_names: dict[int, str]

    def level_name(self, code: str | None, lang: str = "vi") -> str:
        for pl in self.levels:
            if pl.code == code:
                return (pl.name_en if lang == "en" else pl.name_vi) or pl.name_vi
        return ""

    def forwarded_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        if self.results:
            for row in self.results.rows.values():
                if row.forwarded:
                    counts[row.genre_code] += 1
        return counts


def review_results(contest: Contest, *, with_agreement: bool = True) -> Review:
    """The final round computed, proposed and merged with the organizer's decisions.

    A fixed number of queries whatever the number of entries."""
    round_ = final_round(contest)
    genres = _genres(contest)
    levels = _levels(contest)
    if round_ is None:
        return Review(contest, None, None, genres, levels, {})
    results = compute_round(round_, with_agreement=with_agreement)
    propose(results, contest=contest, levels=levels, genres=genres)
    for entry_id, award in _awards(contest).items():
        if entry_id in results.rows:
            results.rows[entry_id].award = award
    judge_ids = set(results.judges)
    names = dict(db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(judge_ids))
    ).all()) if judge_ids else {}
    return Review(contest, round_, results, genres, levels, names)


# ---------------------------------------------------------------------------- decisions


def _round_entry(round_: Round, entry: Entry) -> RoundEntry:
    re_ = db.session.scalar(sa.select(RoundEntry).where(
        RoundEntry.round_id == round_.id, RoundEntry.entry_id == entry.id))
    if re_ is None:
        raise ResultsError(_("This entry is not in the final round."))
    return re_


def _award_for(contest: Contest, entry: Entry) -> Award:
    award = db.session.scalar(sa.select(Award).where(
        Award.contest_id == contest.id, Award.entry_id == entry.id))
    if award is None:
        award = Award(contest_id=contest.id, entry_id=entry.id, change_reason="",
                      forwarded=False, forward_reason="")
        db.session.add(award)
    return award


def _award_state(award: Award) -> dict:
    return {"proposed_level": award.proposed_level, "level": award.level,
            "change_reason": award.change_reason or "", "forwarded": bool(award.forwarded),
            "forward_reason": award.forward_reason or ""}


def set_level(contest: Contest, entry: Entry, *, level_code: str | None, reason: str,
              actor: User, now: datetime) -> Award:
    """Record the organizer's level for an entry (None = no prize), with a required reason;
    the current proposal is stored next to it.

    Raises ResultsError for an unknown level, a missing reason or an entry outside the
    final round."""
    review = review_results(contest, with_agreement=False)
    if review.round is None:
        raise ResultsError(_("This edition has no judging round yet."))
    _round_entry(review.round, entry)
    proposed = review.results.rows[entry.id].proposed
    reason = (reason or "").strip()
    if not reason:
        raise ResultsError(_("Give the reason for changing the prize level."))
    codes = {pl.code for pl in review.levels}
    if level_code is not None and level_code not in codes:
        raise ResultsError(_("Unknown prize level: %(code)s.", code=level_code))
    award = _award_for(contest, entry)
    before = _award_state(award) if award.id else None
    award.proposed_level = proposed
    award.level = level_code
    award.change_reason = reason
    award.updated_at = now
    db.session.flush()
    audit.record("result.level_changed", actor=actor, contest=contest, entry=entry, obj=award,
                 before=before, after=_award_state(award))
    return award


def set_forwarded(contest: Contest, entry: Entry, *, forwarded: bool, reason: str,
                  actor: User, now: datetime) -> Award:
    """Select (or unselect) a work of the final round to send to the national award.

    The selection has any size, prize winners or not. Raises ResultsError when the edition
    wants a reason for each work sent (Contest.national_reason_required) and none is given."""
    round_ = final_round(contest)
    if round_ is None:
        raise ResultsError(_("This edition has no judging round yet."))
    _round_entry(round_, entry)
    if forwarded and contest.national_reason_required and not (reason or "").strip():
        raise ResultsError(_("Give the reason for sending this work to the national award."))
    award = _award_for(contest, entry)
    before = _award_state(award) if award.id else None
    award.forwarded = forwarded
    award.forward_reason = (reason or "").strip()
    award.updated_at = now
    db.session.flush()
    audit.record("result.forwarded" if forwarded else "result.unforwarded", actor=actor,
                 contest=contest, entry=entry, obj=award, before=before,
                 after=_award_state(award))
    return award


def set_prize_shares(contest: Contest, entry: Entry, *, shares: dict[int, Decimal | None],
                     actor: User) -> None:
    """Record how the group splits the work's prize money, in percent per author
    (EntryAuthor.id -> share); every share empty means an equal split.

    Raises ResultsError unless all are empty or all are given, 0 to 100, adding up to 100."""
    if entry.contest_id != contest.id:
        raise ResultsError(_("This entry is not in the final round."))
    values = [shares.get(a.id) for a in entry.authors]
    given = [v for v in values if v is not None]
    if given and (len(given) != len(values) or sum(given) != 100
                  or any(v < 0 or v > 100 for v in given)):
        raise ResultsError(_("Give every author a share, each from 0 to 100, adding up to "
                             "100; or leave them all empty for an equal split."))
    before = {str(a.id): a.prize_share for a in entry.authors}
    for author, value in zip(entry.authors, values, strict=True):
        author.prize_share = value
    db.session.flush()
    audit.record("result.prize_shares_set", actor=actor, contest=contest, entry=entry,
                 obj=entry, before=before, after={str(a.id): a.prize_share
                                                  for a in entry.authors})


def accept_incomplete(contest: Contest, entry: Entry, *, reason: str, actor: User) -> RoundEntry:
    """Let an entry with fewer than k sheets be ranked, for a stated reason."""
    round_ = final_round(contest)
    if round_ is None:
        raise ResultsError(_("This edition has no judging round yet."))
    round_entry = _round_entry(round_, entry)
    reason = (reason or "").strip()
    if not reason:
        raise ResultsError(_("Give the reason for accepting an incomplete entry."))
    before = {"accepted_incomplete_reason": round_entry.accepted_incomplete_reason}
    round_entry.accepted_incomplete_reason = reason
    db.session.flush()
    audit.record("result.incomplete_accepted", actor=actor, contest=contest, entry=entry,
                 obj=round_entry, before=before, after={"accepted_incomplete_reason": reason})
    return round_entry


def record_decision(contest: Contest, *, number: str, decided_on: date, actor: User) -> None:
    """Store the decision (quyết định) number and date that the published list rests on."""
    number = (number or "").strip()
    if not number:
        raise ResultsError(_("Enter the decision number."))
    before = {"decision_number": contest.decision_number,
              "decision_date": contest.decision_date}
    contest.decision_number = number
    contest.decision_date = decided_on
    db.session.flush()
    audit.record("result.decision_recorded", actor=actor, contest=contest, obj=contest,
                 before=before, after={"decision_number": number, "decision_date": decided_on})


def set_tiebreak(round_: Round, *, codes: list[str], actor: User) -> None:
    """Set the criterion codes that break ranking ties; each must be in the round's rubric."""
    known = {c.code for c in round_.criteria}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ResultsError(_("Unknown criterion code(s): %(codes)s. Use: %(known)s.",
                             codes=", ".join(unknown), known=", ".join(sorted(known))))
    before = {"tiebreak_criteria": round_.tiebreak_criteria}
    round_.tiebreak_criteria = ",".join(codes)
    db.session.flush()
    audit.record("result.tiebreak_set", actor=actor, contest=round_.contest, obj=round_,
                 before=before, after={"tiebreak_criteria": round_.tiebreak_criteria})


# ---------------------------------------------------------------------------- publication


def form_text(genre: Genre, entry: Entry, photos: int) -> tuple[str, str]:
    """The published "form" of a work, e.g. ("Phóng sự 5 kỳ", "series of 5 parts")."""
    count = photos if photos > 1 else (entry.parts_count if entry.form == Entry.SERIES else 1)
    if count <= 1:
        return "", ""
    noun = "photos" if photos > 1 else "parts"
    return (f"{genre.series_word_vi} {count} {genre.part_word_vi}".strip(),
            f"series of {count} {noun}")


def _photo_counts(entry_ids: list[int]) -> dict[int, int]:
    if not entry_ids:
        return {}
    return dict(db.session.execute(
        sa.select(EntryFile.entry_id, sa.func.count(EntryFile.id))
        .join(FileSlot, FileSlot.id == EntryFile.slot_id)
        .where(EntryFile.entry_id.in_(entry_ids), FileSlot.kind == "photo",
               EntryFile.status == EntryFile.VERIFIED)
        .group_by(EntryFile.entry_id)
    ).all())


def published_rows(review: Review) -> tuple[list[dict], list[dict]]:
    """The public prize list (by level, then genre) and forwarded list (by genre).

    Only public fields: level, title, genre and form, authors' pen names, press agency."""
    results = review.results
    if results is None:
        return [], []
    wanted = [r.entry_id for r in results.rows.values() if r.level or r.forwarded]
    entries = {e.id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.id.in_(wanted))
        .options(so.selectinload(Entry.authors), so.selectinload(Entry.parts))
    )} if wanted else {}
    photos = _photo_counts(wanted)
    genres = {g.code: g for g in review.genres}
    genre_pos = {g.code: i for i, g in enumerate(review.genres)}
    level_pos = {pl.code: i for i, pl in enumerate(review.levels)}

    def row(r: EntryResult) -> dict:
        entry, genre = entries[r.entry_id], genres[r.genre_code]
        form_vi, form_en = form_text(genre, entry, photos.get(r.entry_id, 0))
        outlets = list(dict.fromkeys(p.outlet for p in entry.parts if p.outlet))
        return {
            "reference": r.reference, "title": entry.title,
            "genre": genre.code, "genre_vi": genre.name_vi, "genre_en": genre.name_en,
            "form_vi": form_vi, "form_en": form_en,
            "authors": [published_name(a.full_name, a.pen_name, review.contest.name_style)
                        for a in entry.authors],
            "agency": "; ".join(outlets) or (entry.authors[0].workplace if entry.authors else ""),
            "level": r.level or "", "level_vi": review.level_name(r.level, "vi"),
            "level_en": review.level_name(r.level, "en"),
        }

    prized = sorted((r for r in results.rows.values() if r.level),
                    key=lambda r: (level_pos.get(r.level, 99), genre_pos.get(r.genre_code, 99),
                                   r.rank or 0, r.reference))
    forwarded = sorted((r for r in results.rows.values() if r.forwarded),
                       key=lambda r: (genre_pos.get(r.genre_code, 99), r.rank or 0, r.reference))
    return [row(r) for r in prized], [row(r) for r in forwarded]


def published_categories(contest: Contest, *, with_reasons: bool = False) -> list[dict]:
    """The prize categories and their recipients as published: names and works only; the
    council's reasons only ``with_reasons`` (organizer exports), never in the public list."""
    categories = db.session.scalars(
        sa.select(PrizeCategory).where(PrizeCategory.contest_id == contest.id)
        .order_by(PrizeCategory.position, PrizeCategory.id)
        .options(so.selectinload(PrizeCategory.awards).joinedload(CategoryAward.entry)))
    return [{
        "code": c.code, "name_vi": c.name_vi, "name_en": c.name_en or c.name_vi,
        "recipient": c.recipient,
        "winners": [{"name": a.recipient_name, "title": a.entry.title if a.entry else "",
                     "reference": (a.entry.reference or "") if a.entry else "",
                     **({"reason": a.reason} if with_reasons else {})}
                    for a in c.awards],
    } for c in categories]


def public_summary(contest: Contest, prizes: list[dict]) -> dict:
    """What the public page says above the lists: entries received (submitted, not
    withdrawn) and prize-winning works per medium in the edition's order (one query)."""
    received = db.session.scalar(
        sa.select(sa.func.count(Entry.id))
        .where(Entry.contest_id == contest.id, Entry.status == Entry.SUBMITTED)) or 0
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, tuple[str, str]] = {}
    for p in prizes:
        counts[p["genre"]] += 1
        names[p["genre"]] = (p["genre_vi"], p["genre_en"])
    order = {g.code: g.position for g in contest.genres}
    return {"received": received, "awarded": len(prizes), "by_genre": [
        {"genre": code, "genre_vi": names[code][0], "genre_en": names[code][1], "n": n}
        for code, n in sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))]}


@dataclass(frozen=True)
class ResultLists:
    """The prize and forwarded lists as published_rows gives them; `draft` when they are the
    live decision of an edition not (or no longer) published."""

    prizes: list[dict]
    forwarded: list[dict]
    draft: bool
    version: int | None = None  # the publication snapshot's, when not a draft


def result_lists(contest: Contest, review: Review | None = None) -> ResultLists:
    """The one source of "the published list" for exports: once the edition is published,
    the latest publication snapshot, exactly as frozen; before, the live decision (what
    publishing now would freeze, from `review` when given), marked as a draft."""
    snapshot = latest_snapshot(contest) if contest.status == Contest.PUBLISHED else None
    if snapshot is not None:
        payload = snapshot_payload(snapshot)
        return ResultLists(payload["prizes"], payload["forwarded"], draft=False,
                           version=snapshot.version)
    prizes, forwarded = published_rows(review or review_results(contest, with_agreement=False))
    return ResultLists(prizes, forwarded, draft=True)


def latest_snapshot(contest: Contest) -> ResultSnapshot | None:
    return db.session.scalar(
        sa.select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id)
        .order_by(ResultSnapshot.version.desc()).limit(1)
    )


def publish(contest: Contest, *, actor: User, now: datetime) -> ResultSnapshot:
    """Freeze the current decision into a new snapshot version and mark the edition published.

    Raises ResultsError when there is no final round, no decision number, or a tie across a
    prize boundary the organizer has not settled."""
    review = review_results(contest, with_agreement=False)
    if review.results is None:
        raise ResultsError(_("This edition has no judging round yet."))
    if not contest.decision_number or contest.decision_date is None:
        raise ResultsError(_("Record the decision number and date before publishing."))
    unresolved = review.results.unresolved_ties()
    if unresolved:
        refs = ", ".join(review.results.rows[e].reference for t in unresolved
                         for e in t.entry_ids if e in review.results.rows)
        raise ResultsError(_("Entries %(refs)s are tied across a prize boundary. Set their "
                             "levels (with a reason) before publishing.", refs=refs))
    prizes, forwarded = published_rows(review)
    previous = latest_snapshot(contest)
    version = (previous.version + 1) if previous else 1
    payload = {
        "contest": {"slug": contest.slug, "name": contest.name, "name_en": contest.name_en,
                    "organizing_body": contest.organizing_body, "year": contest.year,
                    "issuing_body": " – ".join(contest.issuing_lines),
                    "number": contest.number},
        "decision": {"number": contest.decision_number,
                     "date": contest.decision_date.isoformat()},
        "version": version,
        "published_at": now.isoformat(),
        "prizes": prizes,
        "categories": published_categories(contest),
        "forwarded": forwarded,
        "summary": public_summary(contest, prizes),
    }
    text = audit.canonical(payload)
    snapshot = ResultSnapshot(
        contest_id=contest.id, version=version, published_at=now, published_by_id=actor.id,
        decision_number=contest.decision_number,
        decision_date=contest.decision_date.isoformat(), payload=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), audit_head=audit.head_hash(),
    )
    db.session.add(snapshot)
    for row in review.results.rows.values():  # freeze the proposal next to the decision
        if row.level or row.forwarded or row.award is not None:
            award = row.award or _award_for(contest, db.session.get(Entry, row.entry_id))
            award.proposed_level = row.proposed
            award.level = row.level
    before_status = contest.status
    contest.status = Contest.PUBLISHED
    db.session.flush()
    audit.record("result.published", actor=actor, contest=contest, obj=snapshot,
                 before={"status": before_status},
                 after={"status": contest.status, "version": version,
                        "sha256": snapshot.sha256, "audit_head": snapshot.audit_head,
                        "prizes": len(prizes), "forwarded": len(forwarded)})
    return snapshot


def snapshot_payload(snapshot: ResultSnapshot) -> dict:
    return json.loads(snapshot.payload)


# ---------------------------------------------------------------------------- entrants


def published_result_for(entries, *, lang: str = "vi") -> dict[int, str]:
    """Each entry's published prize level name, from its edition's latest snapshot.

    Entries of unpublished editions, or without a prize, are absent."""
    entries = list(entries)
    contest_ids = {e.contest_id for e in entries}
    if not contest_ids:
        return {}
    latest = (sa.select(ResultSnapshot.contest_id,
                        sa.func.max(ResultSnapshot.version).label("v"))
              .where(ResultSnapshot.contest_id.in_(contest_ids))
              .group_by(ResultSnapshot.contest_id).subquery())
    snaps = db.session.scalars(sa.select(ResultSnapshot).join(
        latest, sa.and_(latest.c.contest_id == ResultSnapshot.contest_id,
                        latest.c.v == ResultSnapshot.version)))
    by_ref: dict[tuple[int, str], str] = {}
    for snap in snaps:
        for row in snapshot_payload(snap)["prizes"]:
            name = row["level_en"] if lang == "en" and row["level_en"] else row["level_vi"]
            by_ref[(snap.contest_id, row["reference"])] = name
    return {e.id: by_ref[(e.contest_id, e.reference)] for e in entries
            if (e.contest_id, e.reference) in by_ref}


def released_averages_for(entries) -> dict[int, list[tuple[Round, float | None]]]:
    """Per entry, its aggregate in each round, only for published editions that release
    averages (Contest.release_averages)."""
    entries = list(entries)
    published = {e.contest_id for e in entries
                 if e.contest.release_averages and e.contest.status == Contest.PUBLISHED}
    out: dict[int, list[tuple[Round, float | None]]] = defaultdict(list)
    if not published:
        return {}
    wanted = {e.id for e in entries if e.contest_id in published}
    for round_ in db.session.scalars(sa.select(Round).where(Round.contest_id.in_(published))
                                     .order_by(Round.position)
                                     .options(so.selectinload(Round.criteria))):
        values = round_aggregate_values(round_)
        in_round = set(db.session.scalars(sa.select(RoundEntry.entry_id).where(
            RoundEntry.round_id == round_.id, RoundEntry.entry_id.in_(wanted))))
        for entry_id in sorted(in_round):
            out[entry_id].append((round_, values.get(entry_id)))
    return dict(out)


def round_aggregate_values(round_: Round) -> dict[int, float | None]:
    """Entry id -> the round's configured aggregate (Round.aggregation), None for an entry
    with fewer than k sheets that the organizer has not accepted. Two queries; the value is
    judging.aggregation.aggregate's, the same function compute_round uses, so advancement
    and the results review can never disagree on a score."""
    sheets = load_sheets(round_)
    aggregates = aggregate(sheets, method=round_.aggregation, k=round_.judges_per_entry,
                           trim_min=round_.trim_min_sheets, scale=_scale(round_))
    out: dict[int, float | None] = {}
    for entry_id, accepted in db.session.execute(
        sa.select(RoundEntry.entry_id, RoundEntry.accepted_incomplete_reason)
        .where(RoundEntry.round_id == round_.id)
    ):
        agg = aggregates.get(entry_id)
        ok = agg is not None and (agg.complete or bool(accepted))
        out[entry_id] = agg.value if ok else None
    return out
