"""Rounds list, round settings, rubric editor (validation, frozen), status, permissions."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Criterion, Membership, Round
from portal.organize.loader import EditionFileError, load_edition, read_edition_file
from tests.integration.rounds.helpers import (
    add_sheet,
    audit_actions,
    login,
    make_judges,
    organizer_setup,
)
from tests.support.factories import grant, make_round, make_user
from tests.support.web import html, post_form


def _base(contest):
    return f"/organize/{contest.slug}/rounds"


def _criteria(rnd_id):
    return db.session.execute(
        sa.select(Criterion.position, Criterion.code, Criterion.name_vi, Criterion.max_score,
                  Criterion.step, Criterion.weight)
        .where(Criterion.round_id == rnd_id).order_by(Criterion.position)).all()


def _rubric_data(rows):
    data = {}
    for i, r in enumerate(rows):
        for k, v in r.items():
            data[f"rubric-criteria-{i}-{k}"] = v
    return data


ROUND_FORM = {
    "name_vi": "Vòng sơ khảo", "name_en": "Preliminary round",
    "opens_at": "2026-12-21T08:00", "closes_at": "2027-01-10T17:00",
    "judges_per_entry": "3", "blind": "y", "aggregation": "trimmed_mean",
    "trim_min_sheets": "5", "disagreement_threshold": "2", "advance_rule": "top_n",
    "advance_value": "10",
}


def test_rounds_pages_are_404_for_non_organizers(app, client):
    contest, _ = organizer_setup()
    rnd = make_round(contest)
    judge = make_judges(contest, 1)[0]
    other_contest_org = make_user("khac@example.vn")
    db.session.commit()
    login(client, judge.email)
    assert client.get(_base(contest) + "/").status_code == 404
    assert client.get(_base(contest) + f"/{rnd.id}/progress").status_code == 404
    client.post("/auth/logout", data={})
    client2 = app.test_client()
    login(client2, other_contest_org.email)
    assert client2.get(_base(contest) + f"/{rnd.id}/edit").status_code == 404
    assert client2.get("/organize/no-such-slug/rounds/").status_code == 404


def test_round_of_another_edition_is_404(app, client):
    contest, org = organizer_setup(login_client=client)
    from tests.support.factories import make_contest
    other = make_contest()
    rnd = make_round(other)
    db.session.commit()
    assert client.get(_base(contest) + f"/{rnd.id}/edit").status_code == 404


def test_create_round_converts_edition_time_and_audits(app, client):
    contest, org = organizer_setup(login_client=client)
    response = post_form(client, _base(contest) + "/new", ROUND_FORM)
    assert response.status_code == 302
    rnd = db.session.scalar(sa.select(Round).where(Round.contest_id == contest.id))
    assert (rnd.position, rnd.status, rnd.judges_per_entry, rnd.blind, rnd.aggregation) == (
        1, Round.DRAFT, 3, True, "trimmed_mean")
    assert rnd.opens_at == datetime(2026, 12, 21, 1, 0, tzinfo=UTC)  # 08:00 +07:00
    assert rnd.closes_at == datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    assert (rnd.disagreement_threshold, rnd.advance_rule, rnd.advance_value) == (
        Decimal("2"), "top_n", Decimal("10"))
    assert audit_actions("round.") == ["round.created"]
    page = html(client.get(_base(contest) + "/"))
    assert "Vòng sơ khảo" in page and "08:00 21/12/2026" in page


def test_round_settings_errors_keep_input_and_change_nothing(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd = make_round(contest, name_vi="Vòng cũ")
    db.session.commit()
    bad = {**ROUND_FORM, "name_vi": "Tên mới", "closes_at": "2026-12-01T08:00",
           "advance_value": "2.5"}
    response = post_form(client, _base(contest) + f"/{rnd.id}/edit", bad)
    page = html(response)
    assert response.status_code == 422
    assert "Thời điểm kết thúc chấm phải sau thời điểm bắt đầu." in page
    assert "giá trị phải là số nguyên từ 1 trở lên" in page
    assert 'value="Tên mới"' in page
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).name_vi == "Vòng cũ"


def test_rubric_edit_reorders_removes_adds(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd = make_round(contest)
    db.session.commit()
    rows = [
        {"order": "2", "code": "truthful", "name_vi": "Chân thực", "max_score": "40",
         "step": "0.5", "weight": "1"},
        {"order": "1", "code": "orientation", "name_vi": "Định hướng", "max_score": "30",
         "step": "1", "weight": "2"},
        {"order": "3", "code": "discovery", "name_vi": "Phát hiện", "max_score": "20",
         "step": "1", "weight": "1", "remove": "y"},
        {"order": "4", "code": "", "name_vi": "", "max_score": "", "step": "1", "weight": "1"},
    ]
    response = post_form(client, _base(contest) + f"/{rnd.id}/rubric", _rubric_data(rows),
                         page=_base(contest) + f"/{rnd.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    assert _criteria(rnd.id) == [
        (0, "orientation", "Định hướng", Decimal("30"), Decimal("1"), Decimal("2")),
        (1, "truthful", "Chân thực", Decimal("40"), Decimal("0.5"), Decimal("1")),
    ]
    page = html(client.get(_base(contest) + f"/{rnd.id}/edit"))
    assert "Tổng điểm tối đa (có tính hệ số): 100 điểm." in page
    assert audit_actions("rubric.") == ["rubric.saved"]


def test_rubric_validation_messages_and_nothing_saved(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd = make_round(contest)
    db.session.commit()
    before = _criteria(rnd.id)
    rows = [
        {"order": "1", "code": "a", "name_vi": "Tiêu chí A", "max_score": "0", "step": "1",
         "weight": "1"},
        {"order": "2", "code": "a", "name_vi": "Tiêu chí B", "max_score": "10", "step": "1",
         "weight": "1"},
        {"order": "3", "code": "c", "name_vi": "", "max_score": "10", "step": "1",
         "weight": "1"},
    ]
    response = post_form(client, _base(contest) + f"/{rnd.id}/rubric", _rubric_data(rows),
                         page=_base(contest) + f"/{rnd.id}/edit")
    page = html(response)
    assert response.status_code == 422
    assert "Hãy đặt tên tiếng Việt cho tiêu chí." in page
    assert 'value="Tiêu chí B"' in page
    rows[2]["name_vi"] = "Tiêu chí C"
    response = post_form(client, _base(contest) + f"/{rnd.id}/rubric", _rubric_data(rows),
                         page=_base(contest) + f"/{rnd.id}/edit")
    page = html(response)
    assert response.status_code == 422
    assert "Điểm tối đa của tiêu chí a phải là số dương, không phải 0." in page
    assert "Tiêu chí chấm điểm chưa được lưu: hãy sửa các lỗi dưới đây." in page
    db.session.expire_all()
    assert _criteria(rnd.id) == before


def test_rubric_frozen_after_first_score(app, client):
    contest, org = organizer_setup(login_client=client)
    judge = make_judges(contest, 1)[0]
    rnd = make_round(contest, judges=[judge])
    from tests.integration.rounds.helpers import eligible_entry, enroll
    entry = eligible_entry(contest, make_user(), "BI", "BLV-BI-001")
    enroll(rnd, [entry])
    from portal.models import Assignment
    a = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(a)
    db.session.flush()
    add_sheet(a, status="draft", values=[Decimal(10)])
    db.session.commit()
    before = _criteria(rnd.id)
    page = html(client.get(_base(contest) + f"/{rnd.id}/edit"))
    assert "Tiêu chí chấm điểm đã bị khóa: giám khảo đã lưu điểm" in page
    assert "Lưu tiêu chí chấm điểm" not in page
    rows = [{"order": "1", "code": "x", "name_vi": "Mới", "max_score": "100", "step": "1",
             "weight": "1"}]
    response = post_form(client, _base(contest) + f"/{rnd.id}/rubric", _rubric_data(rows),
                         page=_base(contest) + f"/{rnd.id}/edit")
    assert response.status_code == 409
    assert "Tiêu chí chấm điểm đã bị khóa" in html(response)
    db.session.expire_all()
    assert _criteria(rnd.id) == before
    assert audit_actions("rubric.") == []


def _toml_with(tmp_path, max_first: int) -> dict:
    data = read_edition_file("examples/ha-tinh-2026.toml")
    data["rounds"][0]["criteria"][0]["max_score"] = max_first
    return data


def test_loader_refuses_to_change_a_frozen_rubric(app, tmp_path):
    contest = load_edition(_toml_with(tmp_path, 25))
    rnd = db.session.scalar(sa.select(Round).where(Round.contest_id == contest.id,
                                                   Round.position == 1))
    judge = make_user()
    grant(judge, contest, Membership.JUDGE)
    owner = make_user()
    from tests.integration.rounds.helpers import eligible_entry, enroll
    entry = eligible_entry(contest, owner, "BI", "BLV-BI-009")
    enroll(rnd, [entry])
    from portal.models import Assignment
    a = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id)
    db.session.add(a)
    db.session.flush()
    add_sheet(a, values=[Decimal(20)])
    db.session.commit()
    load_edition(_toml_with(tmp_path, 25))  # the same rubric reloads fine
    with pytest.raises(EditionFileError, match=r"\[\[rounds\]\] #1: rubric frozen"):
        load_edition(_toml_with(tmp_path, 30))
    db.session.rollback()
    assert db.session.scalar(sa.select(Criterion.max_score).where(
        Criterion.round_id == rnd.id, Criterion.code == "truthful")) == Decimal("25")


def test_open_and_close_round_audited(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd = make_round(contest, status=Round.DRAFT)
    db.session.commit()
    response = post_form(client, _base(contest) + f"/{rnd.id}/status", {"status": "open"},
                         page=_base(contest) + "/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).status == Round.OPEN
    post_form(client, _base(contest) + f"/{rnd.id}/status", {"status": "closed"},
              page=_base(contest) + "/")
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).status == Round.CLOSED
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.action.in_(["round.opened", "round.closed"])).order_by(AuditEvent.id)).all()
    assert events == [("round.opened", org.id), ("round.closed", org.id)]


def test_round_decimals_take_a_comma_and_refuse_ambiguous_input(app, client):
    """Issue 11: the disagreement threshold and rubric weights read 2,5 as 2.5."""
    contest, org = organizer_setup(login_client=client)
    rnd = make_round(contest, name_vi="Vòng cũ")
    db.session.commit()
    url = _base(contest) + f"/{rnd.id}/edit"
    response = post_form(client, url, {**ROUND_FORM, "disagreement_threshold": "2,5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).disagreement_threshold == Decimal("2.5")
    assert 'value="2,5"' in html(client.get(url))
    response = post_form(client, url, {**ROUND_FORM, "disagreement_threshold": "1,2,3"})
    assert response.status_code == 422
    assert ("Ngưỡng chênh lệch điểm (điểm theo thang chấm): “1,2,3” có thể hiểu theo hai cách"
            in html(response))
    db.session.expire_all()
    assert db.session.get(Round, rnd.id).disagreement_threshold == Decimal("2.5")
    rows = [{"order": "1", "code": "truthful", "name_vi": "Chân thực", "max_score": "40",
             "step": "0.5", "weight": "1,5"},
            {"order": "2", "code": "orientation", "name_vi": "Định hướng", "max_score": "40",
             "step": "1", "weight": "1"}]
    response = post_form(client, _base(contest) + f"/{rnd.id}/rubric", _rubric_data(rows),
                         page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert [c[-1] for c in _criteria(rnd.id)] == [Decimal("1.5"), Decimal("1")]
    assert "Tổng điểm tối đa (có tính hệ số): 100 điểm." in html(client.get(url))
