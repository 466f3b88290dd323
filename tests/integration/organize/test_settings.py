"""Edition settings: validation keeps the input and the row; a save writes an audit event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Contest
from tests.support.web import html, post_form

VALID = {
    "name": "Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ VI",
    "name_en": "Golden Hammer and Sickle, Ha Tinh, 6th",
    "year": "2026", "number": "6",
    "organizing_body": "Ban Tuyên giáo Tỉnh ủy", "province": "Hà Tĩnh",
    "timezone": "Asia/Ho_Chi_Minh", "ref_prefix": "HT2026",
    "publication_start": "2025-10-01", "publication_end": "2026-09-15",
    "submission_opens": "2026-03-01T08:00", "submission_closes": "2026-09-30T17:00",
    "per_author_cap": "3", "max_authors": "4", "max_parts": "5", "status": "open",
    "allow_quota_transfer": "y", "special_prize_count": "1",
}


def _snapshot(contest_id):
    db.session.expire_all()
    c = db.session.get(Contest, contest_id)
    return (c.name, c.year, c.timezone, c.per_author_cap, c.publication_start,
            c.publication_end, c.submission_opens, c.submission_closes)


def test_settings_save_converts_local_times_to_utc_and_audits(edition, client):
    r = post_form(client, edition.url("settings"), VALID, follow_redirects=True)
    assert "Đã lưu cấu hình." in html(r)
    db.session.expire_all()
    c = db.session.get(Contest, edition.contest.id)
    assert c.name == VALID["name"]
    assert c.organizing_body == "Ban Tuyên giáo Tỉnh ủy"
    assert c.ref_prefix == "HT2026"
    assert c.per_author_cap == 3 and c.max_authors == 4 and c.special_prize_count == 1
    assert c.publication_start == date(2025, 10, 1)
    # 17:00 in Hanoi (UTC+7) is 10:00 UTC.
    assert c.submission_closes == datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    assert c.submission_opens == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    assert c.allow_quota_transfer is True and c.release_averages is False
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "contest.settings_updated")).one()
    assert event.actor_id == edition.organizer.id and event.contest_id == c.id
    before, after = json.loads(event.before), json.loads(event.after)
    assert after["per_author_cap"] == 3 and before["per_author_cap"] == 2
    assert after["submission_closes"] == "2026-09-30T10:00:00+00:00"
    assert "slug" not in after


def test_settings_form_shows_close_time_in_edition_zone(edition, client):
    post_form(client, edition.url("settings"), VALID)
    page = html(client.get(edition.url("settings")))
    assert 'value="30/09/2026 17:00"' in page  # dd/mm/yyyy, 24-hour, whatever the browser


def test_settings_dates_out_of_order_refused(edition, client):
    before = _snapshot(edition.contest.id)
    data = {**VALID, "publication_start": "2026-10-01", "publication_end": "2026-01-01",
            "submission_opens": "2026-09-30T17:00", "submission_closes": "2026-09-01T17:00",
            "name": "Tên mới không được lưu"}
    r = post_form(client, edition.url("settings"), data)
    page = html(r)
    assert r.status_code == 422
    assert "Cửa sổ đăng tải phải kết thúc vào hoặc sau ngày bắt đầu." in page
    assert "Thời điểm đóng nhận phải sau thời điểm mở nhận." in page
    assert 'value="Tên mới không được lưu"' in page  # the input is kept
    assert _snapshot(edition.contest.id) == before
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_settings_negative_cap_and_bad_timezone_refused(edition, client):
    before = _snapshot(edition.contest.id)
    r = post_form(client, edition.url("settings"),
                  {**VALID, "per_author_cap": "-1", "max_parts": "0",
                   "timezone": "Asia/Hanoi_City"})
    page = html(r)
    assert r.status_code == 422
    assert page.count("Phải là số nguyên từ 1 trở lên.") == 2
    assert "“Asia/Hanoi_City” không phải là múi giờ hợp lệ" in page
    assert 'value="Asia/Hanoi_City"' in page and 'value="-1"' in page
    assert _snapshot(edition.contest.id) == before


def test_settings_non_number_refused_with_message(edition, client):
    r = post_form(client, edition.url("settings"), {**VALID, "year": "hai nghìn"})
    assert r.status_code == 422
    assert "Hãy nhập một số nguyên." in html(r)
    assert _snapshot(edition.contest.id)[1] == 2026


def test_settings_choose_the_entry_routes_and_refuse_an_unknown_one(edition, client):
    r = post_form(client, edition.url("settings"), {**VALID, "entry_routes": "agency"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contest, edition.contest.id).entry_routes == Contest.ROUTE_AGENCY
    r = post_form(client, edition.url("settings"), {**VALID, "entry_routes": "post"})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Contest, edition.contest.id).entry_routes == Contest.ROUTE_AGENCY


def test_settings_dates_are_typed_and_shown_day_first_in_24_hours(edition, client):
    data = {**VALID, "publication_start": "01/10/2025", "publication_end": "15/09/2026",
            "submission_opens": "01/03/2026 08:00", "submission_closes": "30/09/2026 17:00"}
    r = post_form(client, edition.url("settings"), data, follow_redirects=True)
    assert "Đã lưu cấu hình." in html(r)
    db.session.expire_all()
    c = db.session.get(Contest, edition.contest.id)
    assert (c.publication_start, c.publication_end) == (date(2025, 10, 1), date(2026, 9, 15))
    assert c.submission_closes == datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    page = html(client.get(edition.url("settings")))
    # Text inputs, not native pickers whose display follows the browser's locale.
    assert 'type="date' not in page and 'type="datetime-local"' not in page
    assert 'value="01/10/2025"' in page and 'value="01/03/2026 08:00"' in page


def test_settings_month_first_date_is_refused_with_the_format(edition, client):
    before = _snapshot(edition.contest.id)
    r = post_form(client, edition.url("settings"),
                  {**VALID, "publication_end": "09/15/2026", "submission_closes": "30/09/2026 5pm"})
    page = html(r)
    assert r.status_code == 422
    assert "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 30/09/2026." in page
    assert ("Nhập ngày giờ theo dạng ngày/tháng/năm giờ:phút (24 giờ), "
            "ví dụ 30/09/2026 17:00.") in page
    assert 'value="09/15/2026"' in page  # what was typed is kept
    assert _snapshot(edition.contest.id) == before
