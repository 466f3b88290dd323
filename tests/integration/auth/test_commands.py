"""`flask users create` and `flask users grant`."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Membership, User
from portal.passwords import check_password
from tests.support.factories import make_contest, make_entry, make_user


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_users_create_admin_with_password_option(app, runner):
    result = runner.invoke(args=["users", "create", "--email", " Admin@HaTinh.gov.vn",
                                 "--name", "Lê Văn Quản", "--admin",
                                 "--password", "mat-khau-quan-tri"])

    assert result.exit_code == 0, result.output
    user = _user("admin@hatinh.gov.vn")
    assert result.output == f"Created administrator admin@hatinh.gov.vn (id {user.id}).\n"
    assert (user.full_name, user.is_admin) == ("Lê Văn Quản", True)
    assert check_password(user.password_hash, "mat-khau-quan-tri")


def test_users_create_prompts_for_password_twice(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "thu.ky@hatinh.gov.vn",
                                 "--name", "Thư Ký"],
                           input="mat-khau-thu-ky\nmat-khau-thu-ky\n")

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    user = _user("thu.ky@hatinh.gov.vn")
    assert user.is_admin is False
    assert check_password(user.password_hash, "mat-khau-thu-ky")


def test_users_create_duplicate_email_is_a_clear_error(app, runner):
    make_user("thu.ky@hatinh.gov.vn")
    db.session.commit()

    result = runner.invoke(args=["users", "create", "--email", "THU.KY@hatinh.gov.vn",
                                 "--name", "Thư Ký", "--password", "mat-khau-thu-ky"])

    assert result.exit_code == 1
    assert ("Error: thu.ky@hatinh.gov.vn: An account with this email address already exists."
            in result.output)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_users_create_short_password_is_refused(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "a@hatinh.gov.vn",
                                 "--name", "A", "--password", "ngan"])

    assert result.exit_code == 1
    assert "Error: The password must have at least 10 characters." in result.output
    assert _user("a@hatinh.gov.vn") is None


def test_users_grant_judge(app, runner):
    user = make_user("giam.khao@hatinh.gov.vn")
    contest = make_contest(slug="ha-tinh-2026")
    db.session.commit()

    result = runner.invoke(args=["users", "grant", "--email", "Giam.Khao@hatinh.gov.vn",
                                 "--edition", "ha-tinh-2026", "--role", "judge"])

    assert result.exit_code == 0, result.output
    assert result.output == "giam.khao@hatinh.gov.vn is now judge of ha-tinh-2026.\n"
    [membership] = db.session.scalars(sa.select(Membership)).all()
    assert (membership.user_id, membership.contest_id, membership.role) == (
        user.id, contest.id, "judge")
    [event] = db.session.scalars(sa.select(AuditEvent)).all()
    assert (event.action, event.object_id, event.contest_id) == (
        "membership.granted", membership.id, contest.id)


def test_users_grant_unknown_email_or_edition_is_a_clear_error(app, runner):
    make_user("giam.khao@hatinh.gov.vn")
    make_contest(slug="ha-tinh-2026")
    db.session.commit()

    no_user = runner.invoke(args=["users", "grant", "--email", "ai@hatinh.gov.vn",
                                  "--edition", "ha-tinh-2026", "--role", "judge"])
    no_edition = runner.invoke(args=["users", "grant", "--email", "giam.khao@hatinh.gov.vn",
                                     "--edition", "quang-binh", "--role", "organizer"])
    bad_role = runner.invoke(args=["users", "grant", "--email", "giam.khao@hatinh.gov.vn",
                                   "--edition", "ha-tinh-2026", "--role", "author"])

    assert no_user.exit_code == 1
    assert "Error: No account has the email ai@hatinh.gov.vn." in no_user.output
    assert no_edition.exit_code == 1
    assert "Error: No edition has the slug 'quang-binh'." in no_edition.output
    assert bad_role.exit_code == 2
    assert "'author' is not one of 'organizer', 'judge'" in bad_role.output
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 0


def test_users_grant_refuses_an_author_of_the_edition(app, runner):
    user = make_user("tac.gia@baohatinh.vn", full_name="Trần Thị Mai")
    contest = make_contest(slug="ha-tinh-2026")
    make_entry(contest, user, title="Đảng viên ở bản Lở", status="submitted",
               reference="BLV2026-BI-007")
    db.session.commit()

    result = runner.invoke(args=["users", "grant", "--email", "tac.gia@baohatinh.vn",
                                 "--edition", "ha-tinh-2026", "--role", "judge"])

    assert result.exit_code == 1
    assert ("Error: Trần Thị Mai cannot be a judge of this edition: they are an author of the "
            "entry BLV2026-BI-007. Jury and secretariat members may not enter.") in result.output
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 0
