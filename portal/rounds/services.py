"""Operations behind the organizer's judging screens; they flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from judging.advancement import MinScore, TopN, propose_advancement
from judging.assignment import assign_panels, propose_replacement
from judging.conflicts import Conflict, EntryPeople, Judge, find_conflicts
from judging.eligibility import Person
from judging.problems import Problem
from judging.ranking import RankItem
from judging.reminders import JUDGE_STEPS, judge_reminder_step
from judging.rubric import Criterion as RubricCriterion
from judging.rubric import rubric_max, validate_rubric
from portal import audit, jobs
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_dt, problem_text
from portal.models import (
    Assignment,
    ConflictDeclaration,
    Contest,
    Criterion,
    Entry,
    Genre,
    Membership,
    OutboxMail,
    Panel,
    Round,
    RoundEntry,
    Score,
    ScoreSheet,
    User,
    panel_genres,
)
from portal.outbox import send_mail
from portal.results.services import round_aggregate_values


class RoundError(DomainError):
    status = 422


class RubricFrozen(DomainError):
    status = 409


class ConflictNeedsConfirmation(DomainError):
    """A manual assignment hits a conflict; the organizer must tick the override box."""

    status = 409


def label_problem(p: Problem | Conflict, entry_labels: dict[int, str] | None = None,
                  judge_labels: dict[int, str] | None = None) -> Problem:
    """The judging Problem (or Conflict) as a Problem whose entry and judge ids are replaced
    by references and names."""
    params = dict(p.params)
    if entry_labels and isinstance(params.get("entry"), int):
        params["entry"] = entry_labels.get(params["entry"], params["entry"])
    if judge_labels and isinstance(params.get("judge"), int):
        params["judge"] = judge_labels.get(params["judge"], params["judge"])
    return Problem(p.code, p.message, params, getattr(p, "field", None))


def _state(rnd: Round) -> dict:
    return {
        "name_vi": rnd.name_vi, "name_en": rnd.name_en, "opens_at": rnd.opens_at,
        "closes_at": rnd.closes_at, "status": rnd.status,
        "judges_per_entry": rnd.judges_per_entry, "blind": rnd.blind,
        "aggregation": rnd.aggregation, "trim_min_sheets": rnd.trim_min_sheets,
        "disagreement_threshold": rnd.disagreement_threshold,
        "advance_rule": rnd.advance_rule, "advance_value": rnd.advance_value,
    }


# --- rounds ------------------------------------------------------------------------------

ROUND_FIELDS = (
    "name_vi", "name_en", "opens_at", "closes_at", "judges_per_entry", "blind", "aggregation",
    "trim_min_sheets", "disagreement_threshold", "advance_rule", "advance_value",
)


def contest_rounds(contest: Contest) -> list[Round]:
    return list(db.session.scalars(
        sa.select(Round).where(Round.contest_id == contest.id).order_by(Round.position)
        .options(so.selectinload(Round.criteria))
    ))


def create_round(*, contest: Contest, values: dict, actor) -> Round:
    """Add a round after the edition's last one (status draft); audited."""
    last = db.session.scalar(
        sa.select(sa.func.max(Round.position)).where(Round.contest_id == contest.id)
    )
    rnd = Round(contest=contest, position=(last or 0) + 1, status=Round.DRAFT)
    for name in ROUND_FIELDS:
        setattr(rnd, name, values[name])
    db.session.add(rnd)
    db.session.flush()
    audit.record("round.created", actor=actor, contest=contest, obj=rnd, after=_state(rnd))
    return rnd


def update_round(*, rnd: Round, values: dict, actor) -> Round:
    """Change a round's settings; audited with the before and after values."""
    before = _state(rnd)
    for name in ROUND_FIELDS:
        setattr(rnd, name, values[name])
    db.session.flush()
    audit.record("round.updated", actor=actor, contest=rnd.contest, obj=rnd, before=before,
                 after=_state(rnd))
    return rnd


def set_round_status(*, rnd: Round, status: str, actor, now: datetime) -> Round:
    """Open or close a round; opening needs a valid rubric. Audited."""
    if status not in (Round.OPEN, Round.CLOSED):
        raise RoundError(_("Unknown round status."))
    if status == rnd.status:
        raise RoundError(_("The round is already in that state."))
    if status == Round.OPEN and (not rnd.criteria or validate_rubric(rubric_of(rnd))):
        raise RoundError(_("The rubric has problems; fix it before opening the round."))
    before = rnd.status
    rnd.status = status
    db.session.flush()
    audit.record("round.opened" if status == Round.OPEN else "round.closed", actor=actor,
                 contest=rnd.contest, obj=rnd, before={"status": before},
                 after={"status": status, "at": now})
    return rnd


# --- rubric ------------------------------------------------------------------------------


def rubric_of(rnd: Round) -> list[RubricCriterion]:
    return [RubricCriterion(c.code, Decimal(c.max_score), Decimal(c.step), Decimal(c.weight))
            for c in rnd.criteria]


