"""Agencies and sending units: the edition's list, focal points, confirmations, dossiers and
their receipt; on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Agency,
    AgencyDossier,
    AgencyFocalPoint,
    AuditEvent,
    Contest,
    Entry,
    FileSlot,
    Membership,
)
from tests.support.entries import entry_form
from tests.support.factories import (
    genre,
    grant,
    make_contest,
    make_entry,
    make_user,
)
from tests.support.web import csrf_token, html, login, post_form


@pytest.fixture
def world(app):
    contest = make_contest()
    organizer = make_user(full_name="Trần Văn Tổ Chức")
    grant(organizer, contest, Membership.ORGANIZER)
    baoht = Agency(contest=contest, name="Báo Hà Tĩnh", name_key="bao ha tinh")
    dai = Agency(contest=contest, name="Đài PT-TH Hà Tĩnh", name_key="dai pt-th ha tinh")
    db.session.add_all([baoht, dai])
    db.session.flush()
    focal = make_user(full_name="Lê Thị Đầu Mối", workplace="Báo Hà Tĩnh")
    focal_dai = make_user(full_name="Phan Văn Đài", workplace="Đài PT-TH Hà Tĩnh")
    db.session.add_all([AgencyFocalPoint(agency=baoht, user=focal),
                        AgencyFocalPoint(agency=dai, user=focal_dai)])
    journalist = make_user(full_name="Nguyễn Văn Phóng", workplace="Báo Hà Tĩnh")
    journalist2 = make_user(full_name="Hoàng Thị Ký", workplace="Báo Hà Tĩnh")
    db.session.commit()
    return type("W", (), dict(contest=contest, organizer=organizer, baoht=baoht, dai=dai,
                              focal=focal, focal_dai=focal_dai, journalist=journalist,
                              journalist2=journalist2))


def _as(client, user):
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    response = login(client, user.email)
    assert response.status_code == 302, html(response)[:300]
    return client


def _agency_count(contest) -> int:
    return db.session.scalar(sa.select(sa.func.count(Agency.id))
                             .where(Agency.contest_id == contest.id))


# --- the organizer's list ---------------------------------------------------------------------

def test_agency_names_are_compared_normalised_and_duplicates_refused(client, world):
    _as(client, world.organizer)
    url = f"/organize/{world.contest.slug}/agencies"
    for dup in ("BAO HA TINH", "  báo   hà tĩnh ", "Hà Tĩnh", "Báo Hà Tĩnh."):
        r = post_form(client, url, {"name": dup})
        assert r.status_code == 422, dup
        assert "đã có trong danh sách" in html(r) or "already on the list" in html(r)
    assert _agency_count(world.contest) == 2
    r = post_form(client, url, {"name": "Tạp chí  Hồng Lĩnh"})
    assert r.status_code == 302
    added = db.session.scalar(sa.select(Agency).where(Agency.name == "Tạp chí Hồng Lĩnh"))
    assert added.name_key == "tap chi hong linh" and added.contest_id == world.contest.id
    assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) \
        == "agency.add"


def test_organizer_names_a_focal_point_by_confirmed_email(client, world):
    newcomer = make_user(full_name="Vũ Văn Mới")
    unconfirmed = make_user(full_name="Chưa Xác Nhận", email_confirmed_at=None)
    db.session.commit()
    _as(client, world.organizer)
    base = f"/organize/{world.contest.slug}/agencies"
    url = f"{base}/{world.dai.id}/focal-points"
    r = post_form(client, url, {"email": unconfirmed.email}, page=base)
    assert r.status_code == 422
    r = post_form(client, url, {"email": newcomer.email.upper()}, page=base)
    assert r.status_code == 302
    users = set(db.session.scalars(sa.select(AgencyFocalPoint.user_id)
                                   .where(AgencyFocalPoint.agency_id == world.dai.id)))
    assert users == {world.focal_dai.id, newcomer.id}


def test_agency_list_is_for_this_editions_organizers_only(client, world):
    other = make_contest()
    other_org = make_user()
    grant(other_org, other, Membership.ORGANIZER)
    db.session.commit()
    for user in (world.focal, world.journalist, other_org):
        _as(client, user)
        assert client.get(f"/organize/{world.contest.slug}/agencies").status_code == 404
        r = client.post(f"/organize/{world.contest.slug}/agencies",
                        data={"csrf_token": csrf_token(client, "/auth/account"),
                              "name": "Báo Mới"})
        assert r.status_code == 404
    assert _agency_count(world.contest) == 2


# --- entrants choose their agency ------------------------------------------------------------

def test_entrant_chooses_a_listed_agency_on_the_entry_form(client, world):
    _as(client, world.journalist)
    url = f"/entries/new/{world.contest.slug}"
    page = html(client.get(url))
    assert "Báo Hà Tĩnh" in page and 'name="agency_id"' in page
    r = post_form(client, url, entry_form(world.contest, agency_id=str(world.baoht.id)))
    assert r.status_code == 302
    entry = db.session.scalar(sa.select(Entry).where(Entry.owner_id == world.journalist.id))
    assert entry.agency_id == world.baoht.id and entry.agency_confirmed_at is None


def test_agency_of_another_edition_is_refused_and_nothing_is_created(client, world):
    other = make_contest()
    foreign = Agency(contest=other, name="Báo Nghệ An", name_key="bao nghe an")
    db.session.add(foreign)
    db.session.commit()
    _as(client, world.journalist)
    url = f"/entries/new/{world.contest.slug}"
    r = post_form(client, url, entry_form(world.contest, agency_id=str(foreign.id)))
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == 0


def test_editing_an_entry_withdraws_the_agencys_confirmation(client, world):
    entry = make_entry(world.contest, world.journalist, agency_id=world.baoht.id,
                       agency_confirmed_at=datetime.now(UTC),
                       agency_confirmed_by_id=world.focal.id)
    db.session.commit()
    _as(client, world.journalist)
    url = f"/entries/{entry.id}/edit"
    r = post_form(client, url, entry_form(world.contest, agency_id=str(world.baoht.id),
                                          version=str(entry.version), title="Tên mới"))
    assert r.status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.title == "Tên mới" and entry.agency_confirmed_at is None


# --- the focal point ------------------------------------------------------------------------

def test_focal_point_sees_its_agencys_entries_and_no_other(client, world):
    mine = make_entry(world.contest, world.journalist, title="Bài của Báo Hà Tĩnh",
                      agency_id=world.baoht.id)
    theirs = make_entry(world.contest, world.journalist2, title="Bài của Đài",
                        agency_id=world.dai.id)
    loose = make_entry(world.contest, world.journalist2, title="Bài gửi riêng")
    db.session.commit()
    _as(client, world.focal)
    page = html(client.get(f"/agencies/{world.baoht.id}"))
    assert mine.title in page and theirs.title not in page and loose.title not in page
    assert client.get(f"/agencies/{world.dai.id}").status_code == 404
    dashboard = html(client.get("/entries/"))
    assert f'href="/agencies/{world.baoht.id}"' in dashboard
    assert f'href="/agencies/{world.dai.id}"' not in dashboard
    # Its own agency's URL with another agency's entry: not found, nothing changes.
    token = csrf_token(client, f"/agencies/{world.baoht.id}")
    r = client.post(f"/agencies/{world.baoht.id}/entries/{theirs.id}/confirm",
                    data={"csrf_token": token})
    assert r.status_code == 404
    r = client.post(f"/agencies/{world.dai.id}/entries/{theirs.id}/confirm",
                    data={"csrf_token": token})
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, theirs.id).agency_confirmed_at is None


def test_journalist_and_organizer_cannot_confirm(client, world):
    entry = make_entry(world.contest, world.journalist, agency_id=world.baoht.id)
    db.session.commit()
    for user, status in ((world.journalist, 404), (world.organizer, 403)):
        _as(client, user)
        r = client.post(f"/agencies/{world.baoht.id}/entries/{entry.id}/confirm",
                        data={"csrf_token": csrf_token(client, "/auth/account")})
        assert r.status_code == status
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).agency_confirmed_at is None


def test_confirmation_replaces_the_confirmation_letter_at_screening(client, world):
    from portal.entries.services import screening_problems

    bi = genre(world.contest, "BI")
    bi.slots.append(FileSlot(kind="confirmation", label_vi="Xác nhận của cơ quan",
                             label_en="Agency's confirmation", formats="pdf",
                             max_size=1024 * 1024, min_count=1, max_count=1, required=True,
                             position=9))
    db.session.flush()
    entry = make_entry(world.contest, world.journalist, agency_id=world.baoht.id)
    db.session.commit()
    add_work_files(entry)
    now = datetime.now(UTC)
    assert [p.code for p in screening_problems(entry, now=now)] == ["files_too_few"]
    _as(client, world.focal)
    r = post_form(client, f"/agencies/{world.baoht.id}/entries/{entry.id}/confirm", {},
                  page=f"/agencies/{world.baoht.id}")
    assert r.status_code == 302
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.agency_confirmed_by_id == world.focal.id
    assert screening_problems(entry, now=now) == []


def add_work_files(entry):
    """Verified files for the entry's work slots only (not the confirmation letter)."""
    from portal.models import EntryFile

    for slot in entry.genre.slots:
        if slot.kind == "confirmation":
            continue
        for i in range(max(slot.min_count, entry.parts_count if slot.per_part else 0)):
            db.session.add(EntryFile(
                entry=entry, slot=slot, part_number=i + 1 if slot.per_part else None,
                key=f"test/{entry.id}/{slot.kind}-{i}",
                original_filename=f"{entry.title[:20]}-{slot.kind}-{i + 1}.pdf",
                content_type="application/pdf", size=2048 + i,
                sha256=f"{entry.id:02d}{i:02d}".ljust(64, "c"), status=EntryFile.VERIFIED))
    db.session.commit()


