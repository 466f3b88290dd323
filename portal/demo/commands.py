"""`flask demo load`: the example edition plus demo logins, printed."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import Contest, Membership, User
from portal.organize.loader import load_edition, read_edition_file
from portal.passwords import hash_password

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ha-tinh-2026.toml"
PASSWORD = "demo-2026"

DEMO_USERS = [
    # email, full name, pen name, workplace, role
    ("bantochuc@demo.vn", "Nguyễn Thị Thu Hà", "", "Ban Tổ chức Tỉnh ủy Hà Tĩnh", "organizer"),
    ("giamkhao1@demo.vn", "Trần Văn Minh", "", "Hội Nhà báo tỉnh Hà Tĩnh", "judge"),
    ("giamkhao2@demo.vn", "Lê Thị Hồng Nhung", "", "Trường Chính trị Trần Phú", "judge"),
    ("tacgia1@demo.vn", "Phạm Quốc Hùng", "Quốc Hùng", "Báo Hà Tĩnh", None),
    ("tacgia2@demo.vn", "Đặng Thị Lan Anh", "Lan Anh", "Đài PT-TH Hà Tĩnh", None),
]


def _user(email, full_name, pen_name, workplace):
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=full_name, pen_name=pen_name, workplace=workplace,
                    password_hash=hash_password(PASSWORD), year_of_birth=1985, phone="0912000000",
                    title="Phóng viên" if workplace.startswith(("Báo", "Đài")) else "")
        db.session.add(user)
        db.session.flush()
    return user


@click.group("demo")
def demo():
    """Demo data."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when an edition already exists.")
def load(if_empty):
    """Load the example edition and the demo logins, then print them."""
    if current_app.config.get("ENV_NAME") == "production":
        # The demo logins share a published password: never on a production database.
        raise click.ClickException(
            "The demo is not loaded in production (PORTAL_ENV=production): its logins "
            "share a published password.")
    if if_empty and db.session.scalar(sa.select(sa.func.count(Contest.id))):
        click.echo("The database already has an edition; demo not loaded.")
    else:
        users = {u[0]: _user(*u[:4]) for u in DEMO_USERS}
        contest = load_edition(read_edition_file(EXAMPLE))
        for email, *_rest, role in DEMO_USERS:
            if role and not db.session.scalar(
                sa.select(Membership).where(Membership.contest_id == contest.id,
                                            Membership.user_id == users[email].id,
                                            Membership.role == role)
            ):
                db.session.add(Membership(contest=contest, user=users[email], role=role))
        db.session.commit()
        click.echo(f"Loaded demo edition {contest.slug}.")
    click.echo("")
    click.echo(f"Demo logins (password for all: {PASSWORD})")
    for email, full_name, _pen, _work, role in DEMO_USERS:
        click.echo(f"  {role or 'entrant':<10} {email:<22} {full_name}")
    click.echo("")
    click.echo("Open http://127.0.0.1:5000")


COMMANDS = [demo]