def rubric_is_frozen(rnd: Round) -> bool:
    """True once any Score was saved against one of the round's criteria."""
    return round_has_scores(db.session, rnd.id)


def round_has_scores(session, round_id: int) -> bool:
    return session.scalar(
        sa.select(sa.exists().where(Score.criterion_id == Criterion.id,
                                    Criterion.round_id == round_id))
    )


@dataclass
class CriterionInput:
    code: str
    name_vi: str
    name_en: str
    description: str
    max_score: Decimal
    step: Decimal
    weight: Decimal


class RubricProblems(DomainError):
    """The rubric failed validation; each problem's `field` is a criterion code."""

    status = 422

    def __init__(self, problems: list[Problem]):
        super().__init__(_("The rubric was not saved: fix the problems below."),
                         problems=problems)


def save_rubric(*, rnd: Round, rows: list[CriterionInput], actor) -> Round:
    """Replace the round's criteria by `rows` (in order). Raises RubricFrozen once a score
    exists, RubricProblems when judging.rubric.validate_rubric finds problems."""
    if rubric_is_frozen(rnd):
        raise RubricFrozen(_("The rubric is frozen: judges have already saved scores in this "
                             "round, so its criteria can no longer change."))
    problems = validate_rubric([RubricCriterion(r.code, r.max_score, r.step, r.weight)
                                for r in rows])
    if problems:
        raise RubricProblems(list(problems))
    before = [_criterion_state(c) for c in rnd.criteria]
    wanted = {r.code for r in rows}
    existing = {c.code: c for c in rnd.criteria}
    for code, crit in existing.items():
        if code not in wanted:
            rnd.criteria.remove(crit)
    db.session.flush()
    for pos, r in enumerate(rows):
        crit = existing.get(r.code)
        if crit is None:
            crit = Criterion(code=r.code)
            rnd.criteria.append(crit)
        crit.position = pos
        crit.name_vi, crit.name_en, crit.description = r.name_vi, r.name_en, r.description
        crit.max_score, crit.step, crit.weight = r.max_score, r.step, r.weight
    rnd.criteria.sort(key=lambda c: c.position)
    db.session.flush()
    audit.record("rubric.saved", actor=actor, contest=rnd.contest, obj=rnd, before={
        "criteria": before}, after={"criteria": [_criterion_state(c) for c in rnd.criteria]})
    return rnd


def _criterion_state(c: Criterion) -> dict:
    return {"code": c.code, "name_vi": c.name_vi, "name_en": c.name_en,
            "max": c.max_score, "step": c.step, "weight": c.weight}


def rubric_maximum(rnd: Round) -> Decimal:
    return rubric_max(rubric_of(rnd))


# --- panels ------------------------------------------------------------------------------


def edition_judges(contest: Contest) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.contest_id == contest.id, Membership.role == Membership.JUDGE)
        .order_by(User.full_name, User.id)
    ))


def round_panels(rnd: Round) -> list[Panel]:
    return list(db.session.scalars(
        sa.select(Panel).where(Panel.round_id == rnd.id).order_by(Panel.position, Panel.id)
        .options(so.selectinload(Panel.genres), so.selectinload(Panel.judges))
    ))


def save_panel(*, rnd: Round, panel: Panel | None, name: str, genre_ids: list[int],
               judge_ids: list[int], actor) -> Panel:
    """Create or change a panel. Each genre may belong to at most one panel of the round;
    judges must hold a judge membership of the edition. Audited."""
    contest = rnd.contest
    genres = {g.id: g for g in contest.genres}
    if not name.strip():
        raise RoundError(_("Give the panel a name."))
    if not genre_ids:
        raise RoundError(_("Choose at least one genre for the panel."))
    unknown = [g for g in genre_ids if g not in genres]
    if unknown:
        raise RoundError(_("Unknown genre."))
    taken = db.session.execute(
        sa.select(panel_genres.c.genre_id, Panel.name)
        .join(Panel, Panel.id == panel_genres.c.panel_id)
        .where(Panel.round_id == rnd.id, panel_genres.c.genre_id.in_(genre_ids),
               Panel.id != (panel.id if panel is not None else -1))
    ).all()
    if taken:
        gid, other = taken[0]
        raise RoundError(_("The genre %(genre)s already belongs to the panel %(panel)s; a "
                           "genre can be in only one panel per round.",
                           genre=genres[gid].name_vi, panel=other))
    judges = {u.id: u for u in edition_judges(contest)}
    if any(j not in judges for j in judge_ids):
        raise RoundError(_("Only judges of this edition can sit on a panel."))
    before = _panel_state(panel) if panel is not None else None
    if panel is None:
        last = max((p.position for p in rnd.panels), default=0)
        panel = Panel(position=last + 1)
        rnd.panels.append(panel)
    panel.name = name.strip()
    panel.genres = [genres[g] for g in genre_ids]
    panel.judges = [judges[j] for j in judge_ids]
    db.session.flush()
    audit.record("panel.saved", actor=actor, contest=contest, obj=panel, before=before,
                 after=_panel_state(panel))
    return panel


