"""Co-authors: an address named on an entry gives nothing until it is confirmed and the
account accepted the invitation; only the owner changes files unless they grant the right."""

import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, EntryAuthor, EntryFile, User
from portal.storage import get_storage
from tests.support.factories import genre, make_contest, make_entry, make_user
from tests.support.media import make_pdf
from tests.support.web import csrf_token, html, login, post_form

ADDRESS = "dong.tacgia@baohatinh.vn"
CONFIRM_LINK_RE = re.compile(r"http://localhost(/auth/confirm/\S+)")


@pytest.fixture
def world(app):
    contest = make_contest(slug="ed-co")
    owner = make_user("chu.bai@baohatinh.vn", full_name="Chủ Bài Viết")
    entry = make_entry(contest, owner, title="Bài có đồng tác giả", authors=[
        owner, {"full_name": "Đồng Tác Giả", "email": ADDRESS}])
    db.session.commit()
    return entry


def _register(client):
    return post_form(client, "/auth/register", {
        "email": ADDRESS, "password": "mat-khau-rat-dai", "confirm": "mat-khau-rat-dai",
        "full_name": "Kẻ Mạo Danh", "year_of_birth": "1990", "workplace": "Báo X",
        "phone": "0912345678"})


def _json_headers(client):
    return {"X-CSRFToken": csrf_token(client, "/"), "Accept": "application/json"}


def _start_upload(client, entry):
    slot = next(s for s in genre(entry.contest, "BI").slots if s.kind == "work")
    return client.post(f"/files/entries/{entry.id}/uploads",
                       json={"slot_id": slot.id, "part_number": 1, "filename": "a.pdf",
                             "size": 5000, "type": "application/pdf"},
                       headers=_json_headers(client))


def _author(entry_id):
    return db.session.scalar(sa.select(EntryAuthor).where(
        EntryAuthor.entry_id == entry_id, EntryAuthor.email == ADDRESS))


def test_registering_a_named_address_gives_nothing_until_confirmed_and_accepted(
        app, client, world, mails):
    entry_id = world.id
    assert _register(client).status_code == 200
    login(client, ADDRESS, "mat-khau-rat-dai")

    # Registered, not confirmed: linked to nothing, not even invited.
    assert client.get(f"/entries/{entry_id}").status_code == 404
    assert "Bài có đồng tác giả" not in html(client.get("/entries/"))
    assert _start_upload(client, world).status_code == 404
    assert _author(entry_id).user_id is None

    # Confirmed: invited, still no access until accepted.
    path = CONFIRM_LINK_RE.search(mails[0][2]).group(1)
    assert post_form(client, path, {}).status_code == 302
    author = _author(entry_id)
    user = db.session.scalar(sa.select(User).where(User.email == ADDRESS))
    assert (author.user_id, author.accepted_at) == (user.id, None)
    assert client.get(f"/entries/{entry_id}").status_code == 404
    dashboard = html(client.get("/entries/"))
    assert "Lời mời làm đồng tác giả" in dashboard
    assert "Bài có đồng tác giả" in dashboard

    response = post_form(client, f"/entries/invitations/{author.id}/accept", {},
                         page="/entries/")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/entries/{entry_id}"
    db.session.refresh(author)
    assert author.accepted_at is not None
    assert client.get(f"/entries/{entry_id}").status_code == 200
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.action == "entry.coauthor_accepted")) == "entry.coauthor_accepted"


def test_declined_invitation_links_nothing(app, client, world):
    coauthor = make_user(ADDRESS)
    author = _author(world.id)
    author.user_id = coauthor.id  # named (a confirmed address), not answered
    db.session.commit()
    login(client, ADDRESS)

    response = post_form(client, f"/entries/invitations/{author.id}/decline", {},
                         page="/entries/")

    assert response.status_code == 302
    db.session.refresh(author)
    assert (author.accepted_at is None, author.declined_at is not None) == (True, True)
    assert client.get(f"/entries/{world.id}").status_code == 404
    again = post_form(client, f"/entries/invitations/{author.id}/accept", {}, page="/entries/")
    assert again.status_code == 404
    db.session.refresh(author)
    assert author.accepted_at is None


def test_someone_elses_invitation_is_404(app, client, world):
    coauthor = make_user(ADDRESS)
    make_user("khac@baohatinh.vn")
    author = _author(world.id)
    author.user_id = coauthor.id
    db.session.commit()
    login(client, "khac@baohatinh.vn")

    response = post_form(client, f"/entries/invitations/{author.id}/accept", {},
                         page="/entries/")

    assert response.status_code == 404
    db.session.refresh(author)
    assert author.accepted_at is None


