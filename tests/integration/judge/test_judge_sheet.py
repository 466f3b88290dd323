"""The work page and its score sheet through the web: privacy, validation, window, locking."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Assignment, AuditEvent, Round, Score, ScoreSheet
from tests.support.factories import make_sheet
from tests.support.judge_scenario import (
    AUTHOR,
    CO_AUTHOR,
    SECRETS_ALWAYS,
    SECRETS_BLIND,
    build,
    values,
)
from tests.support.web import csrf_token, html, login, post_form


def _url(a) -> str:
    return f"/judge/assignments/{a.id}"


def _sheet(a) -> ScoreSheet | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.assignment_id == a.id))


def _scores(a) -> dict[str, Decimal]:
    sheet = _sheet(a)
    if sheet is None:
        return {}
    return {s.criterion.code: s.value for s in sheet.scores}


def _input_value(page: str, code: str) -> str:
    match = re.search(rf'id="score-{code}" name="score-{code}"[^>]*value="([^"]*)"', page)
    assert match, f"no input for {code}"
    return match.group(1)


def _error(page: str, code: str) -> str:
    match = re.search(rf'id="score-{code}-error" data-error-for="{code}">([^<]*)<', page)
    assert match
    return match.group(1)


def _leaks(page: str, secrets: list[str]) -> list[str]:
    found = []
    for secret in secrets:
        for form in {secret, quote(secret), quote(secret, safe="")}:
            if form.lower() in page.lower():
                found.append(form)
    return found


# --- privacy --------------------------------------------------------------------------


def test_blind_work_page_shows_no_author_data_anywhere(client, stub_files):
    s = build(blind=True, count=4)
    login(client, s.judge.email)
    for a in s.assignments:
        page = html(client.get(_url(a)))
        assert a.entry.title in page
        assert _leaks(page, SECRETS_BLIND) == []
    page = html(client.get(_url(s.first)))
    assert "Được ẩn: vòng này chấm kín." in page
    # files are embedded by id only
    assert re.findall(r'<iframe[^>]*src="([^"]+)"', page) == [
        f"/files/{f.id}?inline=1" for f in s.first.entry.files]
    assert "12 trang" in page and "7 trang" in page


def test_blind_work_page_media_players_and_gallery(client, stub_files):
    s = build(blind=True, count=4)
    login(client, s.judge.email)
    tv, photo = s.assignments[2], s.assignments[3]
    page = html(client.get(_url(tv)))
    video_id = next(f.id for f in tv.entry.files if f.content_type == "video/mp4")
    assert (f'<video class="w-100 bg-dark" style="max-height: 70vh" controls preload="metadata" '
            f'src="/files/{video_id}?inline=1">') in page
    assert "Thời lượng 12:34" in page  # 754.4 s
    page = html(client.get(_url(photo)))
    assert page.count('<figure class="col-sm-6 col-md-4 figure">') == 2
    assert "Ánh bình minh trên cánh đồng" in page and "Người nông dân gặt lúa" in page
    online = s.assignments[1]
    page = html(client.get(_url(online)))
    # Blind: the online work's address (the outlet's domain) is replaced by a notice; this
    # work has no captured page, so only the secretariat can open the address.
    assert "baohatinh.vn" not in page
    assert "Địa chỉ trang báo được ẩn vì vòng này chấm kín; chỉ Ban Tổ chức mở được." in page


def test_open_work_page_shows_pen_names_and_outlets_but_no_personal_data(client, stub_files):
    s = build(blind=False, count=2)
    login(client, s.judge.email)
    page = html(client.get(_url(s.first)))
    assert f"{AUTHOR['pen_name']} ({AUTHOR['workplace']})" in page
    assert f"{CO_AUTHOR['pen_name']} ({CO_AUTHOR['workplace']})" in page
    assert _leaks(page, SECRETS_ALWAYS) == []
    assert AUTHOR["full_name"] not in page  # the pen name is what lists show


def test_judge_never_sees_another_judges_scores(client):
    s = build(count=1, other_count=1)
    other = s.other_assignments[0]
    make_sheet(other, total=Decimal("87.5"), comment="Nhận xét bí mật của giám khảo hai")
    db.session.commit()
    login(client, s.judge.email)
    page = html(client.get(_url(s.first)))
    assert "Nhận xét bí mật của giám khảo hai" not in page
    assert "87.5" not in page and "87,5" not in page
    assert html(client.get(f"/judge/{s.contest.slug}/rounds/{s.round.id}")).count("87.5") == 0


# --- access ---------------------------------------------------------------------------


def test_unassigned_judge_gets_404(client):
    s = build(count=2, other_count=1)
    login(client, s.other_judge.email)
    assert client.get(_url(s.assignments[1])).status_code == 404  # the other judge's work
    assert client.get(_url(s.first)).status_code == 404  # not theirs either
    response = post_form(client, _url(s.first), values(), page="/")
    assert response.status_code == 404
    assert _sheet(s.first) is None


def test_recused_assignment_is_404(client):
    s = build(count=1)
    s.first.status = Assignment.RECUSED
    db.session.commit()
    login(client, s.judge.email)
    assert client.get(_url(s.first)).status_code == 404


def test_sheet_page_sql_count_is_bounded(client, queries, stub_files):
    s = build(count=4, blind=False)
    login(client, s.judge.email)
    client.get(_url(s.first))
    with queries() as q:
        response = client.get(_url(s.first))
    assert response.status_code == 200
    assert q.n <= 12, q.statements


# --- saving ---------------------------------------------------------------------------


def test_save_draft_keeps_values_and_audits(client):
    s = build(count=2)
    login(client, s.judge.email)
    data = {**values(effect="", presentation=""), "comment": "Bài viết tốt", "version": "0",
            "action": "save"}
    response = post_form(client, _url(s.first), data)
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(s.first))
    assert _scores(s.first) == {"truthful": Decimal("20"), "orientation": Decimal("18"),
                                "discovery": Decimal("15.5")}
    sheet = _sheet(s.first)
    assert (sheet.status, sheet.total, sheet.comment, sheet.version) == (
        ScoreSheet.DRAFT, Decimal("53.5"), "Bài viết tốt", 1)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "score.draft_saved")).one()
    assert event.before == "{}" and '"discovery":"15.5"' in event.after
    page = html(client.get(_url(s.first)))
    assert "Đã lưu bản nháp lúc" in page
    # Vietnamese screen: the saved 15.5 is shown back with a decimal comma (issue 11).
    assert _input_value(page, "discovery") == "15,5" and _input_value(page, "effect") == ""


def test_submit_locks_sheet_and_goes_to_next_work(client):
    s = build(count=2)
    login(client, s.judge.email)
    response = post_form(client, _url(s.first),
                         {**values(), "comment": "", "version": "0", "action": "submit"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(s.assignments[1]))
    sheet = _sheet(s.first)
    assert (sheet.status, sheet.total) == (ScoreSheet.SUBMITTED, Decimal("81.5"))
    assert sheet.submitted_at is not None
    page = html(client.get(_url(s.first)))
    assert 'id="score-sheet"' not in page  # no form any more
    assert "Phiếu đã khóa." in page


def test_value_above_max_is_refused_and_nothing_saved(client):
    s = build(count=1)
    login(client, s.judge.email)
    response = post_form(client, _url(s.first),
                         {**values(truthful="30"), "comment": "giữ lại", "version": "0",
                          "action": "submit"})
    assert response.status_code == 422
    page = html(response)
    assert _error(page, "truthful") == (
        "Điểm tiêu chí Chân thực, chính xác, khách quan là 30; điểm tối đa là 25.")
    assert _input_value(page, "truthful") == "30"
    assert _input_value(page, "discovery") == "15.5"
    assert "giữ lại" in page
    assert _sheet(s.first) is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_draft_with_off_step_and_non_numeric_values_saves_nothing(client):
    s = build(count=1)
    login(client, s.judge.email)
    post_form(client, _url(s.first), {**values(), "version": "0", "action": "save"})
    before = _scores(s.first)
    response = post_form(client, _url(s.first),
                         {**values(truthful="10", orientation="7.3", discovery="abc"),
                          "version": "1", "action": "save"})
    assert response.status_code == 422
    page = html(response)
    assert _error(page, "orientation") == (
        "Điểm tiêu chí Định hướng chính trị đúng đắn phải là bội số của 0,5; "
        "7.3 không thỏa mãn.")
    assert _error(page, "discovery") == (
        "Điểm tiêu chí Vấn đề mới, có tính phát hiện phải là một số; “abc” không phải là số.")
    assert _error(page, "truthful") == ""
    assert _input_value(page, "truthful") == "10"
    assert _scores(s.first) == before  # not even the valid field was saved
    assert _sheet(s.first).version == 1


def test_submit_after_window_is_refused_and_draft_kept(client):
    s = build(count=1)
    login(client, s.judge.email)
    post_form(client, _url(s.first), {**values(effect=""), "comment": "nháp",
                                      "version": "0", "action": "save"})
    draft = _scores(s.first)
    closes = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    rnd = db.session.get(Round, s.round.id)
    rnd.opens_at, rnd.closes_at = closes - timedelta(days=5), closes
    db.session.commit()
    response = post_form(client, _url(s.first),
                         {**values(), "comment": "mới", "version": "1", "action": "submit"})
    assert response.status_code == 409
    page = html(response)
    assert ("Vòng chấm đã đóng lúc 17:00 01/03/2026. Bản nháp của bạn vẫn được giữ nguyên."
            in page)
    assert 'id="score-sheet"' not in page  # no form to send again
    assert ('data-typed-for="effect">bạn đã nhập 16; chưa được lưu</div>') in page
    assert 'data-typed-for="truthful"' not in page  # same as the kept draft
    sheet = _sheet(s.first)
    assert (sheet.status, sheet.comment, sheet.version) == (ScoreSheet.DRAFT, "nháp", 1)
    assert _scores(s.first) == draft


def test_two_tabs_submit_once(client):
    s = build(count=1)
    login(client, s.judge.email)
    token = csrf_token(client, _url(s.first))
    first = client.post(_url(s.first), data={"csrf_token": token, **values(), "version": "0",
                                             "action": "submit"})
    assert first.status_code == 302
    second = client.post(_url(s.first), data={"csrf_token": token, **values(truthful="5"),
                                              "version": "0", "action": "submit"})
    assert second.status_code == 409
    assert "đã khóa" in html(second)
    assert _scores(s.first)["truthful"] == Decimal("20")
    assert db.session.scalar(sa.select(sa.func.count(ScoreSheet.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "score.submitted")) == 1


def test_two_tabs_stale_draft_is_refused_with_typed_values_shown(client):
    s = build(count=1)
    login(client, s.judge.email)
    token = csrf_token(client, _url(s.first))
    assert client.post(_url(s.first), data={"csrf_token": token, **values(), "version": "0",
                                            "action": "save"}).status_code == 302
    stale = client.post(_url(s.first), data={"csrf_token": token, **values(truthful="5"),
                                             "version": "0", "action": "save"})
    assert stale.status_code == 409
    page = html(stale)
    assert "đã được thay đổi ở một thẻ hoặc cửa sổ khác" in page
    assert _input_value(page, "truthful") == "5"
    assert _scores(s.first)["truthful"] == Decimal("20")
    assert 'name="version" id="sheet-version" value="1"' in page


# --- autosave -------------------------------------------------------------------------


def test_autosave_saves_draft_and_returns_version(client):
    s = build(count=1)
    login(client, s.judge.email)
    token = csrf_token(client, _url(s.first))
    response = client.post(_url(s.first) + "/autosave",
                           data={**values(presentation=""), "version": "0", "comment": "a"},
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["ok"], body["version"], body["total"]) == (True, 1, "69,5")  # vi
    assert re.fullmatch(r"\d\d:\d\d", body["saved_at"])
    response = client.post(_url(s.first) + "/autosave",
                           data={**values(truthful="26"), "version": "1"},
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "truthful": "Điểm tiêu chí Chân thực, chính xác, khách quan là 26; "
                    "điểm tối đa là 25."}
    assert _sheet(s.first).version == 1


# --- expired session ------------------------------------------------------------------


def test_expired_session_keeps_typed_values_until_login(client):
    s = build(count=1)
    login(client, s.judge.email)
    token = csrf_token(client, _url(s.first))
    client.post("/auth/logout", data={"csrf_token": token})  # the login expires
    response = client.post(
        _url(s.first),
        data={"csrf_token": token, **values(truthful="21.5"), "comment": "Viết lại sau",
              "version": "0", "action": "submit"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=" + _url(s.first)
    assert _sheet(s.first) is None
    response = post_form(client, "/auth/login?next=" + quote(_url(s.first), safe=""),
                         {"email": s.judge.email, "password": "secret-pass-1"})
    assert response.headers["Location"] == _url(s.first)
    page = html(client.get(_url(s.first)))
    assert ("Các điểm bạn nhập trước khi phiên hết hạn đã được khôi phục; hãy kiểm tra và lưu."
            in page)
    assert _input_value(page, "truthful") == "21.5"
    assert _input_value(page, "discovery") == "15.5"
    assert "Viết lại sau" in page
    page = html(client.get(_url(s.first)))  # shown once
    assert "đã được khôi phục" not in page
    assert _input_value(page, "truthful") == ""


def test_expired_login_with_live_session_keeps_typed_values(client):
    s = build(count=1)
    login(client, s.judge.email)
    token = csrf_token(client, _url(s.first))
    user = db.session.get(type(s.judge), s.judge.id)
    user.session_version += 1  # e.g. the password changed elsewhere
    db.session.commit()
    response = client.post(_url(s.first), data={"csrf_token": token, **values(effect="19"),
                                                "version": "0", "action": "save"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(client, s.judge.email)
    page = html(client.get(_url(s.first)))
    assert "đã được khôi phục" in page and _input_value(page, "effect") == "19"


def test_cross_site_post_after_logout_stashes_nothing(client):
    s = build(count=1)
    login(client, s.judge.email)
    token = csrf_token(client, _url(s.first))
    client.post("/auth/logout", data={"csrf_token": token})
    response = client.post(_url(s.first), data={"csrf_token": token, **values(truthful="1")},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in html(response)
    login(client, s.judge.email)
    page = html(client.get(_url(s.first)))
    assert "đã được khôi phục" not in page and _input_value(page, "truthful") == ""


def test_score_rows_are_unique_per_criterion(client):
    s = build(count=1)
    login(client, s.judge.email)
    post_form(client, _url(s.first), {**values(), "version": "0", "action": "save"})
    post_form(client, _url(s.first), {**values(truthful="24"), "version": "1", "action": "save"})
    assert db.session.scalar(sa.select(sa.func.count(Score.id))) == 5
    assert _scores(s.first)["truthful"] == Decimal("24")


# --- decimal comma (issue 11) -----------------------------------------------------------


def test_decimal_comma_and_dot_both_store_the_same_value(client):
    """Vietnamese writes 7,5; with type="number" inputs "1,5" was saved as 15."""
    s = build(count=2)
    login(client, s.judge.email)
    first, second = s.assignments[0], s.assignments[1]
    for a, typed in ((first, "7,5"), (second, "7.5")):
        response = post_form(client, _url(a), {**values(truthful=typed, discovery="17,5"),
                                               "version": "0", "action": "save"})
        assert response.status_code == 302, typed
        assert (_scores(a)["truthful"], _scores(a)["discovery"]) == (Decimal("7.5"),
                                                                      Decimal("17.5"))
        assert _sheet(a).total == Decimal("7.5") + 18 + Decimal("17.5") + 16 + 12


def test_ambiguous_number_is_refused_with_the_criterion_and_nothing_changes(client):
    s = build(count=1)
    login(client, s.judge.email)
    post_form(client, _url(s.first), {**values(), "version": "0", "action": "save"})
    before = _scores(s.first)
    response = post_form(client, _url(s.first),
                         {**values(truthful="1.234,5"), "version": "1", "action": "save"})
    assert response.status_code == 422
    page = html(response)
    assert _error(page, "truthful") == (
        "Điểm tiêu chí Chân thực, chính xác, khách quan, “1.234,5”, có thể hiểu theo hai "
        "cách: hãy viết với một dấu thập phân (ví dụ 7,5) và không dùng dấu phân cách hàng "
        "nghìn.")
    assert _input_value(page, "truthful") == "1.234,5"  # what was typed stays
    assert (_scores(s.first), _sheet(s.first).version) == (before, 1)
    token = csrf_token(client, _url(s.first))
    response = client.post(f"{_url(s.first)}/autosave",
                           data={**values(truthful="1,2,3"), "version": "1"},
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 422
    assert "“1,2,3”" in response.get_json()["errors"]["truthful"]
    assert _scores(s.first) == before


def test_sheet_shows_saved_decimals_in_the_page_language(client):
    s = build(count=1)
    login(client, s.judge.email)
    post_form(client, _url(s.first), {**values(truthful="7.5"), "version": "0",
                                      "action": "save"})
    page = html(client.get(_url(s.first)))
    assert _input_value(page, "truthful") == "7,5"
    assert re.search(r'id="score-truthful"[^>]*type="text"|type="text"[^>]*id="score-truthful"',
                     page.replace("\n", " "))
    assert 'type="number"' not in page
    assert 'id="saved-total">69</td>' in page.replace("\n", "")  # 7.5+18+15.5+16+12
    assert 'data-decimal-mark=","' in page
    post_form(client, "/lang", {"lang": "en", "next": "/"}, page="/")
    page = html(client.get(_url(s.first)))
    assert _input_value(page, "truthful") == "7.5"
    assert 'data-decimal-mark="."' in page


def test_incomplete_submit_names_the_missing_scores_and_keeps_the_draft(client):
    s = build(count=1)
    login(client, s.judge.email)
    post_form(client, _url(s.first),
              {**values(orientation="", discovery=""), "comment": "", "version": "0",
               "action": "save"})
    assert set(_scores(s.first)) == {"truthful", "effect", "presentation"}
    response = post_form(client, _url(s.first),
                         {**values(orientation="", discovery=""), "comment": "",
                          "version": "1", "action": "submit"})
    page = html(response)
    assert response.status_code == 422
    assert ("Phiếu chưa đủ điểm nên chưa được nộp: hãy nhập điểm cho Định hướng chính trị "
            "đúng đắn, Vấn đề mới, có tính phát hiện. Bản nháp đã lưu vẫn được giữ nguyên.") in page
    assert "không hợp lệ" not in page and "chưa có gì được lưu" not in page
    sheet = _sheet(s.first)
    assert sheet.status == ScoreSheet.DRAFT and set(_scores(s.first)) == {
        "truthful", "effect", "presentation"}
