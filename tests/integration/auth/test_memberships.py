"""grant_membership: jury and secretariat members may not be authors in the same edition."""

import pytest
import sqlalchemy as sa

from portal.auth.services import grant_membership
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Entry, Membership
from tests.support.factories import make_contest, make_entry, make_user


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are translated for the current request's language (Vietnamese by default)."""
    with app.test_request_context():
        yield


@pytest.fixture
def contest(app):
    return make_contest(slug="ha-tinh-2026")


def _memberships():
    return db.session.scalars(sa.select(Membership)).all()


def test_grant_membership_creates_row_and_audit_event(app, contest):
    admin = make_user("admin@hatinh.gov.vn", is_admin=True)
    user = make_user("giam.khao@hatinh.gov.vn")

    membership = grant_membership(user=user, contest=contest, role="organizer", actor=admin)

    assert _memberships() == [membership]
    assert (membership.user_id, membership.contest_id, membership.role) == (
        user.id, contest.id, "organizer")
    [event] = db.session.scalars(sa.select(AuditEvent)).all()
    assert (event.action, event.actor_id, event.contest_id, event.object_type,
            event.object_id) == ("membership.granted", admin.id, contest.id, "Membership",
                                 membership.id)
    assert '"role":"organizer"' in event.after


def test_grant_refused_for_linked_co_author(app, contest):
    owner = make_user("chu@baohatinh.vn")
    judge = make_user("giam.khao@hatinh.gov.vn", full_name="Lê Văn Hùng")
    make_entry(contest, owner, authors=[owner, judge], title="Đảng viên ở bản Lở",
               reference="BLV2026-BI-003", status=Entry.SUBMITTED)

    with pytest.raises(DomainError) as refused:
        grant_membership(user=judge, contest=contest, role="judge")

    assert refused.value.message == (
        "Không thể chỉ định Lê Văn Hùng làm giám khảo của kỳ giải này: người này là tác giả "
        "của tác phẩm BLV2026-BI-003. Thành viên Hội đồng giám khảo và Ban Tổ chức không "
        "được dự thi.")
    assert _memberships() == []


def test_grant_refused_for_unlinked_author_with_same_name_and_birth_year(app, contest):
    owner = make_user("chu@baohatinh.vn")
    judge = make_user("giam.khao@hatinh.gov.vn", full_name="Lê Văn Hùng", year_of_birth=1972)
    make_entry(contest, owner, title="Đảng viên ở bản Lở", authors=[
        owner, {"full_name": "  LE VAN  HUNG ", "year_of_birth": 1972}])

    with pytest.raises(DomainError) as refused:
        grant_membership(user=judge, contest=contest, role="organizer")

    assert "tác giả của tác phẩm “Đảng viên ở bản Lở”" in refused.value.message
    assert _memberships() == []


def test_grant_allowed_for_namesake_born_another_year(app, contest):
    owner = make_user("chu@baohatinh.vn")
    judge = make_user("giam.khao@hatinh.gov.vn", full_name="Lê Văn Hùng", year_of_birth=1972)
    make_entry(contest, owner, authors=[
        owner, {"full_name": "Lê Văn Hùng", "year_of_birth": 1990}])

    assert grant_membership(user=judge, contest=contest, role="judge").role == "judge"


def test_grant_allowed_when_the_entry_is_withdrawn_or_in_another_edition(app, contest):
    judge = make_user("giam.khao@hatinh.gov.vn")
    make_entry(contest, judge, status=Entry.WITHDRAWN)
    make_entry(make_contest(slug="quang-binh-2026"), judge, status=Entry.SUBMITTED)

    membership = grant_membership(user=judge, contest=contest, role="judge")

    assert _memberships() == [membership]


def test_grant_refused_for_the_entrant_of_an_entry(app, contest):
    secretary = make_user("van.thu@baohatinh.vn", full_name="Văn Thư")
    author = make_user("tac.gia@baohatinh.vn")
    make_entry(contest, secretary, authors=[author], reference="BLV2026-BI-009")

    with pytest.raises(DomainError) as refused:
        grant_membership(user=secretary, contest=contest, role="organizer")

    assert "người này đã nộp tác phẩm BLV2026-BI-009" in refused.value.message


def test_grant_twice_or_unknown_role_is_refused(app, contest):
    user = make_user("giam.khao@hatinh.gov.vn", full_name="Lê Văn Hùng")
    grant_membership(user=user, contest=contest, role="judge")

    with pytest.raises(DomainError) as twice:
        grant_membership(user=user, contest=contest, role="judge")
    with pytest.raises(DomainError) as unknown:
        grant_membership(user=user, contest=contest, role="author")

    assert twice.value.message == "Lê Văn Hùng đã là giám khảo của kỳ giải này."
    assert unknown.value.message == (
        "Vai trò “author” không tồn tại: hãy chọn thành viên Ban Tổ chức hoặc giám khảo.")
    assert len(_memberships()) == 1