def test_accepted_coauthor_cannot_upload_or_delete_files_unless_granted(app, client, world):
    coauthor = make_user(ADDRESS)
    author = _author(world.id)
    author.user_id, author.accepted_at = coauthor.id, datetime.now(UTC)
    slot = next(s for s in genre(world.contest, "BI").slots if s.kind == "work")
    data = make_pdf()
    key = f"{world.contest.slug}/{world.id}/00000000000000000000000000000001"
    get_storage().put_file(key, io.BytesIO(data), content_type="application/pdf")
    file = EntryFile(entry=world, slot=slot, part_number=1, key=key, original_filename="a.pdf",
                     content_type="application/pdf", size=len(data), status=EntryFile.VERIFIED)
    db.session.add(file)
    db.session.commit()
    file_id = file.id
    login(client, ADDRESS)

    assert client.get(f"/entries/{world.id}").status_code == 200
    assert client.get(f"/files/{file_id}").status_code == 200  # may read
    refused = _start_upload(client, world)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == (
        "Chỉ người nộp tác phẩm, hoặc đồng tác giả được người nộp cho phép, mới được tải lên "
        "hay xóa tệp của tác phẩm.")
    deleted = post_form(client, f"/files/{file_id}/delete", {}, page="/")
    assert deleted.status_code == 403
    assert [f.id for f in db.session.scalars(sa.select(EntryFile))] == [file_id]

    author = _author(world.id)
    author.can_manage_files = True
    db.session.commit()
    deleted = post_form(client, f"/files/{file_id}/delete", {}, page="/")
    assert deleted.status_code == 303
    assert db.session.scalars(sa.select(EntryFile)).all() == []
    started = _start_upload(client, world)
    assert started.status_code == 201, started.get_json()
    [row] = db.session.scalars(sa.select(EntryFile)).all()
    assert row.uploaded_by_id == coauthor.id


def _data(entry, authors):
    from portal.entries.services import AuthorData, EntryData, PartData

    return EntryData(genre_id=entry.genre_id, title=entry.title, accepted_rules=True,
                     not_national_award=True,
                     parts=[PartData(title="Kỳ 1", outlet="Báo Hà Tĩnh")],
                     authors=[AuthorData(**a) for a in authors])


def test_saving_the_form_invites_confirmed_addresses_only_and_keeps_answers(app, world):
    from portal.entries.services import update_entry

    owner = world.owner
    confirmed = make_user("da.xacnhan@baohatinh.vn")
    make_user("chua.xacnhan@baohatinh.vn", email_confirmed_at=None)
    me = {"full_name": owner.full_name, "email": owner.email, "role": "lead"}
    a = {"full_name": "Đã Xác Nhận", "email": "Da.XacNhan@baohatinh.vn"}
    b = {"full_name": "Chưa Xác Nhận", "email": "chua.xacnhan@baohatinh.vn"}
    update_entry(world, actor=owner, data=_data(world, [me, a, b]), expected_version=None,
                 now=datetime.now(UTC))
    db.session.commit()
    rows = {r.email: r for r in world.authors}
    assert rows["da.xacnhan@baohatinh.vn"].user_id == confirmed.id
    assert rows["da.xacnhan@baohatinh.vn"].accepted_at is None  # invited, not linked
    assert rows["chua.xacnhan@baohatinh.vn"].user_id is None
    assert rows[owner.email].accepted_at is not None  # the owner needs no invitation
    rows["da.xacnhan@baohatinh.vn"].accepted_at = datetime.now(UTC)
    db.session.commit()

    # Rows move and the right is granted: the answer stays with the address.
    update_entry(world, actor=owner, data=_data(world, [me, b, {**a, "can_manage_files": True}]),
                 expected_version=None, now=datetime.now(UTC))
    db.session.commit()
    moved = world.authors[2]
    assert (moved.email, moved.user_id, moved.accepted_at is not None,
            moved.can_manage_files) == ("da.xacnhan@baohatinh.vn", confirmed.id, True, True)
    assert world.authors[1].user_id is None


def test_entry_form_checkbox_grants_the_file_right_and_names_only_invite(signed_in, contest,
                                                                        entrant):
    from tests.support.entries import entry_form

    colleague = make_user("dong.tac.gia@example.vn", full_name="Trần Văn Nam")
    entry = make_entry(contest, entrant)
    db.session.commit()
    page = html(signed_in.get(f"/entries/{entry.id}/edit"))
    assert 'name="authors-0-can_manage_files"' in page
    form = entry_form(contest, parts=[
        {"title": "Kỳ 1", "published_on": "01/05/2026", "outlet": "Báo Hà Tĩnh"},
    ], authors=[
        {"full_name": "Nguyễn Thị Hồng", "email": entrant.email, "role": "lead"},
        {"full_name": "Trần Văn Nam", "email": "Dong.Tac.Gia@example.vn", "role": "co",
         "can_manage_files": "y"},
    ], version=str(entry.version))

    response = post_form(signed_in, f"/entries/{entry.id}/edit", form)

    assert response.status_code == 302, html(response)
    db.session.expire_all()
    rows = db.session.scalars(sa.select(EntryAuthor).where(EntryAuthor.entry_id == entry.id)
                              .order_by(EntryAuthor.position)).all()
    assert [(a.user_id, a.accepted_at is not None, a.can_manage_files) for a in rows] == [
        (entrant.id, True, False), (colleague.id, False, True)]
