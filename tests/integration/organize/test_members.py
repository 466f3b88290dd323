"""Members page: grant by e-mail, the author refusal, revoke."""

from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Membership
from tests.support.factories import make_user
from tests.support.organize import submitted
from tests.support.web import html, post_form


def _roles(contest_id):
    return sorted(db.session.execute(
        sa.select(Membership.role, Membership.user_id).where(Membership.contest_id == contest_id)
    ).all())


def test_members_page_lists_judges_with_workplace(edition, client):
    judge = make_user("giamkhao@example.vn", full_name="Trần Văn Giám",
                      workplace="Đài PT-TH Hà Tĩnh")
    db.session.add(Membership(user=judge, contest=edition.contest, role=Membership.JUDGE))
    db.session.commit()
    page = html(client.get(edition.url("members")))
    assert "Trần Văn Giám" in page and "Đài PT-TH Hà Tĩnh" in page and "Giám khảo" in page
    assert "Lê Thị Thư Ký" in page


def test_grant_judge_by_email(edition, client):
    judge = make_user("giamkhao@example.vn")
    db.session.commit()
    r = post_form(client, edition.url("members"),
                  {"email": "  GiamKhao@Example.vn ", "role": "judge"}, follow_redirects=True)
    assert "giamkhao@example.vn nay là giám khảo của kỳ giải này." in html(r)
    assert (Membership.JUDGE, judge.id) in _roles(edition.contest.id)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "membership.granted")).one()
    assert json.loads(event.after)["role"] == "judge"


def test_grant_unknown_email_refused(edition, client):
    before = _roles(edition.contest.id)
    r = post_form(client, edition.url("members"), {"email": "ai@example.vn", "role": "judge"})
    assert r.status_code == 422
    assert ("Không có tài khoản nào dùng email ai@example.vn. Hãy đề nghị người đó đăng ký "
            "trước.") in html(r)
    assert 'value="ai@example.vn"' in html(r)
    assert _roles(edition.contest.id) == before


def test_grant_to_author_of_the_edition_refused(edition, client):
    (entry,) = submitted(edition)
    before = _roles(edition.contest.id)
    r = post_form(client, edition.url("members"),
                  {"email": edition.entrant.email, "role": "judge"})
    page = html(r)
    assert r.status_code == 422
    assert "Không thể chỉ định Nguyễn Văn Tác Giả" in page
    assert "Thành viên Hội đồng giám khảo và Ban Tổ chức không được dự thi." in page
    assert _roles(edition.contest.id) == before


def test_revoke_role(edition, client):
    judge = make_user("giamkhao@example.vn")
    m = Membership(user=judge, contest=edition.contest, role=Membership.JUDGE)
    db.session.add(m)
    db.session.commit()
    r = post_form(client, edition.url(f"members/{m.id}/revoke"), {},
                  page=edition.url("members"), follow_redirects=True)
    assert "Đã thu hồi vai trò của giamkhao@example.vn." in html(r)
    assert _roles(edition.contest.id) == [(Membership.ORGANIZER, edition.organizer.id)]
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "membership.revoked")).one()
    assert json.loads(event.before) == {"user": "giamkhao@example.vn", "role": "judge"}


def test_revoke_last_organizer_refused(edition, client):
    m = db.session.scalars(sa.select(Membership).where(
        Membership.contest_id == edition.contest.id)).one()
    r = post_form(client, edition.url(f"members/{m.id}/revoke"), {}, page=edition.url("members"))
    assert r.status_code == 403
    assert "Kỳ giải cần ít nhất một thành viên Ban Tổ chức" in html(r)
    assert _roles(edition.contest.id) == [(Membership.ORGANIZER, edition.organizer.id)]
