"""`flask demo load`: the open 2026 edition and the published 2025 one, with demo logins."""

import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from portal import clock
from portal.demo.common import AuditClock, ensure_user
from portal.demo.current import load_current_entries
from portal.demo.past import PastEdition, entrant_emails
from portal.extensions import db
from portal.models import Contest, Entry, Membership, User
from portal.organize.loader import load_edition, read_edition_file
from portal.passwords import hash_password
from portal.storage import get_storage

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "ha-tinh-2026.toml"
PAST_EXAMPLE = EXAMPLES / "ha-tinh-2025.toml"
PASSWORD = "demo-2026"

ORGANIZER, JUDGE = Membership.ORGANIZER, Membership.JUDGE
DEMO_USERS = [
    # email, full name, pen name, workplace, role shown, editions where they have that role
    ("bantochuc@demo.vn", "Nguyễn Thị Thu Hà", "", "Ban Tổ chức Tỉnh ủy Hà Tĩnh", ORGANIZER,
     ("ha-tinh-2025", "ha-tinh-2026")),
    ("giamkhao1@demo.vn", "Trần Văn Minh", "", "Hội Nhà báo tỉnh Hà Tĩnh", JUDGE,
     ("ha-tinh-2025", "ha-tinh-2026")),
    ("giamkhao2@demo.vn", "Lê Thị Hồng Nhung", "", "Trường Chính trị Trần Phú", JUDGE,
     ("ha-tinh-2025", "ha-tinh-2026")),
    ("giamkhao3@demo.vn", "Hoàng Đình Phúc", "", "Ban Tuyên giáo và Dân vận Tỉnh ủy", JUDGE,
     ("ha-tinh-2025",)),
    ("giamkhao4@demo.vn", "Nguyễn Thị Minh Tâm", "", "Trường Đại học Hà Tĩnh", JUDGE,
     ("ha-tinh-2025",)),
    ("giamkhao5@demo.vn", "Võ Văn Thành", "", "Sở Văn hóa, Thể thao và Du lịch", JUDGE,
     ("ha-tinh-2025",)),
    ("tacgia1@demo.vn", "Phạm Quốc Hùng", "Quốc Hùng", "Báo Hà Tĩnh", None, ()),
    ("tacgia2@demo.vn", "Đặng Thị Lan Anh", "Lan Anh", "Đài PT-TH Hà Tĩnh", None, ()),
]


def _users(password_hash: str) -> dict[str, User]:
    return {
        email: ensure_user(email=email, full_name=name, pen_name=pen, workplace=work,
                           title="Phóng viên" if work.startswith(("Báo", "Đài")) else "",
                           year_of_birth=1985, phone="0912000000", password_hash=password_hash)
        for email, name, pen, work, _role, _editions in DEMO_USERS
    }


def _grant_roles(contest: Contest, users: dict[str, User]) -> None:
    for email, *_rest, role, editions in DEMO_USERS:
        if contest.slug in editions and not db.session.scalar(
            sa.select(Membership).where(Membership.contest_id == contest.id,
                                        Membership.user_id == users[email].id,
                                        Membership.role == role)
        ):
            db.session.add(Membership(contest=contest, user=users[email], role=role))
    db.session.flush()


def _has_entries(contest: Contest, owners: list[User] | None = None) -> bool:
    query = sa.select(sa.func.count(Entry.id)).where(Entry.contest_id == contest.id)
    if owners is not None:
        query = query.where(Entry.owner_id.in_([u.id for u in owners]))
    return bool(db.session.scalar(query))


def _load_all() -> list[str]:
    """Create what is missing (flush only); return what was done, one line each."""
    done = []
    storage = get_storage()
    password_hash = hash_password(PASSWORD)  # one argon2 run: every demo login shares it
    users = _users(password_hash)
    with AuditClock() as audit_clock:
        past = load_edition(read_edition_file(PAST_EXAMPLE))
        _grant_roles(past, users)
        if not _has_entries(past):
            edition = PastEdition(past, organizer=users["bantochuc@demo.vn"],
                                  password_hash=password_hash, storage=storage,
                                  clock=audit_clock)
            edition.play()
            done.append(f"{past.slug}: {len(edition.played)} entries judged in two rounds, "
                        f"results published"
                        + ("" if edition.with_media else
                           " (no ffmpeg: radio and television entries left out)"))
        audit_clock.now = None
        contest = load_edition(read_edition_file(EXAMPLE))
        _grant_roles(contest, users)
        entrants = [users["tacgia1@demo.vn"], users["tacgia2@demo.vn"]]
        if not _has_entries(contest, entrants):
            entries = load_current_entries(contest, hung=entrants[0], lan_anh=entrants[1],
                                           storage=storage, clock=audit_clock,
                                           now=clock.now())
            done.append(f"{contest.slug}: open for entries, "
                        f"{entries[0].reference} submitted, one withdrawn, one draft")
    return done


@click.group("demo")
def demo():
    """Demo data."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when an edition already exists.")
def load(if_empty):
    """Load the demo editions (2025 published, 2026 open) and the demo logins, then print them."""
    if current_app.config.get("ENV_NAME") == "production":
        # The demo logins share a published password: never on a production database.
        raise click.ClickException(
            "The demo is not loaded in production (PORTAL_ENV=production): its logins "
            "share a published password.")
    if if_empty and db.session.scalar(sa.select(sa.func.count(Contest.id))):
        click.echo("The database already has an edition; demo not loaded.")
    else:
        started = time.monotonic()
        try:
            done = _load_all()
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        for line in done:
            click.echo(f"Loaded {line}.")
        if not done:
            click.echo("The demo editions are already loaded; nothing was added.")
        click.echo(f"({time.monotonic() - started:.1f} s)")
    click.echo("")
    click.echo(f"Demo logins (password for all: {PASSWORD})")
    for email, full_name, _pen, _work, role, _editions in DEMO_USERS:
        click.echo(f"  {role or 'entrant':<10} {email:<22} {full_name}")
    others = [e for key, e in entrant_emails().items() if key not in ("tacgia1", "tacgia2")]
    click.echo(f"  entrant    {others[0]} … {others[-1]}  authors of the 2025 entries")
    click.echo("")
    click.echo("Open http://127.0.0.1:5000 — published results: "
               "http://127.0.0.1:5000/results/ha-tinh-2025")


COMMANDS = [demo]