# --- the dossier ------------------------------------------------------------------------------

def _confirmed(world, owner, **kw) -> Entry:
    return make_entry(world.contest, owner, agency_id=world.baoht.id,
                      agency_confirmed_at=datetime.now(UTC),
                      agency_confirmed_by_id=world.focal.id, **kw)


def test_dossier_submits_every_confirmed_entry_and_its_receipt_lists_every_file(client, world):
    draft = _confirmed(world, world.journalist, title="Phóng sự về cán bộ cơ sở")
    already = _confirmed(world, world.journalist2, title="Bình luận về kỷ cương",
                         status=Entry.SUBMITTED, reference="BLV2026-BI-900", seq=900)
    unconfirmed = make_entry(world.contest, world.journalist2, title="Chưa xác nhận",
                             agency_id=world.baoht.id)
    db.session.commit()
    add_work_files(draft)
    add_work_files(already)
    add_work_files(unconfirmed)
    _as(client, world.focal)
    r = post_form(client, f"/agencies/{world.baoht.id}/dossier", {},
                  page=f"/agencies/{world.baoht.id}")
    assert r.status_code == 302, html(r)[:2000]
    db.session.expire_all()
    dossier = db.session.scalar(sa.select(AgencyDossier))
    assert (dossier.agency_id, dossier.number, dossier.submitted_by_id) == (
        world.baoht.id, 1, world.focal.id)
    draft, already, unconfirmed = (db.session.get(Entry, e.id)
                                   for e in (draft, already, unconfirmed))
    assert draft.status == Entry.SUBMITTED and draft.reference.startswith("BLV2026-BI-")
    assert draft.dossier_id == already.dossier_id == dossier.id
    assert unconfirmed.status == Entry.DRAFT and unconfirmed.dossier_id is None
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["entry.submit", "agency.dossier_submit"]

    r = client.get(f"/agencies/dossiers/{dossier.id}/receipt.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.data,
                          capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    assert "Báo Hà Tĩnh" in flat and "Lê Thị Đầu Mối" in flat
    for e in (draft, already):
        assert e.reference in flat
        for f in e.files:
            assert f.sha256 in text.replace("\n", "").replace(" ", "")
            assert f.original_filename in flat
    assert "Chưa xác nhận" not in flat
    # A second dossier finds nothing new to send.
    r = post_form(client, f"/agencies/{world.baoht.id}/dossier", {},
                  page=f"/agencies/{world.baoht.id}")
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(AgencyDossier.id))) == 1