def delete_panel(*, panel: Panel, actor) -> None:
    """Remove a panel; refused once the round has assignments."""
    if db.session.scalar(sa.select(sa.func.count(Assignment.id))
                         .where(Assignment.round_id == panel.round_id)):
        raise RoundError(_("The round already has assignments; a panel can no longer be "
                           "removed."))
    state = _panel_state(panel)
    rnd = panel.round
    rnd.panels.remove(panel)
    db.session.flush()
    audit.record("panel.deleted", actor=actor, contest=rnd.contest, before=state)


def _panel_state(panel: Panel) -> dict:
    return {"id": panel.id, "name": panel.name, "genres": [g.code for g in panel.genres],
            "judges": [u.id for u in panel.judges]}


# --- round entries and conflicts ---------------------------------------------------------


def populate_first_round(*, rnd: Round, actor) -> int:
    """Give the first round every submitted, eligible entry (idempotent); return how many
    were added. Later rounds get their entries through advancement."""
    if not is_first_round(rnd):
        raise RoundError(_("Only the first round takes entries directly; later rounds get "
                           "their entries through advancement."))
    present = sa.select(RoundEntry.entry_id).where(RoundEntry.round_id == rnd.id)
    ids = list(db.session.scalars(
        sa.select(Entry.id).where(Entry.contest_id == rnd.contest_id,
                                  Entry.status == Entry.SUBMITTED,
                                  Entry.eligibility == Entry.ELIGIBLE,
                                  Entry.id.not_in(present)).order_by(Entry.id)
    ))
    if ids:
        db.session.execute(sa.insert(RoundEntry),
                           [{"round_id": rnd.id, "entry_id": i} for i in ids])
    audit.record("round.populated", actor=actor, contest=rnd.contest, obj=rnd,
                 after={"added": len(ids)})
    return len(ids)


def round_entries(rnd: Round) -> list[Entry]:
    """The round's entries with their authors, parts and genre loaded."""
    return list(db.session.scalars(
        sa.select(Entry).join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .where(RoundEntry.round_id == rnd.id).order_by(Entry.reference, Entry.id)
        .options(so.selectinload(Entry.authors), so.selectinload(Entry.parts),
                 so.joinedload(Entry.genre), so.joinedload(Entry.agency))
    ))


def entry_label(entry: Entry) -> str:
    return entry.reference or f"#{entry.id}"


def _conflict_inputs(judges: list[User], entries: list[Entry]):
    jj = [Judge(u.id, u.full_name, u.year_of_birth, u.workplace, u.id) for u in judges]
    ee = [EntryPeople(
        e.id,
        tuple(Person(a.full_name, a.year_of_birth, a.user_id, a.workplace) for a in e.authors),
        tuple(p.outlet for p in e.parts if p.outlet),
        e.agency.name if e.agency is not None else "",
    ) for e in entries]
    declared = {}
    if entries and judges:
        for d in db.session.scalars(sa.select(ConflictDeclaration).where(
                ConflictDeclaration.entry_id.in_([e.id for e in entries]),
                ConflictDeclaration.judge_id.in_([u.id for u in judges]))):
            declared[(d.judge_id, d.entry_id)] = d.reason
    return jj, ee, declared


def round_conflicts(rnd: Round, *, judges: list[User] | None = None,
                    entries: list[Entry] | None = None) -> dict:
    """judging.conflicts.find_conflicts over the edition's judges and the round's entries
    (or the given ones), with the judges' declarations."""
    judges = edition_judges(rnd.contest) if judges is None else judges
    entries = round_entries(rnd) if entries is None else entries
    return find_conflicts(*_conflict_inputs(judges, entries))


# --- assignment --------------------------------------------------------------------------


@dataclass
class AssignmentPlan:
    panels: dict[str, tuple[list[int], list[int]]]
    unpaneled: list[Entry]
    entries: dict[int, Entry]
    judges: dict[int, User]


def _plan(rnd: Round) -> AssignmentPlan:
    entries = round_entries(rnd)
    panels = round_panels(rnd)
    genre_panel = {g.id: p for p in panels for g in p.genres}
    groups: dict[str, tuple[list[int], list[int]]] = {
        p.name: ([], [u.id for u in p.judges]) for p in panels}
    unpaneled = []
    for e in entries:
        p = genre_panel.get(e.genre_id)
        if p is None:
            unpaneled.append(e)
        else:
            groups[p.name][0].append(e.id)
    judges = {u.id: u for p in panels for u in p.judges}
    return AssignmentPlan(groups, unpaneled, {e.id: e for e in entries}, judges)


def default_seed(rnd: Round) -> int:
    return rnd.id * 7919 % 100_000


