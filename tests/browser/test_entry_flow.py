"""A new entrant, in a real browser: register, fill a two-part series with co-authors,
fix a bad date and an out-of-window date, save, see the dashboard in both languages."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Entry

pytestmark = pytest.mark.browser


def _register(page, email: str, live_server) -> None:
    page.goto("/auth/register")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.fill("#full_name", "Võ Thị Thanh Hương")
    page.fill("#email", email)
    page.fill("#password", "mat-khau-dai-1")
    page.fill("#confirm", "mat-khau-dai-1")
    page.fill("#pen_name", "Thanh Hương")
    page.fill("#year_of_birth", "1990")
    page.fill("#workplace", "Báo Hà Tĩnh")
    page.fill("#phone", "0912 345 678")
    page.locator("form button[type=submit]").last.click()
    page.locator("#register-sent").wait_for()  # "check your email to confirm"
    # The link the confirmation mail carries (mail is only logged here), then log in.
    from portal.auth.services import make_confirm_token, user_by_email
    with live_server.app.app_context():
        token = make_confirm_token(user_by_email(email),
                                   secret_key=live_server.app.config["SECRET_KEY"])
    page.goto(f"/auth/confirm/{token}")
    page.get_by_role("button", name="Xác nhận địa chỉ của tôi").click()
    page.locator("#confirm-done").wait_for()
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", "mat-khau-dai-1")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/entries/$"))


def test_new_entrant_creates_a_series_with_coauthors(browser_page, live_server):
    page = browser_page
    email = f"huong.{uuid.uuid4().hex[:6]}@baohatinh.vn"
    _register(page, email, live_server)

    page.get_by_role("link", name="Tạo tác phẩm dự thi").first.click()
    page.wait_for_url(re.compile(r"/entries/new/ha-tinh-2026$"))
    # The account holder is already the lead author.
    assert page.input_value("#authors-0-full_name") == "Võ Thị Thanh Hương"
    assert page.input_value("#authors-0-email") == email

    page.select_option("#genre_id", label="Báo in")
    page.fill("#title", "Đảng viên trẻ nơi biên giới Hương Sơn")
    page.fill("#parts-0-title", "Kỳ 1: Những người giữ lửa")
    page.fill("#parts-0-published_on", "05/12/2025")
    page.fill("#parts-0-outlet", "Báo Hà Tĩnh")

    page.get_by_role("button", name="Thêm kỳ").click()  # entries.js adds the row in place
    assert page.input_value("#parts_count") == "2"
    assert page.is_checked("input[name=form][value=series]")
    page.fill("#parts-1-title", "Kỳ 2: Chi bộ trên bản")
    page.fill("#parts-1-published_on", "32/11/2025")  # no such day
    page.fill("#parts-1-outlet", "Báo Hà Tĩnh")

    for i, (name, mail) in enumerate([("Nguyễn Văn Bình", "binh@example.vn"),
                                      ("Trần Thị Cúc", "")], start=1):
        page.get_by_role("button", name="Thêm tác giả").click()
        page.fill(f"#authors-{i}-full_name", name)
        page.fill(f"#authors-{i}-year_of_birth", str(1980 + i))
        page.fill(f"#authors-{i}-email", mail)
    page.check("#not_national_award")
    page.check("#accepted_rules")

    page.get_by_role("button", name="Lưu nháp").click()
    # A field error next to the bad date; everything typed is still there.
    error = page.locator("#parts-1-published_on-error")
    assert error.inner_text() == "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 30/09/2026."
    assert page.input_value("#parts-1-published_on") == "32/11/2025"
    assert page.input_value("#authors-2-full_name") == "Trần Thị Cúc"
    assert page.input_value("#parts-1-title") == "Kỳ 2: Chi bộ trên bản"

    # A real date, but before the publication window: saved, and flagged next to the field.
    page.fill("#parts-1-published_on", "15/10/2025")
    page.get_by_role("button", name="Lưu nháp").click()
    # The first save opens the new draft at its file section.
    page.wait_for_url(re.compile(r"/entries/\d+/edit#files$"))
    hint = page.locator('[data-hint-for="parts-1-published_on"]')
    assert "Kỳ 2 đăng/phát ngày 15/10/2025, trước ngày bắt đầu tính giải 01/11/2025." \
        in hint.inner_text()

    page.fill("#parts-1-published_on", "15/11/2025")
    page.get_by_role("button", name="Lưu nháp").click()
    page.wait_for_url(re.compile(r"/entries/\d+/edit$"))
    assert page.locator('[data-hint-for="parts-1-published_on"]').count() == 0
    assert page.locator(".alert-success").inner_text() == "Đã lưu bản nháp."

    with live_server.app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(
            Entry.title == "Đảng viên trẻ nơi biên giới Hương Sơn")).one()
        assert (entry.form, entry.parts_count) == ("series", 2)
        assert [p.published_on.isoformat() for p in entry.parts] == ["2025-12-05", "2025-11-15"]
        assert [(a.full_name, a.role) for a in entry.authors] == [
            ("Võ Thị Thanh Hương", "lead"), ("Nguyễn Văn Bình", "co"), ("Trần Thị Cúc", "co")]
        assert entry.authors[0].user_id == entry.owner_id

    page.get_by_role("link", name="Tác phẩm của tôi").first.click()
    row = page.locator("#entries-table tbody tr")
    assert row.count() == 1
    assert "Đảng viên trẻ nơi biên giới Hương Sơn" in row.inner_text()
    assert "Bản nháp" in row.inner_text()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    row = page.locator("#entries-table tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    assert "Đảng viên trẻ nơi biên giới Hương Sơn" in text
    assert "Print" in text and "Draft" in text
    assert page.js_errors == []
