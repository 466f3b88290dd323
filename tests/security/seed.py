"""One edition with everything the security tests need, and helpers to act as anyone.

The seeded world: edition A (open) with a submitted, eligible entry of `owner` with a
linked co-author, a verified PDF (row and object in local storage), a second entry still
a draft with an upload in progress, an open round whose panel holds two judges, an
assignment of `judge_a` with a submitted score sheet, an award and a published snapshot;
edition B has its own organizer.  The owner's personal data is distinctive, so the PII
tests can grep every page for it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from portal.extensions import db
from portal.models import (
    Agency,
    AgencyDossier,
    Assignment,
    Award,
    Contest,
    Entry,
    EntryAuthor,
    EntryFile,
    Membership,
    RoundEntry,
    ScoreSheet,
)
from portal.storage import get_storage
from tests.support.factories import (
    genre,
    grant,
    make_contest,
    make_entry,
    make_round,
    make_sheet,
    make_user,
)

PRINCIPALS = ("anon", "owner", "other", "coauthor", "judge_a", "judge_o", "org_x", "org",
              "admin")

# Distinctive personal data of the entry's lead author: no page for judges or the public,
# no judge's audit record and no log line may carry any of these.
PHONE = "0987654321"
EMAIL = "tacgia.rieng@example.vn"
YEAR = 1971
FULL_NAME = "Nguyễn Thị Riêng Tư"
PEN_NAME = "Hồng Lam"
CO_PHONE = "0912000777"
CO_EMAIL = "dongtacgia.kin@example.vn"
CO_YEAR = 1968
CO_FULL_NAME = "Trần Văn Đồng Kín"
WORKPLACE = "Báo Riêng Tư Sáng"
PII = (PHONE, EMAIL, str(YEAR), CO_PHONE, CO_EMAIL, str(CO_YEAR))


@dataclass
class World:
    """Ids and plain values only: ORM objects would outlive their session."""

    slug: str = ""
    other_slug: str = ""
    users: dict = field(default_factory=dict)  # principal -> user id
    logins: dict = field(default_factory=dict)  # principal -> flask-login id ("id:version")
    entry_id: int = 0
    draft_id: int = 0
    file_id: int = 0
    upload_id: int = 0
    round_id: int = 0
    assignment_id: int = 0
    sheet_id: int = 0
    level_id: int = 0
    slot_id: int = 0
    membership_id: int = 0
    panel_id: int = 0
    snapshot_version: int = 1
    reset_token: str = ""
    part_url: str = ""
    pdf: bytes = b""
    extra: dict = field(default_factory=dict)


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seed(app, *, blind: bool = True, sheet_status: str = ScoreSheet.SUBMITTED) -> World:
    """Create the world (committed) and return it; `blind` and `sheet_status` set the
    round's blindness and the assigned judge's sheet."""
    from portal.auth.services import make_confirm_token, make_reset_token, open_session
    from portal.files import services as file_services
    from portal.results.services import publish

    now = datetime.now(UTC)
    contest = make_contest(slug="ed-sec", now=now)
    other_contest = make_contest(slug="ed-other", now=now)
    u = {
        "owner": make_user(EMAIL, full_name=FULL_NAME, pen_name=PEN_NAME, phone=PHONE,
                           year_of_birth=YEAR, workplace=WORKPLACE),
        "other": make_user("khac@example.vn"),
        "coauthor": make_user(CO_EMAIL, full_name=CO_FULL_NAME, pen_name="Đồng Kín",
                              phone=CO_PHONE, year_of_birth=CO_YEAR,
                              workplace="Đài PT-TH Hà Tĩnh"),
        "judge_a": make_user("giamkhao.a@example.vn"),
        "judge_o": make_user("giamkhao.o@example.vn"),
        "org_x": make_user("btc.khac@example.vn"),
        "org": make_user("btc@example.vn"),
        "admin": make_user("admin@example.vn", is_admin=True),
    }
    grant(u["judge_a"], contest, Membership.JUDGE)
    membership = grant(u["judge_o"], contest, Membership.JUDGE)
    grant(u["org"], contest, Membership.ORGANIZER)
    grant(u["org_x"], other_contest, Membership.ORGANIZER)

    entry = make_entry(contest, u["owner"], status=Entry.SUBMITTED, title="Bài dự thi kín",
                       authors=[u["owner"], u["coauthor"]], submitted_at=now)
    entry.reference = "BLV2026-BI-001"
    entry.seq = 1
    entry.eligibility = Entry.ELIGIBLE
    draft = make_entry(contest, u["owner"], title="Bản nháp", authors=[u["owner"],
                                                                       u["coauthor"]])
    # `other` is invited (named by the owner) as a co-author of a draft in the OTHER edition
    # (an author of this edition could not be made its judge), not yet accepted: an
    # invitation links nobody.
    elsewhere = make_entry(other_contest, u["owner"], title="Bản nháp kỳ khác")
    invitation = EntryAuthor(position=1, full_name=u["other"].full_name, email=u["other"].email,
                             user_id=u["other"].id, role=EntryAuthor.CO)
    elsewhere.authors.append(invitation)
    # The draft names a sending agency, which has sent one (empty) dossier; the agency has
    # no focal point among the principals (tests/integration/agencies test focal points).
    agency = Agency(contest=contest, name="Báo Thử Nghiệm", name_key="bao thu nghiem")
    db.session.add(agency)
    db.session.flush()
    draft.agency_id = agency.id
    dossier = AgencyDossier(agency=agency, number=1, submitted_at=now,
                            submitted_by_id=u["org"].id)
    db.session.add(dossier)
    slot = next(s for s in genre(contest, "BI").slots if s.kind == "work")

    storage = get_storage()
    data = pdf_bytes()
    key = f"{contest.slug}/{entry.id}/0123456789abcdef0123456789abcdef"
    storage.put_file(key, io.BytesIO(data), content_type="application/pdf")
    file = EntryFile(entry=entry, slot=slot, part_number=1, key=key,
                     original_filename=f"{FULL_NAME} - {PHONE}.pdf",
                     declared_type="application/pdf", content_type="application/pdf",
                     size=len(data), declared_size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), status=EntryFile.VERIFIED,
                     page_count=1, uploaded_by_id=u["owner"].id, verified_at=now)
    db.session.add(file)
    upload, _resumed = file_services.start_upload(
        entry=draft, slot_id=slot.id, part_number=1, filename="ban-nhap.pdf", size=len(data),
        content_type="application/pdf", user=u["owner"], storage=storage,
        part_size=app.config["UPLOAD_PART_SIZE"])

    rnd = make_round(contest, now=now, judges=[u["judge_a"], u["judge_o"]], blind=blind,
                     judges_per_entry=1)
    db.session.add(RoundEntry(round_id=rnd.id, entry_id=entry.id))
    assignment = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=u["judge_a"].id)
    sheet = make_sheet(assignment, status=sheet_status, values=(23, 18, 18, 18, 13),
               total=Decimal("90"), comment="Tốt", at=now, criteria=rnd.criteria)
    db.session.add(Award(contest_id=contest.id, entry_id=entry.id, proposed_level="A",
                         level="A"))
    contest.decision_number = "123/QĐ-BTC"
    contest.decision_date = date(2026, 11, 1)
    db.session.flush()
    publish(contest, actor=u["org"], now=now)
    contest.status = Contest.OPEN  # keep the submission window open for the entrant routes
    db.session.commit()

    logins = {name: open_session(user, now=now, lifetime=timedelta(days=1))
              for name, user in u.items()}
    db.session.commit()
    world = World(
        slug=contest.slug, other_slug=other_contest.slug,
        users={name: user.id for name, user in u.items()},
        logins=logins,
        entry_id=entry.id, draft_id=draft.id, file_id=file.id, upload_id=upload.id,
        round_id=rnd.id, assignment_id=assignment.id, sheet_id=sheet.id,
        level_id=contest.prize_levels[0].id, slot_id=slot.id, membership_id=membership.id,
        panel_id=rnd.panels[0].id,
        reset_token=make_reset_token(u["owner"], secret_key=app.config["SECRET_KEY"]),
        part_url=storage.sign_request(
            operation="upload_part", key=upload.key, upload_id=upload.upload_id,
            part_number=1, content_length=len(data), expires_in=600),
        pdf=data,
        extra={"invitation_id": invitation.id, "agency_id": agency.id,
               "dossier_id": dossier.id,
               "confirm_token": make_confirm_token(u["owner"],
                                                   secret_key=app.config["SECRET_KEY"])},
    )
    return world


def log_in_again(app, world: World, principal: str) -> None:
    """A new server-side session for `principal` (committed), used by later client_as
    calls: after a role revocation ended every session of the user, they log in again."""
    from portal.auth.services import open_session
    from portal.models import User

    user = db.session.get(User, world.users[principal])
    world.logins[principal] = open_session(user, now=datetime.now(UTC),
                                           lifetime=timedelta(days=1))
    db.session.commit()


def client_as(app, world: World, principal: str):
    """A test client whose session is logged in as `principal` and holds a CSRF secret;
    returns (client, csrf_token)."""
    client = app.test_client()
    raw = hashlib.sha1(principal.encode()).hexdigest()
    with client.session_transaction() as session:
        session["csrf_token"] = raw
        if principal in world.logins:
            session["_user_id"] = world.logins[principal]
            session["_fresh"] = True
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)
    return client, token


def snapshot_tables() -> dict[str, list[tuple]]:
    """Every row of every table, ordered, to compare before and after a request."""
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(sa.select(table).order_by(*order)).all()
        out[table.name] = [tuple(r) for r in rows]
    db.session.rollback()
    return out


def table_diff(before: dict, after: dict) -> list[str]:
    """Names of the tables whose rows differ, with their row counts."""
    return [f"{name}: {len(before[name])} -> {len(after[name])} rows"
            for name in before if before[name] != after[name]]