def run_assignment(*, rnd: Round, seed: int, actor) -> int:
    """Assign k judges of its panel to every round entry with judging.assignment.assign_panels,
    conflicts excluded: all rows or none. Existing assignments are replaced only when none
    has a score sheet. Returns the number of assignments written; audited."""
    existing = db.session.scalar(sa.select(sa.func.count(Assignment.id))
                                 .where(Assignment.round_id == rnd.id))
    if existing:
        with_sheet = db.session.scalar(
            sa.select(sa.func.count(ScoreSheet.id)).join(Assignment)
            .where(Assignment.round_id == rnd.id))
        if with_sheet:
            raise RoundError(_("Assignments cannot be redone: %(n)s score sheets have already "
                               "been started in this round.", n=with_sheet))
    plan = _plan(rnd)
    if not plan.entries:
        raise RoundError(_("The round has no entries yet."))
    if plan.unpaneled:
        raise RoundError(_("No panel covers the genre of entries %(entries)s; add the genre "
                           "to a panel first.",
                           entries=", ".join(entry_label(e) for e in plan.unpaneled[:20])))
    conflicts = round_conflicts(rnd, judges=list(plan.judges.values()),
                                entries=list(plan.entries.values()))
    result = assign_panels(plan.panels, rnd.judges_per_entry, conflicts=set(conflicts),
                           seed=seed)
    if not result.ok:
        labels = {i: entry_label(e) for i, e in plan.entries.items()}
        names = {i: u.full_name for i, u in plan.judges.items()}
        raise RoundError(_("No assignment was made: no balanced, conflict-free assignment "
                           "exists."),
                         problems=[label_problem(p, labels, names) for p in result.problems])
    if existing:
        db.session.execute(sa.delete(Assignment).where(Assignment.round_id == rnd.id))
    db.session.execute(sa.insert(Assignment), [
        {"round_id": rnd.id, "entry_id": e, "judge_id": j, "status": Assignment.ACTIVE}
        for e, j in result.pairs])
    audit.record("assignments.replaced" if existing else "assignments.created", actor=actor,
                 contest=rnd.contest, obj=rnd, before={"count": existing} if existing else None,
                 after={"count": len(result.pairs), "seed": seed})
    return len(result.pairs)


def _conflict_reasons(rnd: Round, judge: User, entry: Entry) -> list[Problem]:
    found = round_conflicts(rnd, judges=[judge], entries=[entry])
    return [label_problem(c, {entry.id: entry_label(entry)})
            for c in found.get((judge.id, entry.id), [])]


def _check_manual(rnd: Round, entry: Entry, judge: User, override: bool) -> list[str]:
    if not db.session.scalar(sa.select(sa.func.count(RoundEntry.id)).where(
            RoundEntry.round_id == rnd.id, RoundEntry.entry_id == entry.id)):
        raise RoundError(_("This entry is not in the round."))
    if judge.id not in {u.id for u in edition_judges(rnd.contest)}:
        raise RoundError(_("Only judges of this edition can be assigned."))
    if db.session.scalar(sa.select(sa.func.count(Assignment.id)).where(
            Assignment.round_id == rnd.id, Assignment.entry_id == entry.id,
            Assignment.judge_id == judge.id)):
        raise RoundError(_("%(judge)s is already assigned to %(entry)s (or recused from it).",
                           judge=judge.full_name, entry=entry_label(entry)))
    reasons = _conflict_reasons(rnd, judge, entry)
    if reasons and not override:
        raise ConflictNeedsConfirmation(
            _("%(judge)s has a conflict with %(entry)s. Tick “assign despite the conflict” "
              "to go ahead.", judge=judge.full_name, entry=entry_label(entry)),
            problems=reasons)
    return [problem_text(p) for p in reasons]  # the audit keeps the words the organizer saw


def add_assignment(*, rnd: Round, entry: Entry, judge: User, override: bool, actor) -> Assignment:
    """Assign one judge by hand; a conflict needs `override`. Audited with the reasons."""
    reasons = _check_manual(rnd, entry, judge, override)
    a = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(a)
    db.session.flush()
    audit.record("assignment.added", actor=actor, contest=rnd.contest, entry=entry, obj=a,
                 after={"judge": judge.id, "conflicts_overridden": reasons})
    return a


def _refuse_if_started(a: Assignment) -> None:
    if a.sheet is not None:
        raise RoundError(_("%(judge)s has already started a score sheet for %(entry)s; the "
                           "assignment cannot change.", judge=a.judge.full_name,
                           entry=entry_label(a.entry)))


def remove_assignment(*, assignment: Assignment, actor) -> None:
    """Delete an assignment without a score sheet. Audited."""
    _refuse_if_started(assignment)
    state = {"judge": assignment.judge_id, "entry": assignment.entry_id}
    entry, rnd = assignment.entry, assignment.round
    db.session.delete(assignment)
    db.session.flush()
    audit.record("assignment.removed", actor=actor, contest=rnd.contest, entry=entry,
                 before=state)


