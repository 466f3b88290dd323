"""Aggregation, ranking and the prize proposal through the service, computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Award, Contest, Entry, Membership
from portal.results import services
from tests.support.factories import grant, make_contest, make_round, make_user
from tests.support.results import enter, entries, sheet

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    """Services translate their messages, which needs a request (Vietnamese by default)."""
    with app.test_request_context():
        from flask import session

        session["lang"] = "en"
        yield


@pytest.fixture
def ranked_edition(app):
    """Genre BI, k=2, judges j1..j3, eight entries with hand-picked totals (see below)."""
    org = make_user("org@example.vn")
    contest = make_contest()
    grant(org, contest, Membership.ORGANIZER)
    j1, j2, j3 = (make_user(full_name=f"Giám khảo {n}") for n in (1, 2, 3))
    rnd = make_round(contest, position=1, judges=[j1, j2, j3], judges_per_entry=2)
    owner = make_user()
    e = entries(contest, owner, 8)
    for x in e:
        enter(rnd, x)
    sheet(rnd, e[0], j1, 90); sheet(rnd, e[0], j2, 88)   # noqa: E702  89   -> A
    sheet(rnd, e[1], j1, 84); sheet(rnd, e[1], j2, 82)   # noqa: E702  83   -> B
    sheet(rnd, e[2], j1, 82); sheet(rnd, e[2], j2, 80)   # noqa: E702  81   tie for the
    sheet(rnd, e[3], j1, 80); sheet(rnd, e[3], j2, 82)   # noqa: E702  81   last B place
    sheet(rnd, e[4], j1, 72); sheet(rnd, e[4], j2, 70)   # noqa: E702  71   below C min 75 -> KK
    sheet(rnd, e[5], j1, 69); sheet(rnd, e[5], j2, 68)   # noqa: E702  68.5 below KK min 70
    sheet(rnd, e[6], j1, 95); sheet(rnd, e[6], j2)       # noqa: E702  one sheet: incomplete
    sheet(rnd, e[7], j1, 78); sheet(rnd, e[7], j2, recused=True)  # noqa: E702  recused
    sheet(rnd, e[7], j3, 76)                             # 77 from two sheets, not (78+0+76)/3
    db.session.commit()
    return contest, rnd, e, org


def test_aggregates_ranks_and_proposal_computed_by_hand(ranked_edition):
    contest, rnd, e, _org = ranked_edition
    review = services.review_results(contest)
    rows = review.results.rows
    got = {i: (rows[x.id].value, rows[x.id].n_sheets, rows[x.id].rank, rows[x.id].proposed)
           for i, x in enumerate(e)}
    assert got == {
        0: (89.0, 2, 1, "A"),
        1: (83.0, 2, 2, "B"),
        2: (81.0, 2, 3, "C"),
        3: (81.0, 2, 3, "C"),
        4: (71.0, 2, 6, "KK"),
        5: (68.5, 2, 7, None),
        6: (95.0, 1, None, None),
        7: (77.0, 2, 5, "C"),
    }
    assert rows[e[2].id].tied and rows[e[3].id].tied and not rows[e[0].id].tied
    assert rows[e[6].id].complete is False and rows[e[6].id].rankable is False
    assert review.results.ties == [
        services.BoundaryTie("BI", "B", tuple(sorted((e[2].id, e[3].id))), 81.0, 1)]


def test_recused_sheet_is_absent_not_zero(ranked_edition):
    contest, rnd, e, _org = ranked_edition
    values = services.round_aggregate_values(rnd)
    assert values[e[7].id] == 77.0
    assert values[e[6].id] is None  # one sheet of two, not accepted: not a score yet


def test_mean_summed_in_sql_equals_mean_computed_in_memory(ranked_edition):
    contest, rnd, e, org = ranked_edition
    services.accept_incomplete(contest, e[6], reason="Hội đồng đồng ý", actor=org)
    db.session.flush()
    assert rnd.aggregation == "mean"
    in_sql = services.round_aggregate_values(rnd)
    rnd.aggregation = "median"  # the in-memory path; the median of two sheets is their mean
    in_memory = services.round_aggregate_values(rnd)
    assert in_sql == in_memory
    assert in_sql == {e[0].id: 89.0, e[1].id: 83.0, e[2].id: 81.0, e[3].id: 81.0,
                      e[4].id: 71.0, e[5].id: 68.5, e[6].id: 95.0, e[7].id: 77.0}


def test_incomplete_entry_ranked_only_after_acceptance_with_reason(ranked_edition):
    contest, rnd, e, org = ranked_edition
    with pytest.raises(DomainError) as err:
        services.accept_incomplete(contest, e[6], reason="  ", actor=org)
    assert err.value.message == "Give the reason for accepting an incomplete entry."
    services.accept_incomplete(contest, e[6], reason="Giám khảo 2 ốm, Hội đồng đồng ý",
                               actor=org)
    db.session.commit()
    rows = services.review_results(contest).results.rows
    # 95 now leads: it takes the single A place, 89 drops to B and 83 takes the second B.
    assert [(rows[x.id].rank, rows[x.id].proposed) for x in e[:2] + [e[6]]] == [
        (2, "B"), (3, "B"), (1, "A")]
    event = db.session.query(AuditEvent).filter_by(action="result.incomplete_accepted").one()
    assert event.entry_id == e[6].id
    assert "Giám khảo 2 ốm" in event.after


def test_tiebreak_on_named_criterion_separates_a_tie(ranked_edition):
    contest, rnd, e, org = ranked_edition
    # e[2] and e[3] both total 81; put more of e[3]'s points on "discovery".
    for a in rnd_assignments(rnd, e[3]):
        for s in a.sheet.scores:
            if s.criterion.code == "discovery":
                s.value += 2
            if s.criterion.code == "presentation":
                s.value -= 2
    services.set_tiebreak(rnd, codes=["discovery"], actor=org)
    db.session.commit()
    rows = services.review_results(contest).results.rows
    assert (rows[e[3].id].rank, rows[e[2].id].rank) == (3, 4)
    assert (rows[e[3].id].proposed, rows[e[2].id].proposed) == ("B", "C")
    with pytest.raises(DomainError) as err:
        services.set_tiebreak(rnd, codes=["nope"], actor=org)
    assert "nope" in err.value.message


def rnd_assignments(rnd, entry):
    from portal.models import Assignment

    return db.session.query(Assignment).filter_by(round_id=rnd.id, entry_id=entry.id).all()


def test_harsh_judge_zscores_change_the_order(app):
    contest = make_contest()
    h, n1, n2 = (make_user() for _ in range(3))
    rnd = make_round(contest, judges=[h, n1, n2], judges_per_entry=2, aggregation="mean")
    p, q, r, s = entries(contest, make_user(), 4)
    for x in (p, q, r, s):
        enter(rnd, x)
    # H is harsh: P 70, Q 60. N1: P 80, R 85, S 75. N2: Q 90, R 85, S 80.
    sheet(rnd, p, h, 70); sheet(rnd, q, h, 60)                          # noqa: E702
    sheet(rnd, p, n1, 80); sheet(rnd, r, n1, 85); sheet(rnd, s, n1, 75)  # noqa: E702
    sheet(rnd, q, n2, 90); sheet(rnd, r, n2, 85); sheet(rnd, s, n2, 80)  # noqa: E702
    db.session.commit()

    def order():
        rows = services.compute_round(rnd).rows
        return sorted(((rows[x.id].rank, name) for x, name in
                       ((p, "P"), (q, "Q"), (r, "R"), (s, "S"))))

    # Plain mean: R 85, S 77.5, P 75 = Q 75.
    assert order() == [(1, "R"), (2, "S"), (3, "P"), (3, "Q")]
    # z per judge: H P +1, Q -1; N1 P 0, R +1.22, S -1.22; N2 Q +1.22, R 0, S -1.22.
    # Mean z: R 0.61, P 0.5, Q 0.11, S -1.22.
    rnd.aggregation = "zscore"
    db.session.commit()
    assert order() == [(1, "R"), (2, "P"), (3, "Q"), (4, "S")]


def test_disagreement_flag_and_judge_stats_carry_the_numbers(app):
    contest = make_contest()
    j1, j2, j3 = (make_user() for _ in range(3))
    rnd = make_round(contest, judges=[j1, j2, j3], judges_per_entry=3,
                     disagreement_threshold=15)
    (a,) = entries(contest, make_user(), 1)
    enter(rnd, a)
    sheet(rnd, a, j1, 80); sheet(rnd, a, j2, 82); sheet(rnd, a, j3, 60)  # noqa: E702
    db.session.commit()
    res = services.compute_round(rnd)
    (flag,) = res.rows[a.id].flags
    assert (flag.judge_id, flag.total, flag.others_mean, flag.difference) == (j3.id, 60, 81, -21)
    assert (res.judges[j3.id].n, res.judges[j3.id].mean, res.judges[j3.id].flags) == (1, 60, 1)


def test_entry_below_minimum_gets_no_level(ranked_edition):
    contest, rnd, e, _org = ranked_edition
    rows = services.review_results(contest).results.rows
    assert rows[e[5].id].value == 68.5 and rows[e[5].id].proposed is None


def test_any_number_of_works_may_be_sent_to_the_national_award(ranked_edition):
    """Issue 10: the old per-genre forward quota refused a third work; the province's
    selection has any size, prize winners or not."""
    contest, rnd, e, org = ranked_edition
    for entry in e[:6]:
        services.set_forwarded(contest, entry, forwarded=True, reason="", actor=org, now=NOW)
    assert db.session.query(Award).filter_by(forwarded=True).count() == 6


def test_publish_refused_until_tie_settled_then_versions(ranked_edition):
    contest, rnd, e, org = ranked_edition
    with pytest.raises(DomainError) as err:
        services.publish(contest, actor=org, now=NOW)
    assert err.value.message == "Record the decision number and date before publishing."
    services.record_decision(contest, number="125-QĐ/TU", decided_on=NOW.date(), actor=org)
    with pytest.raises(DomainError) as err:
        services.publish(contest, actor=org, now=NOW)
    assert e[2].reference in err.value.message and e[3].reference in err.value.message
    services.set_level(contest, e[2], level_code="B", reason="Hội đồng bỏ phiếu", actor=org,
                       now=NOW)
    services.set_level(contest, e[3], level_code="C", reason="Hội đồng bỏ phiếu", actor=org,
                       now=NOW)
    snap = services.publish(contest, actor=org, now=NOW)
    db.session.commit()
    assert snap.version == 1 and contest.status == Contest.PUBLISHED
    payload = services.snapshot_payload(snap)
    assert [(p["reference"], p["level"]) for p in payload["prizes"]] == [
        (e[0].reference, "A"), (e[1].reference, "B"), (e[2].reference, "B"),
        (e[3].reference, "C"), (e[7].reference, "C"), (e[4].reference, "KK")]
    award = db.session.query(Award).filter_by(entry_id=e[2].id).one()
    assert (award.proposed_level, award.level) == ("C", "B")
    assert services.published_result_for([e[2], e[5]]) == {e[2].id: "Giải B"}
    services.set_level(contest, e[4], level_code=None, reason="Sai thể lệ", actor=org, now=NOW)
    snap2 = services.publish(contest, actor=org, now=NOW)
    db.session.commit()
    assert snap2.version == 2 and snap2.sha256 != snap.sha256
    assert e[4].reference not in snap2.payload and e[4].reference in snap.payload


def test_published_form_text_for_series_and_photos(app):
    contest = make_contest()
    bi = next(g for g in contest.genres if g.code == "BI")
    bi.series_word_vi, bi.part_word_vi = "Phóng sự", "kỳ"
    entry = Entry(form=Entry.SERIES, parts_count=5)
    assert services.form_text(bi, entry, 0) == ("Phóng sự 5 kỳ", "series of 5 parts")
    ab = next(g for g in contest.genres if g.code == "AB")
    ab.series_word_vi, ab.part_word_vi = "Chùm ảnh", "ảnh"
    assert services.form_text(ab, Entry(form=Entry.SINGLE, parts_count=1), 6) == (
        "Chùm ảnh 6 ảnh", "series of 6 photos")
    assert services.form_text(bi, Entry(form=Entry.SINGLE, parts_count=1), 0) == ("", "")


def test_zscore_on_a_weighted_rubric_maps_back_to_the_weighted_scale(app):
    """Issue 11: raw maxima 40 + 30 = 70, weights 1 and 2 make the weighted maximum 100.
    Three judges giving the same totals: zscore must equal the mean, not clamp at 70."""
    from decimal import Decimal

    from portal.models import Criterion

    contest = make_contest()
    judges = [make_user() for _ in range(3)]
    rnd = make_round(contest, judges=judges, judges_per_entry=3, aggregation="zscore")
    rnd.criteria.clear()
    db.session.flush()
    rnd.criteria.extend([
        Criterion(code="content", name_vi="Nội dung", name_en="Content", position=0,
                  max_score=Decimal(40), step=Decimal("0.5"), weight=Decimal(1)),
        Criterion(code="form", name_vi="Hình thức", name_en="Form", position=1,
                  max_score=Decimal(30), step=Decimal("0.5"), weight=Decimal(2)),
    ])
    works = entries(contest, make_user(), 7)
    totals = [95, 90, 86, 82, 78, 74, 50]
    for work, total in zip(works, totals, strict=True):
        enter(rnd, work)
        for j in judges:
            sheet(rnd, work, j, total, criteria={"content": 35, "form": (total - 35) / 2})
    db.session.commit()

    rows = services.review_results(contest).results.rows
    got = [(rows[w.id].value, rows[w.id].rank, rows[w.id].proposed) for w in works]
    assert got == [(pytest.approx(t), i + 1, level) for i, (t, level) in enumerate(
        zip(totals, ["A", "B", "B", "C", "C", "KK", None], strict=True))]


def test_round_mean_equals_the_review_mean_on_awkward_totals(app):
    """Ten sheets of 0.10 (or of 70.10): a running float sum, as a database's SUM makes it,
    gives 0.9999999999999999 where math.fsum gives 1.0, so a mean summed in SQL differed
    from judging.aggregation's. Advancement (round_aggregate_values) and the review
    (compute_round) must give the same number, and the exact one."""
    contest = make_contest()
    judges = [make_user(full_name=f"Giám khảo {n}") for n in range(10)]
    rnd = make_round(contest, position=1, judges=judges, judges_per_entry=10)
    e = entries(contest, make_user(), 2)
    for x in e:
        enter(rnd, x)
    for j in judges:
        sheet(rnd, e[0], j, "0.10")
        sheet(rnd, e[1], j, "70.10")
    db.session.commit()
    assert rnd.aggregation == "mean"
    advancement = services.round_aggregate_values(rnd)
    review = services.compute_round(rnd, with_agreement=False)
    assert advancement == {e[0].id: 0.1, e[1].id: 70.1}
    assert {i: r.value for i, r in review.rows.items()} == advancement
