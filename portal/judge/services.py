"""Score sheets and conflict declarations: the judge's state changes, each audited.

Validation choice for drafts: a draft with any invalid value (above the maximum, off
the step, not a number, negative) is refused as a whole, exactly like a submission:
nothing is saved, not even the valid fields, and the caller shows every field error next
to its input with the typed values re-shown. A draft may leave fields blank.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from judging.rubric import Criterion as RubricCriterion
from judging.rubric import fmt_decimal, validate_scores, weighted_total
from portal import audit
from portal.errors import DomainError, NotAllowed, ScoreLocked, StaleEdit
from portal.extensions import db
from portal.i18n import format_dt, localized
from portal.models import (
    Assignment,
    ConflictDeclaration,
    Contest,
    Criterion,
    Entry,
    EntryAuthor,
    EntryFile,
    Genre,
    Membership,
    Round,
    Score,
    ScoreSheet,
)

MAX_COMMENT = 5000


def rubric(round_: Round) -> list[RubricCriterion]:
    """The round's criteria as the pure rules' value objects."""
    return [rubric_criterion(c) for c in round_.criteria]


def rubric_criterion(c: Criterion) -> RubricCriterion:
    return RubricCriterion(
        code=c.code, max_score=Decimal(c.max_score), step=Decimal(c.step),
        weight=Decimal(c.weight),
    )


def sheet_snapshot(sheet: ScoreSheet | None) -> dict:
    """What the audit log keeps of a sheet: status, total, comment and every value."""
    if sheet is None:
        return {}
    return {
        "status": sheet.status,
        "total": fmt_decimal(sheet.total) if sheet.total is not None else None,
        "comment": sheet.comment,
        "scores": {
            s.criterion.code: fmt_decimal(s.value)
            for s in sorted(sheet.scores, key=lambda s: s.criterion.position)
        },
        "version": sheet.version,
    }


def _check_judge(assignment: Assignment, judge) -> None:
    if assignment.judge_id != judge.id or assignment.status != Assignment.ACTIVE:
        raise NotAllowed(_("This work is not assigned to you."))


def check_window(round_: Round, now: datetime) -> None:
    """Raise ScoreLocked unless the round is open and now is inside its scoring window."""
    tz = round_.contest.timezone
    if now >= round_.closes_at and round_.status != Round.DRAFT:
        raise ScoreLocked(
            _(
                "The scoring round closed at %(time)s. Your draft is kept unchanged.",
                time=format_dt(round_.closes_at, tz),
            )
        )
    if round_.status == Round.CLOSED:
        raise ScoreLocked(
            _("The secretariat has closed this scoring round. Your draft is kept unchanged.")
        )
    if round_.status != Round.OPEN or now < round_.opens_at:
        raise ScoreLocked(
            _(
                "The scoring round opens at %(time)s; scores cannot be saved before then.",
                time=format_dt(round_.opens_at, tz),
            )
        )


def _check_sheet(sheet: ScoreSheet | None, expected_version: int | None, tz: str) -> None:
    if sheet is not None and sheet.status == ScoreSheet.SUBMITTED:
        raise ScoreLocked(
            _(
                "This score sheet was submitted at %(time)s and is locked. Ask the "
                "secretariat to reopen it if it must change.",
                time=format_dt(sheet.submitted_at, tz),
            )
        )
    current = sheet.version if sheet is not None else 0
    if expected_version is not None and expected_version != current:
        raise _stale()


def _stale() -> StaleEdit:
    return StaleEdit(
        _(
            "This score sheet was changed in another tab or window after you opened it. "
            "Your changes here were not saved; reload the page to see the saved values."
        )
    )


def _validate(round_: Round, values: dict[str, str], comment: str, *, require_all: bool):
    criteria = rubric(round_)
    valid, problems = validate_scores(criteria, values, require_all=require_all)
    if len(comment or "") > MAX_COMMENT:
        raise DomainError(
            _("The comment is too long: at most %(n)s characters.", n=MAX_COMMENT)
        )
    if problems and all(p.code == "score_missing" for p in problems.values()):
        # Blank scores on submission are not "invalid": say which are missing, and that the
        # draft autosaved so far stays as it was.
        names = [localized(c, "name") for c in round_.criteria if c.code in problems]
        raise DomainError(
            _("The sheet is not complete, so it was not submitted: enter a score for "
              "%(criteria)s. Your saved draft is kept.", criteria=", ".join(names)),
            problems=list(problems.values()),
        )
    if problems:
        raise DomainError(
            _("Some scores are not valid. Correct the marked fields; nothing was saved."),
            problems=list(problems.values()),
        )
    return criteria, valid


def _write(assignment: Assignment, sheet: ScoreSheet | None, criteria, valid: dict,
           comment: str, now: datetime) -> ScoreSheet:
    if sheet is None:
        sheet = ScoreSheet(assignment=assignment, status=ScoreSheet.DRAFT)
        db.session.add(sheet)
    by_code = {c.code: c for c in assignment.round.criteria}
    existing = {s.criterion.code: s for s in sheet.scores}
    for code, score in existing.items():
        if code not in valid:
            sheet.scores.remove(score)  # a cleared field leaves the draft
    for code, value in valid.items():
        if code in existing:
            existing[code].value = value
        else:
            sheet.scores.append(Score(criterion=by_code[code], value=value))
    sheet.comment = (comment or "").strip()
    sheet.total = weighted_total(criteria, valid) if valid else None
    sheet.updated_at = now
    return sheet


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # another transaction bumped the version first
        raise _stale() from exc
    except sa.exc.IntegrityError as exc:  # another tab created the sheet first
        raise _stale() from exc


def _unchanged(sheet: ScoreSheet | None, valid: dict, comment: str) -> bool:
    if sheet is None:
        return False
    current = {s.criterion.code: s.value for s in sheet.scores}
    return current == valid and sheet.comment == (comment or "").strip()


def save_draft(*, assignment: Assignment, judge, values: dict[str, str], comment: str,
               expected_version: int | None, now: datetime) -> ScoreSheet:
    """Save the judge's draft: blank fields allowed, any invalid value refuses the whole
    draft (DomainError with one Problem per field). Raises ScoreLocked when the sheet is
    submitted or the round is outside its window, StaleEdit when ``expected_version``
    (0 for "no sheet yet") is not the sheet's version, NotAllowed for someone else's
    assignment. An unchanged draft is not rewritten."""
    _check_judge(assignment, judge)
    round_ = assignment.round
    sheet = assignment.sheet
    _check_sheet(sheet, expected_version, round_.contest.timezone)
    check_window(round_, now)
    criteria, valid = _validate(round_, values, comment, require_all=False)
    if _unchanged(sheet, valid, comment):
        return sheet
    before = sheet_snapshot(sheet)
    sheet = _write(assignment, sheet, criteria, valid, comment, now)
    _flush()
    audit.record("score.draft_saved", actor=judge, entry=assignment.entry, obj=sheet,
                 before=before, after=sheet_snapshot(sheet))
    return sheet


def submit_sheet(*, assignment: Assignment, judge, values: dict[str, str], comment: str,
                 expected_version: int | None, now: datetime) -> ScoreSheet:
    """Submit and lock the sheet: every criterion needs a valid value. Raises like
    save_draft; on any failure nothing changes (the saved draft stays as it was)."""
    _check_judge(assignment, judge)
    round_ = assignment.round
    sheet = assignment.sheet
    _check_sheet(sheet, expected_version, round_.contest.timezone)
    check_window(round_, now)
    criteria, valid = _validate(round_, values, comment, require_all=True)
    before = sheet_snapshot(sheet)
    sheet = _write(assignment, sheet, criteria, valid, comment, now)
    sheet.status = ScoreSheet.SUBMITTED
    sheet.submitted_at = now
    _flush()
    audit.record("score.submitted", actor=judge, entry=assignment.entry, obj=sheet,
                 before=before, after=sheet_snapshot(sheet))
    return sheet


def reopen_sheet(*, sheet: ScoreSheet, actor, reason: str, now: datetime) -> ScoreSheet:
    """The secretariat unlocks a submitted sheet so its judge can change it; the values
    stay. Raises DomainError without a reason or when the sheet is not submitted."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for reopening this score sheet."))
    if sheet.status != ScoreSheet.SUBMITTED:
        raise DomainError(_("This score sheet is not submitted; there is nothing to reopen."))
    before = sheet_snapshot(sheet)
    sheet.status = ScoreSheet.DRAFT
    sheet.submitted_at = None
    sheet.updated_at = now
    _flush()
    after = {**sheet_snapshot(sheet), "reason": reason}
    audit.record("score.reopened", actor=actor, entry=sheet.assignment.entry, obj=sheet,
                 before=before, after=after)
    return sheet