def swap_assignment(*, assignment: Assignment, judge: User, override: bool,
                    actor) -> Assignment:
    """Give an unstarted assignment to another judge; a conflict needs `override`. Audited."""
    _refuse_if_started(assignment)
    rnd, entry = assignment.round, assignment.entry
    reasons = _check_manual(rnd, entry, judge, override)
    before = assignment.judge_id
    assignment.judge_id = judge.id
    db.session.flush()
    db.session.expire(assignment, ["judge"])
    audit.record("assignment.swapped", actor=actor, contest=rnd.contest, entry=entry,
                 obj=assignment, before={"judge": before},
                 after={"judge": judge.id, "conflicts_overridden": reasons})
    return assignment


def recuse_assignment(*, assignment: Assignment, reason: str, actor) -> Assignment:
    """Mark an assignment recused (the organizer's decision). Audited."""
    if not reason.strip():
        raise RoundError(_("Give the reason for the recusal."))
    if assignment.status == Assignment.RECUSED:
        raise RoundError(_("This assignment is already recused."))
    if assignment.sheet is not None and assignment.sheet.status == ScoreSheet.SUBMITTED:
        raise RoundError(_("The score sheet is already submitted; reopen it before recusing."))
    assignment.status = Assignment.RECUSED
    db.session.flush()
    audit.record("assignment.recused", actor=actor, contest=assignment.round.contest,
                 entry=assignment.entry, obj=assignment, before={"status": Assignment.ACTIVE},
                 after={"status": Assignment.RECUSED, "reason": reason.strip()})
    return assignment


def end_open_assignments(*, contest: Contest, judge: User, reason: str,
                         actor) -> list[Assignment]:
    """The judge leaves the edition: every active assignment of theirs in a round that is
    not closed and whose sheet is not submitted is recused (audited, as when the organizer
    recuses one), so it appears among the round's replacements; the judge also leaves the
    edition's panels. Submitted sheets stay, with their assignments, as the record.
    Returns the recused assignments, ordered by round and entry."""
    rows = db.session.scalars(
        sa.select(Assignment).join(Round, Round.id == Assignment.round_id)
        .where(Round.contest_id == contest.id, Round.status != Round.CLOSED,
               Assignment.judge_id == judge.id, Assignment.status == Assignment.ACTIVE)
        .options(so.joinedload(Assignment.sheet), so.joinedload(Assignment.entry),
                 so.joinedload(Assignment.round))
        .order_by(Round.position, Assignment.entry_id)
    ).unique().all()
    ended = [a for a in rows if a.sheet is None or a.sheet.status != ScoreSheet.SUBMITTED]
    for a in ended:
        recuse_assignment(assignment=a, reason=reason, actor=actor)
    for panel in db.session.scalars(
        sa.select(Panel).join(Round, Round.id == Panel.round_id)
        .where(Round.contest_id == contest.id)
        .options(so.selectinload(Panel.judges))
    ):
        if judge in panel.judges:
            panel.judges.remove(judge)
            audit.record("panel.judge_removed", actor=actor, contest=contest, obj=panel,
                         before={"judge": judge.id}, after={"reason": reason})
    db.session.flush()
    return ended


@dataclass
class Replacement:
    recused: Assignment
    proposed: User | None


def declared_conflict_judge_ids(entry: Entry) -> set[int]:
    """Judges who declared a conflict of interest with this entry themselves."""
    return set(db.session.scalars(sa.select(ConflictDeclaration.judge_id)
                                  .where(ConflictDeclaration.entry_id == entry.id)))


def pending_replacements(rnd: Round) -> list[Replacement]:
    """Recused assignments whose entry has fewer than k active judges, each with the judge
    judging.assignment.propose_replacement proposes (None when nobody fits)."""
    rows = list(db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == rnd.id)
        .options(so.joinedload(Assignment.judge), so.joinedload(Assignment.entry))
    ))
    active = defaultdict(int)
    for a in rows:
        if a.status == Assignment.ACTIVE:
            active[a.entry_id] += 1
    recused = [a for a in rows if a.status == Assignment.RECUSED
               and active[a.entry_id] < rnd.judges_per_entry]
    if not recused:
        return []
    plan = _plan(rnd)
    genre_panel = {g.id: p for p in round_panels(rnd) for g in p.genres}
    conflicts = set(round_conflicts(rnd, judges=list(plan.judges.values()),
                                    entries=[a.entry for a in recused]))
    conflicts |= {(a.judge_id, a.entry_id) for a in rows if a.status == Assignment.RECUSED}
    out = []
    seen_entries: dict[int, set[int]] = defaultdict(set)
    for a in recused:
        panel = genre_panel.get(a.entry.genre_id)
        judges = [u.id for u in panel.judges] if panel else []
        pairs = [(b.entry_id, b.judge_id) for b in rows if b.status == Assignment.ACTIVE
                 and b.judge_id in judges]
        pairs += [(a.entry_id, j) for j in seen_entries[a.entry_id]]
        pairs.append((a.entry_id, a.judge_id))
        proposed = propose_replacement(a.entry_id, a.judge_id, pairs, judges,
                                       conflicts=conflicts)
        if proposed is not None:
            seen_entries[a.entry_id].add(proposed)
        out.append(Replacement(a, plan.judges.get(proposed) if proposed else None))
    return out


