"""The entry form: drafts, structural validation, rows without JavaScript, escaping."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Entry, EntryAuthor
from tests.support.entries import audit_actions, entry_count, entry_form
from tests.support.factories import make_entry, make_user
from tests.support.web import html, post_form


def input_value(page: str, name: str) -> str | None:
    """The value attribute of the input called name, or None when there is no such input."""
    match = re.search(r'<input[^>]*\bname="' + re.escape(name) + r'"[^>]*>', page)
    if match is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def _new_url(contest):
    return f"/entries/new/{contest.slug}"


def test_new_entry_form_prefills_the_user_as_lead_author(signed_in, contest, entrant):
    page = html(signed_in.get(_new_url(contest)))
    assert 'id="sec-files"' not in page  # files come once the draft exists
    assert input_value(page, "authors-0-full_name") == "Nguyễn Thị Hồng"
    assert input_value(page, "authors-0-email") == entrant.email
    assert input_value(page, "authors-1-full_name") is None
    assert '<option selected value="lead">' in page


def test_create_draft_saves_everything_and_links_the_owner(signed_in, contest, entrant):
    response = post_form(signed_in, _new_url(contest), entry_form(
        contest, authors=[
            {"full_name": "Nguyễn Thị Hồng", "pen_name": "Hồng Nhung", "year_of_birth": "1985",
             "email": entrant.email.upper(), "role": "lead"},
        ]))
    assert response.status_code == 302
    entry = db.session.scalars(sa.select(Entry)).one()
    # The first save opens the form at its file section (files come after it).
    assert response.headers["Location"].endswith(f"/entries/{entry.id}/edit#files")
    assert (entry.status, entry.title, entry.owner_id) == (
        Entry.DRAFT, "Giữ vững kỷ cương trong công tác cán bộ", entrant.id)
    assert entry.reference is None
    assert [(p.number, p.published_on, p.outlet) for p in entry.parts] == [
        (1, date(2026, 5, 15), "Báo Hà Tĩnh")]
    assert [(a.full_name, a.role, a.user_id, a.email) for a in entry.authors] == [
        ("Nguyễn Thị Hồng", "lead", entrant.id, entrant.email)]
    assert entry.search_text.startswith("giu vung ky cuong")
    assert audit_actions(entry.id) == ["entry.create"]
    page = html(signed_in.get(f"/entries/{entry.id}/edit"))
    assert '<h2 class="h5" id="sec-files">Tệp tác phẩm</h2>' in page
    assert "Trước khi nộp, bạn cần sửa các điểm sau:" in page  # no file uploaded yet


def test_iso_dates_are_accepted_too(signed_in, contest):
    form = entry_form(contest)
    form["parts-0-published_on"] = "2026-06-01"
    assert post_form(signed_in, _new_url(contest), form).status_code == 302
    assert db.session.scalars(sa.select(Entry)).one().parts[0].published_on == date(2026, 6, 1)


def test_edit_draft_links_a_coauthor_with_an_account(signed_in, contest, entrant):
    colleague = make_user("dong.tac.gia@example.vn", full_name="Trần Văn Nam")
    entry = make_entry(contest, entrant)
    db.session.commit()
    url = f"/entries/{entry.id}/edit"
    form = entry_form(contest, parts=[
        {"title": "Kỳ 1", "published_on": "01/05/2026", "outlet": "Báo Hà Tĩnh"},
        {"title": "Kỳ 2", "published_on": "08/05/2026", "outlet": "Báo Hà Tĩnh"},
    ], authors=[
        {"full_name": "Nguyễn Thị Hồng", "email": entrant.email, "role": "lead"},
        {"full_name": "Trần Văn Nam", "email": "Dong.Tac.Gia@example.vn", "role": "co"},
        {"full_name": "Lê Thị Mai", "email": "", "role": "co"},
    ], version=str(entry.version))
    response = post_form(signed_in, url, form)
    assert response.status_code == 302, html(response)
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.form, entry.parts_count, [p.title for p in entry.parts]) == (
        "series", 2, ["Kỳ 1", "Kỳ 2"])
    assert [(a.full_name, a.user_id) for a in entry.authors] == [
        ("Nguyễn Thị Hồng", entrant.id), ("Trần Văn Nam", colleague.id), ("Lê Thị Mai", None)]
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "entry.update")).one()
    assert json.loads(event.before)["parts_count"] == 1
    assert json.loads(event.after)["parts_count"] == 2


BAD_INPUTS = [
    ("title_too_long", {"title": "T" * 301}, "title",
     "Nhập tối đa 300 ký tự (bạn đã nhập 301)."),
    ("date_wrong_format", {"parts-0-published_on": "2026/05/15"}, "parts-0-published_on",
     "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 30/09/2026."),
    ("date_impossible", {"parts-0-published_on": "31/02/2026"}, "parts-0-published_on",
     "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 30/09/2026."),
    ("negative_year", {"authors-0-year_of_birth": "-1985"}, "authors-0-year_of_birth",
     "Năm sinh phải từ 1900 đến"),
    ("parts_mismatch", {"form": "series", "parts_count": "3"}, "parts_count",
     "Bạn khai 3 kỳ nhưng mới điền 1 kỳ."),
    ("single_with_parts", {"parts_count": "2"}, "parts_count",
     "Tác phẩm đơn chỉ có đúng một kỳ"),
    ("too_many_parts", {"form": "series", "parts_count": "6"}, "parts_count",
     "Loạt bài có tối đa 5 kỳ trong giải này."),
    ("bad_url", {"parts-0-url": "baohatinh vn"}, "parts-0-url",
     "Nhập địa chỉ web đầy đủ, bắt đầu bằng http:// hoặc https://."),
    ("prior_prize_without_details", {"prior_prize": "y"}, "prior_prize_name",
     "Bắt buộc khi tác phẩm đã đoạt giải."),
]


@pytest.mark.parametrize("case,overrides,field,message", BAD_INPUTS,
                         ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_on_a_new_entry_creates_nothing(signed_in, contest, case, overrides, field,
                                                  message):
    response = post_form(signed_in, _new_url(contest), entry_form(contest, **overrides))
    page = html(response)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}-error"' in page or field in ("prior_prize_name",)
    assert "Bản nháp chưa được lưu" in page
    assert entry_count() == 0
    assert audit_actions() == []


def test_no_author_is_refused(signed_in, contest):
    response = post_form(signed_in, _new_url(contest), entry_form(contest, authors=[]))
    assert response.status_code == 422
    assert "Cần ghi tên ít nhất một tác giả." in html(response)
    assert entry_count() == 0


def test_more_authors_than_the_edition_allows_is_refused(signed_in, contest):
    authors = [{"full_name": f"Tác giả {i}", "role": "lead" if i == 0 else "co"}
               for i in range(6)]
    response = post_form(signed_in, _new_url(contest), entry_form(contest, authors=authors))
    assert response.status_code == 422
    assert "Mỗi tác phẩm có tối đa 5 tác giả trong giải này; bạn đã ghi 6." in html(response)
    assert entry_count() == 0


def test_bad_input_on_an_existing_draft_changes_nothing(signed_in, contest, entrant):
    entry = make_entry(contest, entrant, title="Tên cũ")
    db.session.commit()
    before_version = entry.version
    response = post_form(signed_in, f"/entries/{entry.id}/edit", entry_form(
        contest, title="Tên mới", version=str(entry.version),
        **{"authors-0-year_of_birth": "-3"}))
    assert response.status_code == 422
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert (entry.title, entry.version) == ("Tên cũ", before_version)
    assert audit_actions(entry.id) == []


def test_failed_save_keeps_everything_typed(signed_in, contest):
    form = entry_form(contest, title="X" * 301, summary="Tóm tắt đã gõ",
                      **{"parts-0-published_on": "15-05-2026",
                         "authors-0-pen_name": "Bút danh đã gõ"})
    page = html(post_form(signed_in, _new_url(contest), form))
    assert input_value(page, "parts-0-published_on") == "15-05-2026"
    assert "Tóm tắt đã gõ</textarea>" in page
    assert input_value(page, "authors-0-pen_name") == "Bút danh đã gõ"
    assert input_value(page, "title") == "X" * 301


def test_html_in_text_fields_comes_out_escaped(signed_in, contest, entrant):
    title = '<script>alert("x")</script> Bài <b>đậm</b>'
    response = post_form(signed_in, _new_url(contest), entry_form(contest, title=title))
    assert response.status_code == 302
    entry = db.session.scalars(sa.select(Entry)).one()
    assert entry.title == title
    for url in (f"/entries/{entry.id}/edit", f"/entries/{entry.id}", "/entries/"):
        page = html(signed_in.get(url))
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page


def test_add_author_button_without_js_keeps_everything(signed_in, contest):
    form = entry_form(contest, title="Đang soạn", add_author="1")
    del form["save"]
    response = post_form(signed_in, _new_url(contest), form)
    page = html(response)
    assert response.status_code == 200
    assert input_value(page, "authors-1-full_name") == ""
    assert input_value(page, "title") == "Đang soạn"
    assert input_value(page, "authors-0-full_name") == "Nguyễn Thị Hồng"
    assert entry_count() == 0


def test_remove_author_button_renumbers_and_keeps_the_others(signed_in, contest):
    form = entry_form(contest, authors=[
        {"full_name": "Người A", "role": "lead"},
        {"full_name": "Người B", "role": "co", "year_of_birth": "abc"},
        {"full_name": "Người C", "role": "co"},
    ], remove_author="1")
    del form["save"]
    page = html(post_form(signed_in, _new_url(contest), form))
    assert input_value(page, "authors-0-full_name") == "Người A"
    assert input_value(page, "authors-1-full_name") == "Người C"
    assert input_value(page, "authors-2-full_name") is None
    assert "Người B" not in page
    assert entry_count() == 0


def test_add_part_button_turns_the_work_into_a_series(signed_in, contest):
    form = entry_form(contest, add_part="1")
    del form["save"]
    page = html(post_form(signed_in, _new_url(contest), form))
    assert input_value(page, "parts-0-title") == "Kỳ 1"
    assert input_value(page, "parts-1-title") == ""
    assert input_value(page, "parts_count") == "2"
    assert re.search(r'<input checked[^>]*value="series"', page)


def test_stale_version_is_refused_and_keeps_what_was_typed(signed_in, contest, entrant):
    entry = make_entry(contest, entrant, title="Bản gốc")
    db.session.commit()
    old_version = entry.version
    first = post_form(signed_in, f"/entries/{entry.id}/edit",
                      entry_form(contest, title="Tab thứ nhất", version=str(old_version)))
    assert first.status_code == 302
    second = post_form(signed_in, f"/entries/{entry.id}/edit",
                       entry_form(contest, title="Tab thứ hai", version=str(old_version)))
    page = html(second)
    assert second.status_code == 409
    assert "Tác phẩm này đã được thay đổi ở một cửa sổ khác" in page
    assert input_value(page, "title") == "Tab thứ hai"
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).title == "Tab thứ nhất"
    # Saving again from the refreshed form replaces the other version, knowingly.
    new_version = db.session.get(Entry, entry.id).version
    assert input_value(page, "version") == str(new_version)
    third = post_form(signed_in, f"/entries/{entry.id}/edit",
                      entry_form(contest, title="Tab thứ hai", version=str(new_version)))
    assert third.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).title == "Tab thứ hai"


def test_missing_csrf_token_is_refused(signed_in, contest, entrant):
    entry = make_entry(contest, entrant, title="Không đổi")
    db.session.commit()
    response = signed_in.post(f"/entries/{entry.id}/edit",
                              data=entry_form(contest, title="Đổi", version=str(entry.version)))
    assert response.status_code == 400
    response = signed_in.post(_new_url(contest), data=entry_form(contest))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).title == "Không đổi"
    assert entry_count() == 1


def test_another_users_entry_is_not_found(signed_in, contest):
    stranger = make_user()
    entry = make_entry(contest, stranger, title="Của người khác")
    db.session.commit()
    for url in (f"/entries/{entry.id}", f"/entries/{entry.id}/edit",
                f"/entries/{entry.id}/submit"):
        assert signed_in.get(url).status_code == 404
    response = post_form(signed_in, f"/entries/{entry.id}/delete", {"version": "1"},
                         page="/entries/")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.DRAFT


def test_staff_cannot_create_an_entry(signed_in, contest, entrant):
    from tests.support.factories import grant

    grant(entrant, contest, "judge")
    db.session.commit()
    page = html(signed_in.get("/entries/"))
    assert f"/entries/new/{contest.slug}" not in page
    response = post_form(signed_in, _new_url(contest), entry_form(contest), page="/entries/")
    assert response.status_code == 403
    assert "Bạn là giám khảo hoặc thành viên Ban Tổ chức của giải này" in html(response)
    assert entry_count() == 0


def test_delete_draft_hides_it(signed_in, contest, entrant):
    entry = make_entry(contest, entrant, title="Bản nháp bỏ đi")
    db.session.commit()
    response = post_form(signed_in, f"/entries/{entry.id}/delete",
                         {"version": str(entry.version)}, page=f"/entries/{entry.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.DELETED
    assert "Bản nháp bỏ đi" not in html(signed_in.get("/entries/"))
    assert signed_in.get(f"/entries/{entry.id}").status_code == 404
    assert audit_actions(entry.id) == ["entry.delete"]


def test_coauthor_cannot_edit_but_can_view(client, contest, entrant):
    from tests.support.web import login

    colleague = make_user()
    entry = make_entry(contest, entrant, authors=[entrant, colleague])
    db.session.commit()
    login(client, colleague.email)
    assert client.get(f"/entries/{entry.id}").status_code == 200
    assert client.get(f"/entries/{entry.id}/edit").status_code == 403
    assert db.session.get(EntryAuthor, entry.authors[1].id).user_id == colleague.id


def test_new_entry_form_says_files_come_after_the_first_save(signed_in, contest):
    page = html(signed_in.get(_new_url(contest)))
    assert ("Tệp tác phẩm được tải lên sau lần lưu đầu tiên: hãy lưu bản nháp, trang sẽ mở "
            "ngay tới phần tệp.") in page
    assert 'id="sec-files"' not in page