def declare_conflict(*, assignment: Assignment, judge, reason: str,
                     now: datetime) -> ConflictDeclaration:
    """Record the judge's conflict of interest with the work and recuse the assignment
    (the secretariat then assigns a replacement). Raises DomainError without a reason,
    NotAllowed for someone else's or an already recused assignment, ScoreLocked once the
    round is closed."""
    reason = (reason or "").strip()
    _check_judge(assignment, judge)
    if not reason:
        raise DomainError(_("Explain the conflict of interest: the reason is required."))
    if len(reason) > MAX_COMMENT:
        raise DomainError(_("The reason is too long: at most %(n)s characters.", n=MAX_COMMENT))
    if assignment.round.status == Round.CLOSED:
        raise ScoreLocked(_("The round is closed; contact the secretariat directly."))
    declaration = db.session.scalar(
        sa.select(ConflictDeclaration).where(
            ConflictDeclaration.judge_id == judge.id,
            ConflictDeclaration.entry_id == assignment.entry_id,
        )
    )
    if declaration is None:
        declaration = ConflictDeclaration(judge_id=judge.id, entry_id=assignment.entry_id,
                                          reason=reason, created_at=now)
        db.session.add(declaration)
    else:
        declaration.reason = reason
    assignment.status = Assignment.RECUSED
    db.session.flush()
    audit.record("assignment.recused", actor=judge, entry=assignment.entry, obj=assignment,
                 before={"status": Assignment.ACTIVE},
                 after={"status": Assignment.RECUSED, "reason": reason,
                        "round_id": assignment.round_id, "declaration_id": declaration.id})
    return declaration


