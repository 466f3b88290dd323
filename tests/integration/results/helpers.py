"""Building judged rounds quickly for the results tests."""

from __future__ import annotations

from decimal import Decimal

from portal.extensions import db
from portal.models import Assignment, Criterion, Entry, RoundEntry, Score, ScoreSheet
from tests.support.factories import make_entry


def enter(rnd, entry, *, accepted: str = "") -> RoundEntry:
    re_ = RoundEntry(round_id=rnd.id, entry_id=entry.id, accepted_incomplete_reason=accepted)
    db.session.add(re_)
    return re_


def sheet(rnd, entry, judge, total=None, *, criteria: dict | None = None,
          recused: bool = False, submitted: bool = True) -> Assignment:
    """An assignment of judge to entry with a sheet; criteria {code: value} give the total
    when it is not given (remaining points go to the last criterion)."""
    a = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                   status=Assignment.RECUSED if recused else Assignment.ACTIVE)
    db.session.add(a)
    if total is None and criteria is None:
        return a
    by_code: dict[str, Criterion] = {c.code: c for c in rnd.criteria}
    values = dict(criteria or {})
    if total is not None and not criteria:
        values = _split(rnd, Decimal(str(total)))
    s = ScoreSheet(status=ScoreSheet.SUBMITTED if submitted else ScoreSheet.DRAFT,
                   total=Decimal(str(total)) if total is not None else sum(
                       Decimal(str(v)) for v in values.values()))
    for code, value in values.items():
        s.scores.append(Score(criterion=by_code[code], value=Decimal(str(value))))
    a.sheet = s
    return a


def _split(rnd, total: Decimal) -> dict[str, Decimal]:
    """Spread a total over the rubric proportionally to each criterion's maximum."""
    crits = list(rnd.criteria)
    top = sum(c.max_score for c in crits)
    out, left = {}, total
    for c in crits[:-1]:
        v = (total * c.max_score / top).quantize(Decimal("0.01"))
        out[c.code] = v
        left -= v
    out[crits[-1].code] = left
    return out


def entries(contest, owner, n: int, *, genre_code: str = "BI", **kw) -> list[Entry]:
    out = []
    for i in range(n):
        e = make_entry(contest, owner, genre_code=genre_code, status=Entry.SUBMITTED,
                       title=f"Tác phẩm {genre_code} {i + 1}", **kw)
        e.reference = f"{genre_code}-{e.id:04d}"
        e.eligibility = Entry.ELIGIBLE
        out.append(e)
    db.session.flush()
    return out