def test_dossier_is_all_or_nothing(client, world):
    ready = _confirmed(world, world.journalist, title="Sẵn sàng")
    _confirmed(world, world.journalist2, title="Thiếu tệp")
    db.session.commit()
    add_work_files(ready)
    _as(client, world.focal)
    r = post_form(client, f"/agencies/{world.baoht.id}/dossier", {},
                  page=f"/agencies/{world.baoht.id}")
    assert r.status_code == 422
    assert "Thiếu tệp" in html(r)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(AgencyDossier.id))) == 0
    assert {e.status for e in db.session.scalars(sa.select(Entry))} == {Entry.DRAFT}
    assert db.session.get(Entry, ready.id).reference is None


def test_dossier_receipt_is_for_its_agency_and_the_organizers_only(client, world):
    entry = _confirmed(world, world.journalist)
    db.session.commit()
    add_work_files(entry)
    _as(client, world.focal)
    post_form(client, f"/agencies/{world.baoht.id}/dossier", {},
              page=f"/agencies/{world.baoht.id}")
    dossier = db.session.scalar(sa.select(AgencyDossier))
    url = f"/agencies/dossiers/{dossier.id}/receipt.pdf"
    for user, status in ((world.focal_dai, 404), (world.journalist, 404),
                         (world.organizer, 200)):
        _as(client, user)
        assert client.get(url).status_code == status