# --- reading ------------------------------------------------------------------------

TODO, DRAFT, SUBMITTED = "todo", "draft", "submitted"
STATES = (TODO, DRAFT, SUBMITTED)


def sheet_state(sheet: ScoreSheet | None) -> str:
    """to do (no sheet yet), draft, or submitted."""
    if sheet is None:
        return TODO
    return SUBMITTED if sheet.status == ScoreSheet.SUBMITTED else DRAFT


def _queue_order():
    return (Genre.position, Entry.seq, Entry.id)


def judge_queue(round_: Round, judge) -> list[Assignment]:
    """The judge's active assignments of the round in queue order (genre, then entry
    number), with entry, genre and sheet loaded in one statement."""
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Assignment.entry)
            .join(Entry.genre)
            .where(
                Assignment.round_id == round_.id,
                Assignment.judge_id == judge.id,
                Assignment.status == Assignment.ACTIVE,
            )
            .options(
                so.contains_eager(Assignment.entry).contains_eager(Entry.genre),
                so.joinedload(Assignment.sheet),
            )
            .order_by(*_queue_order())
        ).unique()
    )


def queue_neighbours(assignment: Assignment) -> tuple[int | None, int | None, int, int]:
    """(previous id, next id, position from 1, queue length) in the judge's queue order."""
    ids = list(
        db.session.scalars(
            sa.select(Assignment.id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .join(Genre, Genre.id == Entry.genre_id)
            .where(
                Assignment.round_id == assignment.round_id,
                Assignment.judge_id == assignment.judge_id,
                Assignment.status == Assignment.ACTIVE,
            )
            .order_by(*_queue_order())
        )
    )
    if assignment.id not in ids:
        return None, None, 0, len(ids)
    i = ids.index(assignment.id)
    return (ids[i - 1] if i > 0 else None, ids[i + 1] if i + 1 < len(ids) else None,
            i + 1, len(ids))


def judge_rounds(judge) -> list[tuple[Round, int, int]]:
    """(round, active assignments, submitted sheets) for every non-draft round of every
    edition the user judges, newest edition first."""
    contest_ids = sa.select(Membership.contest_id).where(
        Membership.user_id == judge.id, Membership.role == Membership.JUDGE
    )
    rounds = db.session.scalars(
        sa.select(Round)
        .join(Round.contest)
        .where(Round.contest_id.in_(contest_ids), Round.status != Round.DRAFT)
        .options(so.contains_eager(Round.contest))
        .order_by(Contest.year.desc(), Contest.id, Round.position)
    ).all()
    counts = {
        row.round_id: (row.total, row.submitted or 0)
        for row in db.session.execute(
            sa.select(
                Assignment.round_id,
                sa.func.count(Assignment.id).label("total"),
                sa.func.sum(
                    sa.case((ScoreSheet.status == ScoreSheet.SUBMITTED, 1), else_=0)
                ).label("submitted"),
            )
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .where(Assignment.judge_id == judge.id, Assignment.status == Assignment.ACTIVE)
            .group_by(Assignment.round_id)
        )
    }
    return [(r, *counts.get(r.id, (0, 0))) for r in rounds]


def load_assignment(assignment_id: int) -> Assignment | None:
    """An assignment with everything its work page needs, in a fixed number of statements
    (authors are not loaded: the page reads them only through ``visible_authors``)."""
    return db.session.scalar(
        sa.select(Assignment)
        .where(Assignment.id == assignment_id)
        .options(
            so.joinedload(Assignment.round).joinedload(Round.contest),
            so.joinedload(Assignment.round).selectinload(Round.criteria),
            so.joinedload(Assignment.entry).joinedload(Entry.genre),
            so.joinedload(Assignment.entry).selectinload(Entry.parts),
            so.joinedload(Assignment.entry).selectinload(Entry.files)
            .joinedload(EntryFile.slot),
            so.joinedload(Assignment.sheet).selectinload(ScoreSheet.scores)
            .joinedload(Score.criterion),
        )
    )


def visible_authors(assignment: Assignment) -> list[dict]:
    """What a judge may know of the authors: nothing in a blind round; otherwise the
    name shown in published lists (pen name, else full name) and the press agency.
    Never phone, email or year of birth: only these two keys leave this function."""
    if assignment.round.blind:
        return []
    rows = db.session.execute(
        sa.select(EntryAuthor.full_name, EntryAuthor.pen_name, EntryAuthor.workplace)
        .where(EntryAuthor.entry_id == assignment.entry_id)
        .order_by(EntryAuthor.position)
    )
    return [{"name": r.pen_name or r.full_name, "workplace": r.workplace} for r in rows]