def confirm_replacement(*, recused: Assignment, judge: User, actor) -> Assignment:
    """Give the recused assignment's entry to `judge` (as proposed). Audited."""
    rnd = recused.round
    if recused.status != Assignment.RECUSED:
        raise RoundError(_("This assignment is not recused."))
    reasons = _check_manual(rnd, recused.entry, judge, override=False)
    a = Assignment(round_id=rnd.id, entry_id=recused.entry_id, judge_id=judge.id)
    db.session.add(a)
    db.session.flush()
    audit.record("assignment.replacement", actor=actor, contest=rnd.contest,
                 entry=recused.entry, obj=a,
                 after={"judge": judge.id, "replaces": recused.judge_id,
                        "conflicts_overridden": reasons})
    return a


def is_first_round(rnd: Round) -> bool:
    return rnd.position == db.session.scalar(
        sa.select(sa.func.min(Round.position)).where(Round.contest_id == rnd.contest_id))


def assignments_page(rnd: Round, *, page: int, per_page: int = 50):
    """One page of round entries with their assignments, judges and sheets loaded."""
    entries = list(db.session.scalars(
        sa.select(Entry).join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .where(RoundEntry.round_id == rnd.id).order_by(Entry.reference, Entry.id)
        .limit(per_page).offset((page - 1) * per_page).options(so.joinedload(Entry.genre))
    ))
    by_entry = defaultdict(list)
    if entries:
        for a in db.session.scalars(
            sa.select(Assignment).where(Assignment.round_id == rnd.id,
                                        Assignment.entry_id.in_([e.id for e in entries]))
            .order_by(Assignment.id)
            .options(so.joinedload(Assignment.judge), so.joinedload(Assignment.sheet))
        ):
            by_entry[a.entry_id].append(a)
    return [(e, by_entry[e.id]) for e in entries]


# --- progress ----------------------------------------------------------------------------

_submitted = sa.case((ScoreSheet.status == ScoreSheet.SUBMITTED, 1), else_=0)
_draft = sa.case((ScoreSheet.status == ScoreSheet.DRAFT, 1), else_=0)


def judge_progress(rnd: Round) -> list[dict]:
    """Per judge: active assignments, drafts, submitted sheets, last activity (one query)."""
    counts = (sa.select(Assignment.judge_id.label("judge_id"),
                        sa.func.count(Assignment.id).label("assigned"),
                        sa.func.coalesce(sa.func.sum(_draft), 0).label("drafts"),
                        sa.func.coalesce(sa.func.sum(_submitted), 0).label("submitted"),
                        sa.func.max(ScoreSheet.updated_at).label("last"))
              .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
              .where(Assignment.round_id == rnd.id, Assignment.status == Assignment.ACTIVE)
              .group_by(Assignment.judge_id).subquery())
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.email, counts.c.assigned, counts.c.drafts,
                  counts.c.submitted, counts.c.last)
        .join(counts, counts.c.judge_id == User.id).order_by(User.full_name, User.id)
    ).all()
    out = []
    for uid, name, email, assigned, drafts, submitted, last in rows:
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        out.append({"id": uid, "name": name, "email": email, "assigned": assigned,
                    "drafts": int(drafts), "submitted": int(submitted),
                    "left": assigned - int(submitted), "last": last})
    return out


def entry_progress(rnd: Round, *, page: int, per_page: int = 50) -> list[dict]:
    """One page of entries: n of k sheets submitted (one query; the page is cut before
    the sheets are counted, so the cost follows the page, not the round)."""
    page_rows = (sa.select(Entry.id.label("id"), Entry.reference.label("reference"),
                           Entry.title.label("title"), Genre.name_vi.label("genre_vi"),
                           Genre.name_en.label("genre_en"))
                 .join(RoundEntry, RoundEntry.entry_id == Entry.id)
                 .join(Genre, Genre.id == Entry.genre_id)
                 .where(RoundEntry.round_id == rnd.id)
                 .order_by(Entry.reference, Entry.id)
                 .limit(per_page).offset((page - 1) * per_page).subquery())
    rows = db.session.execute(
        sa.select(page_rows.c.id, page_rows.c.reference, page_rows.c.title,
                  page_rows.c.genre_vi, page_rows.c.genre_en, sa.func.count(Assignment.id),
                  sa.func.coalesce(sa.func.sum(_submitted), 0))
        .outerjoin(Assignment, sa.and_(Assignment.round_id == rnd.id,
                                       Assignment.entry_id == page_rows.c.id,
                                       Assignment.status == Assignment.ACTIVE))
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .group_by(page_rows.c.id, page_rows.c.reference, page_rows.c.title,
                  page_rows.c.genre_vi, page_rows.c.genre_en)
        .order_by(page_rows.c.reference, page_rows.c.id)
    ).all()
    return [{"id": i, "reference": ref or f"#{i}", "title": title, "genre_vi": genre_vi,
             "genre_en": genre_en, "assigned": n, "submitted": int(s)}
            for i, ref, title, genre_vi, genre_en, n, s in rows]


