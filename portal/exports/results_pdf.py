"""PDFs for signing: the annex to the prize decision and a judge's score sheets of a round."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template

from portal.exports.results_lists import lists
from portal.extensions import db
from portal.models import Assignment, Entry, ScoreSheet, User
from portal.results.services import published_categories


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return HTML(string=html).write_pdf()


def annex(contest) -> bytes:
    """"Danh sách tác phẩm đạt giải": A4, title block, numbered rows, page numbers."""
    found = lists(contest)
    return _pdf(render_template("exports/annex.html", contest=contest, prizes=found.prizes,
                                forwarded=found.forwarded, draft=found.draft,
                                categories=published_categories(contest)))


def judge_sheets(round_, judge_id: int) -> bytes | None:
    """All of one judge's submitted sheets in a round, with criterion values and a signature
    line; None when the judge has no submitted sheet there."""
    judge = db.session.get(User, judge_id)
    if judge is None:
        return None
    sheets = list(db.session.scalars(
        sa.select(ScoreSheet).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(Assignment.round_id == round_.id, Assignment.judge_id == judge_id,
               Assignment.status == Assignment.ACTIVE,
               ScoreSheet.status == ScoreSheet.SUBMITTED)
        .order_by(Entry.reference)
        .options(so.selectinload(ScoreSheet.scores),
                 so.selectinload(ScoreSheet.assignment).joinedload(Assignment.entry))
    ))
    if not sheets:
        return None
    criteria = list(round_.criteria)
    rows = []
    for sheet in sheets:
        values = {s.criterion_id: s.value for s in sheet.scores}
        rows.append((sheet.assignment.entry, [values.get(c.id) for c in criteria], sheet.total))
    return _pdf(render_template("exports/judge_sheets.html", contest=round_.contest,
                                round=round_, judge=judge, criteria=criteria, rows=rows))
