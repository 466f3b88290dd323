"""The edition dashboard: its numbers (service), its page (charts with tables, no script)
and its SQL cost."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Membership
from portal.stats.services import edition_stats, normalize_reason
from tests.integration.stats.helpers import build
from tests.support.factories import grant, make_contest, make_round, make_user
from tests.support.web import html, login


def test_edition_stats_counts_entries_by_state_medium_form_and_agency(app):
    contest, es, _rounds = build()
    s = edition_stats(contest)
    assert (s.received, s.drafts, s.withdrawn) == (9, 2, 1)
    assert (s.eligible, s.ineligible, s.pending) == (5, 3, 1)
    assert s.by_genre == {"BI": 3, "DT": 2, "TH": 2, "AB": 2}
    assert s.by_genre_form[("BI", "series")] == 1 and s.by_genre_form[("BI", "single")] == 2
    assert s.drafts_by_genre == {"BI": 1, "TH": 1}
    assert s.by_agency == [("Báo Hà Tĩnh", 3), ("Đài PT-TH Hà Tĩnh", 3), ("", 3)]
    assert s.agencies == 2


def test_edition_stats_groups_reasons_typed_differently(app):
    contest, es, _rounds = build()
    s = edition_stats(contest)
    assert s.reasons == [("Đăng ngoài thời gian quy định", 2), ("Thiếu xác nhận của cơ quan", 1)]
    assert normalize_reason(" Thiếu  hồ sơ. ") == "Thiếu hồ sơ"


def test_edition_stats_funnel_rounds_prizes_forwarded(app):
    contest, es, _rounds = build()
    s = edition_stats(contest)
    assert s.funnel == [("received", 9), ("eligible", 5), ("round1", 5), ("final", 3),
                        ("prizes", 2), ("forwarded", 2)]
    assert s.prizes_by_level == {"A": 1, "B": 1}


def test_edition_stats_timeline_per_day_and_previous_edition_on_same_axis(app):
    contest, es, _rounds = build()
    t = edition_stats(contest).timeline
    assert t.offsets == list(range(10, -1, -1))
    day = dict(zip(t.offsets, range(len(t.offsets)), strict=True))
    assert t.per_day["BI"][day[5]] == 1 and t.per_day["BI"][day[0]] == 1
    assert t.per_day["TH"][day[0]] == 2 and t.per_day["DT"][day[3]] == 1
    assert t.cumulative[day[5]] == 1 and t.cumulative[-1] == 9  # received only
    assert t.previous[day[5]] == 0 and t.previous[day[4]] == 1 and t.previous[-1] == 3
    assert t.previous_label == "Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ V (2025)"


def test_edition_stats_storage_and_files_being_checked(app):
    contest, es, _rounds = build()
    s = edition_stats(contest)
    assert (s.files_verified, s.files_uploading, s.files_rejected) == (2, 1, 1)
    assert s.bytes_stored == 5 * 1024**2


def test_dashboard_page_shows_charts_without_script_and_tables_of_numbers(app, client):
    build()
    login(client, "org@example.vn")
    response = client.get("/organize/ha-tinh/dashboard")
    page = html(response)
    assert response.status_code == 200
    assert page.count("<svg") >= 5
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'role="img"' in page
    # the funnel's table says the same as the service
    funnel = re.search(r'data-figure="funnel".*?</table>', page, re.S).group(0)
    cells = re.findall(r"<th scope=\"row\">(.*?)</th><td>(.*?)</td>", funnel)
    assert cells == [("Đã nhận", "9"), ("Hợp lệ", "5"), ("Vòng 1", "5"), ("Vòng chung khảo", "3"),
                     ("Giải thưởng", "2"), ("Gửi dự Giải toàn quốc", "2")]
    assert 'data-stat="uploading">1<' in page
    assert "Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ V (2025)" in page  # previous edition


def test_dashboard_is_for_the_editions_organizers_only(app, client):
    contest, _es, _r = build()
    login(client, "a@example.vn")
    assert client.get("/organize/ha-tinh/dashboard").status_code == 404


@pytest.mark.parametrize("extra", [0, 60])
def test_dashboard_queries_do_not_grow_with_entries(app, client, queries, extra):
    build(extra)
    login(client, "org@example.vn")
    client.get("/organize/ha-tinh/dashboard")
    with queries() as q:
        assert client.get("/organize/ha-tinh/dashboard").status_code == 200
    assert q.n == EXPECTED_DASHBOARD, [s[:60] for s in q.statements]


# the request's own (session, user, edition: 3) + genres, entries,
# rounds, awards, files, previous edition (6) for 6 charts: the same at 9 and 69 entries.
EXPECTED_DASHBOARD = 9


def test_user_text_in_charts_is_escaped(app, client):
    contest, es, _r = build()
    es["p7"].eligibility_reason = '</svg><script>alert(1)</script><img src=x onerror="x()">'
    es["p1"].authors[0].workplace = "<b onmouseover=alert(2)>Báo</b>"
    db.session.commit()
    login(client, "org@example.vn")
    page = html(client.get("/organize/ha-tinh/dashboard"))
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main and "<img" not in main and "<b " not in main
    assert "&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in main


def test_organizer_home_links_each_edition_to_its_dashboard(app, client):
    build()
    login(client, "org@example.vn")
    page = html(client.get("/organize/"))
    assert page.count('href="/organize/ha-tinh/dashboard"') == 2  # the name and the button
    assert "/organize/ha-tinh-2025/dashboard" not in page  # not an organizer there


def test_dashboard_and_report_of_a_new_edition_without_entries(app, client, tmp_path):
    org = make_user("org@example.vn")
    contest = make_contest(slug="moi")
    grant(org, contest, Membership.ORGANIZER)
    db.session.commit()
    login(client, "org@example.vn")
    page = html(client.get("/organize/moi/dashboard"))
    assert 'data-stat="received">0<' in page and page.count("<svg") >= 5
    report = client.get("/results/moi/export/report.pdf")
    assert report.status_code == 200 and report.data.startswith(b"%PDF")
    rnd = make_round(contest)
    db.session.commit()
    page = html(client.get(f"/organize/moi/stats/rounds/{rnd.id}"))
    assert "Phiếu còn lại" in page