def panel_progress(rnd: Round) -> list[dict]:
    """Per panel: entries, submitted sheets and percentage of entries × k done (one query,
    counting per genre before joining the panels)."""
    entries = (sa.select(Entry.genre_id.label("genre_id"), sa.func.count().label("n"))
               .join(RoundEntry, RoundEntry.entry_id == Entry.id)
               .where(RoundEntry.round_id == rnd.id).group_by(Entry.genre_id).subquery())
    sheets = (sa.select(Entry.genre_id.label("genre_id"), sa.func.count().label("n"))
              .select_from(Assignment)
              .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
              .join(Entry, Entry.id == Assignment.entry_id)
              .where(Assignment.round_id == rnd.id, Assignment.status == Assignment.ACTIVE,
                     ScoreSheet.status == ScoreSheet.SUBMITTED)
              .group_by(Entry.genre_id).subquery())
    rows = db.session.execute(
        sa.select(Panel.id, Panel.name, sa.func.coalesce(sa.func.sum(entries.c.n), 0),
                  sa.func.coalesce(sa.func.sum(sheets.c.n), 0))
        .select_from(Panel)
        .outerjoin(panel_genres, panel_genres.c.panel_id == Panel.id)
        .outerjoin(entries, entries.c.genre_id == panel_genres.c.genre_id)
        .outerjoin(sheets, sheets.c.genre_id == panel_genres.c.genre_id)
        .where(Panel.round_id == rnd.id)
        .group_by(Panel.id, Panel.name, Panel.position).order_by(Panel.position, Panel.id)
    ).all()
    k = rnd.judges_per_entry
    out = []
    for pid, name, n_entries, submitted in rows:
        n_entries = int(n_entries)
        needed = n_entries * k
        done = min(int(submitted), needed)
        pct = round(100 * done / needed) if needed else 0
        out.append({"id": pid, "name": name, "entries": n_entries, "submitted": int(submitted),
                    "needed": needed, "percent": pct})
    return out


def round_entry_count(rnd: Round) -> int:
    return db.session.scalar(sa.select(sa.func.count(RoundEntry.id))
                             .where(RoundEntry.round_id == rnd.id))


def send_reminders(*, rnd: Round, now: datetime, actor, step: str | None = None) -> int:
    """Queue a mail (portal.outbox) to every judge with work left in the round (count and
    deadline in the edition's time zone); return how many were queued. Audited.

    With `step` (the scheduled "3d" or "1d" reminder), a judge already reminded at this step
    is skipped: the outbox's unique dedupe_key holds one row per judge, round and step."""
    tz = rnd.contest.timezone
    deadline = format_dt(rnd.closes_at, tz)
    sent = []
    keys = {}
    rows = [row for row in judge_progress(rnd) if row["left"] > 0]
    if step is not None:
        keys = {row["id"]: f"judge_reminder:{rnd.id}:{row['id']}:{step}" for row in rows}
        done = set(db.session.scalars(sa.select(OutboxMail.dedupe_key).where(
            OutboxMail.dedupe_key.in_(list(keys.values())))))
        rows = [row for row in rows if keys[row["id"]] not in done]
        if not rows:
            return 0
    for row in rows:
        subject = _("Reminder: %(n)s works left to score in %(round)s",
                    n=row["left"], round=rnd.name_vi)
        body = _("Dear %(name)s,\n\nYou still have %(n)s of %(total)s works to score in "
                 "%(round)s of %(contest)s. Scoring closes at %(deadline)s (%(tz)s).\n\n"
                 "The award secretariat", name=row["name"], n=row["left"],
                 total=row["assigned"], round=rnd.name_vi, contest=rnd.contest.name,
                 deadline=deadline, tz=tz)
        send_mail(row["email"], subject, body, kind="judge_reminder",
                  contest_id=rnd.contest_id, user_id=row["id"], dedupe_key=keys.get(row["id"]),
                  now=now)
        sent.append(row["id"])
    audit.record("round.reminders_sent", actor=actor, contest=rnd.contest, obj=rnd,
                 after={"judges": sent, "at": now, "step": step})
    return len(sent)


@jobs.periodic("rounds.judge_reminders")
def scheduled_judge_reminders(*, now: datetime) -> int:
    """At each tick: queue the "3d" or "1d" reminder to the judges with unsubmitted sheets
    in every open round that closes within 3 days; each judge gets each step once."""
    rounds = db.session.scalars(sa.select(Round).where(
        Round.status == Round.OPEN, Round.closes_at > now,
        Round.closes_at <= now + max(before for _step, before in JUDGE_STEPS))).all()
    n = 0
    for rnd in rounds:
        step = judge_reminder_step(rnd.closes_at, now)
        if step is not None:
            n += send_reminders(rnd=rnd, now=now, actor=None, step=step)
    return n


