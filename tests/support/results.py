"""Building judged rounds quickly: the results tests, and the browser and security tests
that need a judged edition."""

from __future__ import annotations

from decimal import Decimal

from portal.extensions import db
from portal.models import Assignment, Entry, Membership, RoundEntry, ScoreSheet
from tests.support.factories import (
    grant,
    make_contest,
    make_entry,
    make_round,
    make_sheet,
    make_user,
)


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
    values = dict(criteria or {})
    if total is not None and not criteria:
        values = _split(rnd, Decimal(str(total)))
    make_sheet(a, status=ScoreSheet.SUBMITTED if submitted else ScoreSheet.DRAFT,
               values=values, total=total if total is not None else ..., criteria=rnd.criteria)
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


def build(n_per_genre: int = 3, *, with_tie: bool = False):
    org = make_user("org@example.vn")
    contest = make_contest(slug="ha-tinh")
    grant(org, contest, Membership.ORGANIZER)
    j1 = make_user(full_name="Trần Thị Giám Khảo", email="gk1@example.vn")
    j2 = make_user(full_name="Lê Văn Chấm", email="gk2@example.vn")
    rnd = make_round(contest, judges=[j1, j2], judges_per_entry=2)
    owner = make_user(full_name="Phạm Văn Tác Giả", pen_name="Hồng Lĩnh Sơn",
                      email="tacgia@example.vn", phone="0912345678", year_of_birth=1977,
                      workplace="Báo Hà Tĩnh")
    out = []
    for code in ("BI", "AB"):
        es = entries(contest, owner, n_per_genre, genre_code=code)
        for i, e in enumerate(es):
            enter(rnd, e)
            top = 95 - 3 * i
            sheet(rnd, e, j1, top)
            sheet(rnd, e, j2, top - 1 if not (with_tie and i in (1, 2)) else 91)
            if with_tie and i in (1, 2):
                # both 91.5: tied for B (quota 2 fits) — keep simple: no boundary
                pass
        out.extend(es)
    contest.decision_number = ""
    db.session.commit()
    return contest, org, out


def build_82625():
    """Two BI entries, threshold 20: ``work`` has the mean 82.625 (float rounding showed
    82.62); ``other`` has the sheets 84.25, 81.00 and 34.75 of issue 11."""
    org = make_user("org@example.vn")
    contest = make_contest(slug="ha-tinh")
    grant(org, contest, Membership.ORGANIZER)
    judges = [make_user(full_name=f"Giám khảo {n}") for n in (1, 2, 3, 4)]
    rnd = make_round(contest, judges=judges, judges_per_entry=4, disagreement_threshold=20)
    (work, other) = entries(contest, make_user(), 2)
    for e in (work, other):
        enter(rnd, e)
    # 84.25 + 81 + 82.5 + 82.75 = 330.5; / 4 = 82.625 exactly.
    for j, total in zip(judges, (84.25, 81, 82.5, 82.75), strict=True):
        sheet(rnd, work, j, total)
    for j, total in zip(judges[:3], (84.25, 81, 34.75), strict=True):
        sheet(rnd, other, j, total)
    db.session.commit()
    return contest, work, other, judges


def publish_via_web(client, slug: str = "ha-tinh"):
    """Record the decision and publish through the organizer's forms."""
    from tests.support.web import post_form

    post_form(client, f"/results/{slug}/decision",
              {"number": "125-QĐ/TU", "decided_on": "2024-11-20"},
              page=f"/results/{slug}/review")
    return post_form(client, f"/results/{slug}/publish", {}, page=f"/results/{slug}/review")
