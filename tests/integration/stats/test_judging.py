"""The judging charts of a round: sheets left per panel by day, judge calibration (bias,
flags) and the score distribution with the proposal's prize thresholds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Membership
from portal.stats.judging import bands, round_stats
from tests.support.factories import grant, make_contest, make_round, make_user
from tests.support.results import enter, entries, sheet
from tests.support.web import html, login

OPENS = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


def build(n_extra: int = 0):
    org = make_user("org@example.vn")
    contest = make_contest(slug="ha-tinh", status="judging")
    grant(org, contest, Membership.ORGANIZER)
    j1 = make_user(full_name="Trần Giám Khảo", email="gk1@example.vn")
    j2 = make_user(full_name="Lê Văn Chấm", email="gk2@example.vn")
    j3 = make_user(full_name="Võ Thị Khắt", email="gk3@example.vn")
    make_round(contest, position=1, status="closed")
    rnd = make_round(contest, position=2, judges=[j1, j2, j3], judges_per_entry=3,
                     opens_at=OPENS, closes_at=OPENS + timedelta(days=4, hours=9))
    owner = make_user(workplace="Báo Hà Tĩnh")
    es = entries(contest, owner, 5 + n_extra, genre_code="BI")
    scores = [(90, 89, 60), (85, 84, 84), (80, 79, 79), (75, 74, 74)]
    scores += [(70, 70, 70)] * n_extra
    for day, (e, totals) in enumerate(zip(es[:4] + es[5:], scores, strict=True)):
        enter(rnd, e)
        for judge, total in zip((j1, j2, j3), totals, strict=True):
            a = sheet(rnd, e, judge, total)
            a.sheet.submitted_at = OPENS + timedelta(days=min(day, 3), hours=2)
    enter(rnd, es[4])
    sheet(rnd, es[4], j1, 70, submitted=False)  # a draft: still owed
    sheet(rnd, es[4], j2)  # not started
    db.session.commit()
    return contest, rnd, es, (j1, j2, j3)


def test_round_stats_burn_down_counts_sheets_left_per_day(app):
    contest, rnd, es, _j = build()
    s = round_stats(contest, rnd, now=OPENS + timedelta(days=2))
    assert [d.day for d in s.days] == [1, 2, 3, 4, 5]
    assert s.today_index == 2
    (panel,) = s.panels
    assert (panel.needed, panel.submitted, panel.left) == (14, 12, 2)
    assert panel.left_by_day == [11, 8, 5, 2, 2]


def test_round_stats_judge_bias_and_flags_follow_the_disagreement_rule(app):
    contest, rnd, es, (j1, j2, j3) = build()
    s = round_stats(contest, rnd, now=OPENS)
    by_name = {j.name: j for j in s.judges}
    harsh = by_name["Võ Thị Khắt"]
    # bias: (60 - 89.5) + 3 × (84 - 84.5) over 4 works = -7.75
    assert (harsh.n, harsh.flags, harsh.bias) == (4, 1, pytest.approx(-7.75))
    assert harsh.totals == [60.0, 74.0, 79.0, 84.0]
    assert by_name["Trần Giám Khảo"].left == 1 and by_name["Lê Văn Chấm"].left == 1
    assert s.flags == 1
    assert sorted(s.panel_totals["Tiểu ban 1"]) == sorted(
        [60.0, 89.0, 90.0, 84.0, 84.0, 85.0, 79.0, 79.0, 80.0, 74.0, 74.0, 75.0])


def test_round_stats_thresholds_are_the_lowest_score_of_each_proposed_level(app):
    contest, rnd, es, _j = build()
    s = round_stats(contest, rnd, now=OPENS)
    assert s.is_final
    bi = next(g for g in s.genres if g.code == "BI")
    assert [round(v, 2) for v in bi.values] == [74.33, 79.33, 79.67, 84.33]
    assert [(code, round(v, 2)) for code, _name, v in bi.thresholds] == THRESHOLDS


THRESHOLDS = [("B", 84.33), ("C", 79.33), ("KK", 74.33)]


def test_bands_count_each_value_once():
    assert bands([74.3, 79.3, 79.7, 84.3], low=74.3, high=84.3) == [
        (1, 70.0, 75.0), (2, 75.0, 80.0), (1, 80.0, 85.0)]
    assert bands([80.0], low=80.0, high=80.0) == [(1, 80.0, 85.0)]


def test_judging_page_shows_charts_and_tables(app, client):
    contest, rnd, es, _j = build()
    login(client, "org@example.vn")
    page = html(client.get(f"/organize/ha-tinh/stats/rounds/{rnd.id}"))
    assert page.count("<svg") >= 4
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    burn = re.search(r'data-figure="burndown".*?</table>', page, re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", burn) == ["14", "12", "2"]
    bias = re.search(r'data-figure="bias".*?</table>', page, re.S).group(0)
    assert re.search(r"Võ Thị Khắt</th><td>Tiểu ban 1</td><td>-7,75</td><td>1</td>", bias)


def test_judging_page_of_another_editions_round_is_404(app, client):
    contest, rnd, es, _j = build()
    other = make_contest(slug="nghe-an")
    other_round = make_round(other)
    db.session.commit()
    login(client, "org@example.vn")
    assert client.get(f"/organize/ha-tinh/stats/rounds/{other_round.id}").status_code == 404
    assert client.get(f"/organize/nghe-an/stats/rounds/{other_round.id}").status_code == 404


@pytest.mark.parametrize("extra", [0, 40])
def test_judging_page_queries_do_not_grow_with_sheets(app, client, queries, extra):
    contest, rnd, es, _j = build(extra)
    login(client, "org@example.vn")
    client.get(f"/organize/ha-tinh/stats/rounds/{rnd.id}")
    with queries() as q:
        assert client.get(f"/organize/ha-tinh/stats/rounds/{rnd.id}").status_code == 200
    assert q.n == EXPECTED_JUDGING, [s[:70] for s in q.statements]


# the request's own (session, edition, memberships) + the round with its rubric (2) +
# panels, judges, assignments, sheets, round entries, final position, levels, quotas,
# genres: the same at 14 and 134 sheets, for four kinds of chart (≤ 2 each).
EXPECTED_JUDGING = 13