def entry_sheets(rnd: Round, entry: Entry) -> list[Assignment]:
    return list(db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == rnd.id,
                                    Assignment.entry_id == entry.id).order_by(Assignment.id)
        .options(so.joinedload(Assignment.judge), so.joinedload(Assignment.sheet))
    ))


# --- aggregation and advancement ---------------------------------------------------------


def round_aggregates(rnd: Round) -> dict[int, float | None]:
    """Every round entry's score by the round's configured aggregation (mean, trimmed mean,
    median or z-score), None with fewer than k sheets unless the organizer accepted the
    entry with a reason. Computed by the results area (one query for the sheets)."""
    return round_aggregate_values(rnd)


def next_round(rnd: Round) -> Round | None:
    return db.session.scalar(
        sa.select(Round).where(Round.contest_id == rnd.contest_id,
                               Round.position > rnd.position).order_by(Round.position).limit(1)
    )


@dataclass
class AdvanceRow:
    entry: Entry
    score: float | None
    proposed: bool
    tied: bool


@dataclass
class AdvanceView:
    rows: list[AdvanceRow]
    ties: list[str]
    rule_text: str


def advancement_proposal(rnd: Round) -> AdvanceView:
    """judging.advancement.propose_advancement over round_aggregates, by genre."""
    scores = round_aggregates(rnd)
    entries = {e.id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.id.in_(list(scores))).options(so.joinedload(Entry.genre)))}
    items = [RankItem(eid, entries[eid].genre.code, scores[eid]) for eid in scores]
    if rnd.advance_rule == "min_score":
        rule = MinScore(float(rnd.advance_value))
        rule_text = _("every entry scoring at least %(v)s", v=f"{rnd.advance_value:g}")
    else:
        rule = TopN(int(rnd.advance_value))
        rule_text = _("the best %(n)s entries of each genre", n=int(rnd.advance_value))
    proposal = propose_advancement(items, rule)
    labels = {i: entry_label(e) for i, e in entries.items()}
    tied_ids = set()
    ties = []
    for p in proposal.boundary_ties:
        ids = [int(x) for x in str(p.params.get("entries", "")).split(", ") if x]
        tied_ids.update(ids)
        params = dict(p.params)
        params["entries"] = ", ".join(labels.get(i, str(i)) for i in ids)
        genre = next((e.genre for e in entries.values() if e.genre.code == p.field), None)
        if genre is not None:
            params["group"] = genre.name_vi
        ties.append(problem_text(p, **params))
    rows = [AdvanceRow(entries[eid], scores[eid], eid in proposal.advance, eid in tied_ids)
            for eid in scores]
    rows.sort(key=lambda r: (r.entry.genre.position, r.score is None, -(r.score or 0),
                             r.entry.reference or "", r.entry.id))
    return AdvanceView(rows, ties, rule_text)


def confirm_advancement(*, rnd: Round, chosen: set[int], reasons: dict[int, str],
                        actor) -> int:
    """Create the next round's entries for `chosen`. Every difference from the proposal
    needs a reason, stored in RoundEntry.advance_reason and audited. Returns the count."""
    if rnd.status != Round.CLOSED:
        raise RoundError(_("Close the round before deciding which entries advance."))
    target = next_round(rnd)
    if target is None:
        raise RoundError(_("There is no next round; create it first."))
    if round_entry_count(target):
        raise RoundError(_("%(round)s already has its entries; advancement was decided.",
                           round=target.name_vi))
    view = advancement_proposal(rnd)
    by_id = {r.entry.id: r for r in view.rows}
    unknown = chosen - set(by_id)
    if unknown:
        raise RoundError(_("Only entries of this round can advance."))
    missing = []
    changes = []
    for eid, row in by_id.items():
        if (eid in chosen) != row.proposed:
            reason = (reasons.get(eid) or "").strip()
            if not reason:
                missing.append(entry_label(row.entry))
            changes.append((row, eid in chosen, reason))
    if missing:
        raise RoundError(_("Give a reason for each change to the proposal: %(entries)s.",
                           entries=", ".join(missing)))
    current = {re.entry_id: re for re in db.session.scalars(
        sa.select(RoundEntry).where(RoundEntry.round_id == rnd.id))}
    for row, added, reason in changes:
        current[row.entry.id].advance_reason = reason
        audit.record("advancement.added" if added else "advancement.removed", actor=actor,
                     contest=rnd.contest, entry=row.entry, obj=current[row.entry.id],
                     after={"reason": reason, "score": row.score, "tied": row.tied,
                            "to_round": target.id})
    change_reason = {row.entry.id: reason for row, added, reason in changes if added}
    for eid in sorted(chosen):
        db.session.add(RoundEntry(round_id=target.id, entry_id=eid,
                                  advance_reason=change_reason.get(eid, "")))
    db.session.flush()
    audit.record("advancement.confirmed", actor=actor, contest=rnd.contest, obj=target,
                 after={"from_round": rnd.id, "entries": sorted(chosen)})
    return len(chosen)
