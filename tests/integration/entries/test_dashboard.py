"""The entrant's dashboard: own and co-authored entries, status, time left, query count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.entries import services
from portal.extensions import db
from portal.models import Entry
from tests.support.factories import make_contest, make_entry, make_user
from tests.support.web import html, login


def test_dashboard_lists_own_entries_with_status_reference_and_time_left(signed_in, entrant):
    now = datetime.now(UTC)
    contest = make_contest(submission_closes=now + timedelta(days=3, hours=4, minutes=30))
    make_entry(contest, entrant, title="Bản nháp của tôi")
    make_entry(contest, entrant, title="Bài đã nộp", status=Entry.SUBMITTED,
               reference="BLV2026-BI-001", seq=1)
    make_entry(contest, entrant, title="Bài bị loại", status=Entry.SUBMITTED,
               reference="BLV2026-BI-002", seq=2, eligibility=Entry.INELIGIBLE,
               eligibility_reason="Kỳ 2 đăng ngoài thời hạn", ruled_at=now)
    make_entry(contest, make_user(), title="Của người khác")
    db.session.commit()
    page = html(signed_in.get("/entries/"))
    assert page.count("data-entry-id=") == 3
    assert "Bản nháp của tôi" in page and "Bản nháp" in page
    assert "BLV2026-BI-001" in page and "Đã nộp" in page and "Chờ thẩm định" in page
    assert "Không hợp lệ" in page and "Lý do: Kỳ 2 đăng ngoài thời hạn" in page
    assert "Của người khác" not in page
    assert "còn 3 ngày 4 giờ" in page
    assert f'href="/entries/new/{contest.slug}"' in page


def test_dashboard_after_the_deadline_says_so(signed_in, entrant):
    now = datetime.now(UTC)
    contest = make_contest(submission_opens=now - timedelta(days=40),
                           submission_closes=now - timedelta(minutes=5))
    make_entry(contest, entrant, title="Nộp muộn")
    db.session.commit()
    page = html(signed_in.get("/entries/"))
    assert "Đã hết hạn nộp" in page
    assert f"/entries/new/{contest.slug}" not in page


def test_time_left_in_hours_on_the_last_day(app):
    now = datetime(2026, 9, 30, 0, 0, tzinfo=UTC)
    contest = make_contest(now=now, submission_closes=now + timedelta(hours=5, minutes=7))
    with app.test_request_context("/"):
        assert services.time_left(contest, now) == "còn 5 giờ 7 phút"
        assert services.time_left(contest, now + timedelta(hours=6)) == "Đã hết hạn nộp"


def test_coauthor_sees_the_entry_on_their_dashboard(client, contest, entrant):
    colleague = make_user(full_name="Trần Văn Nam")
    make_entry(contest, entrant, title="Viết chung với Nam", authors=[entrant, colleague])
    make_entry(contest, entrant, title="Chỉ của Hồng")
    db.session.commit()
    login(client, colleague.email)
    page = html(client.get("/entries/"))
    assert "Viết chung với Nam" in page
    assert "Đồng tác giả" in page
    assert "Chỉ của Hồng" not in page


def test_dashboard_in_english(signed_in, contest, entrant):
    from tests.support.web import post_form

    make_entry(contest, entrant, title="Một bài báo")
    db.session.commit()
    post_form(signed_in, "/lang", {"lang": "en", "next": "/"}, page="/")
    page = html(signed_in.get("/entries/"))
    assert "Một bài báo" in page and "Draft" in page and "days" in page


def _fill(contest, owner, n):
    others = [make_user() for _ in range(3)]
    for i in range(n):
        authors = [owner, others[i % 3]] if i % 2 else [others[i % 3], owner]
        e = make_entry(contest, others[i % 3] if i % 4 == 0 else owner, authors=authors)
        if i % 3 == 0:
            e.status, e.seq = Entry.SUBMITTED, i + 1
            e.reference = f"{contest.ref_prefix}-BI-{i + 1:03d}"
    db.session.commit()


def test_dashboard_query_count_does_not_grow_with_entries(app, queries):
    counts = []
    for n in (5, 200):
        owner = make_user()
        contest = make_contest(ref_prefix=f"Q{n}")
        make_contest(ref_prefix=f"R{n}")  # a second open edition: one more "new entry" button
        _fill(contest, owner, n)
        client = app.test_client()
        login(client, owner.email)
        client.get("/entries/")
        with queries() as q:
            page = html(client.get("/entries/"))
        assert page.count("data-entry-id=") == n
        counts.append(q.n)
    assert counts[0] == counts[1]