def test_agency_only_edition_refuses_an_individual_submission(client, world):
    world.contest.entry_routes = Contest.ROUTE_AGENCY
    entry = make_entry(world.contest, world.journalist, agency_id=world.baoht.id)
    db.session.commit()
    add_work_files(entry)
    _as(client, world.journalist)
    r = post_form(client, f"/entries/{entry.id}/submit", {"version": str(entry.version)},
                  page=f"/entries/{entry.id}")
    assert r.status_code == 403
    assert "hồ sơ" in html(r) or "dossier" in html(r)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.DRAFT
    # The dossier is the way in.
    _as(client, world.focal)
    post_form(client, f"/agencies/{world.baoht.id}/entries/{entry.id}/confirm", {},
              page=f"/agencies/{world.baoht.id}")
    r = post_form(client, f"/agencies/{world.baoht.id}/dossier", {},
                  page=f"/agencies/{world.baoht.id}")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.SUBMITTED


def test_individual_only_edition_has_no_agency_route(client, world):
    world.contest.entry_routes = Contest.ROUTE_INDIVIDUAL
    entry = _confirmed(world, world.journalist)
    db.session.commit()
    add_work_files(entry)
    _as(client, world.journalist)
    assert 'name="agency_id"' not in html(client.get(f"/entries/new/{world.contest.slug}"))
    _as(client, world.focal)
    r = client.post(f"/agencies/{world.baoht.id}/dossier",
                    data={"csrf_token": csrf_token(client, f"/agencies/{world.baoht.id}")})
    assert r.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(AgencyDossier.id))) == 0


def test_focal_point_enters_on_a_journalists_behalf(client, world):
    _as(client, world.focal)
    url = f"/entries/new/{world.contest.slug}?agency={world.baoht.id}"
    page = html(client.get(url))
    assert f'<option selected value="{world.baoht.id}">' in page
    authors = [{"full_name": "Nguyễn Văn Phóng", "pen_name": "Phóng Viên",
                "year_of_birth": "1990", "workplace": "Báo Hà Tĩnh", "title": "",
                "phone": "", "email": "", "role": "lead"}]
    r = post_form(client, f"/entries/new/{world.contest.slug}",
                  entry_form(world.contest, authors=authors, agency_id=str(world.baoht.id)))
    assert r.status_code == 302
    entry = db.session.scalar(sa.select(Entry))
    assert entry.owner_id == world.focal.id and entry.agency_id == world.baoht.id
    assert [a.full_name for a in entry.authors] == ["Nguyễn Văn Phóng"]
    assert "Nguyễn Văn Phóng" in html(client.get(f"/agencies/{world.baoht.id}"))


def test_judge_working_at_the_sending_agency_is_in_conflict(app, world):
    from portal.rounds.services import round_conflicts
    from tests.support.factories import make_round

    judge = make_user(full_name="Giám Khảo Đài", workplace="Đài Phát thanh và Truyền hình "
                                                          "Hà Tĩnh")
    grant(judge, world.contest, Membership.JUDGE)
    entry = make_entry(world.contest, world.journalist, agency_id=world.dai.id,
                       status=Entry.SUBMITTED, reference="BLV2026-BI-001", seq=1)
    rnd = make_round(world.contest, judges=[judge])
    from portal.models import RoundEntry

    db.session.add(RoundEntry(round=rnd, entry=entry))
    db.session.commit()
    conflicts = round_conflicts(rnd)
    assert [c.code for c in conflicts[(judge.id, entry.id)]] == ["sent_by_workplace"]


# --- anyone may enter (issue 10.2) -------------------------------------------------------------

def test_an_entrant_without_a_workplace_submits_and_the_parts_outlet_is_checked(client, world):
    citizen = make_user(full_name="Lê Văn Dân", workplace="")
    db.session.commit()
    _as(client, citizen)
    authors = [{"full_name": "Lê Văn Dân", "pen_name": "", "year_of_birth": "1960",
                "workplace": "", "title": "", "phone": "", "email": "", "role": "lead"}]
    no_outlet = [{"title": "Kỳ 1", "published_on": "15/05/2026", "outlet": "",
                  "section": "", "url": ""}]
    r = post_form(client, f"/entries/new/{world.contest.slug}",
                  entry_form(world.contest, authors=authors, parts=no_outlet))
    assert r.status_code == 302
    entry = db.session.scalar(sa.select(Entry).where(Entry.owner_id == citizen.id))
    add_work_files(entry)
    r = post_form(client, f"/entries/{entry.id}/submit", {"version": str(entry.version)},
                  page=f"/entries/{entry.id}")
    assert r.status_code == 422
    assert "Kỳ 1 chưa ghi cơ quan báo chí đã đăng, phát." in html(r)
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.status == Entry.DRAFT
    entry.parts[0].outlet = "Báo Hà Tĩnh"
    db.session.commit()
    r = post_form(client, f"/entries/{entry.id}/submit", {"version": str(entry.version)},
                  page=f"/entries/{entry.id}")
    assert r.status_code == 302, html(r)[:3000]
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.SUBMITTED


def test_an_entry_sent_in_a_dossier_cannot_be_reopened(client, world):
    entry = _confirmed(world, world.journalist)
    db.session.commit()
    add_work_files(entry)
    _as(client, world.focal)
    post_form(client, f"/agencies/{world.baoht.id}/dossier", {},
              page=f"/agencies/{world.baoht.id}")
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.status == Entry.SUBMITTED and entry.dossier_id is not None
    _as(client, world.journalist)
    r = post_form(client, f"/entries/{entry.id}/reopen", {"version": str(entry.version)},
                  page=f"/entries/{entry.id}")
    assert r.status_code == 422
    assert "không thể mở lại" in html(r)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == Entry.SUBMITTED
