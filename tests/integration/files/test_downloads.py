"""Downloads: who gets the bytes, Range, inline vs attachment; delete; the slot list."""

from __future__ import annotations

import io

import pytest

from portal.extensions import db
from portal.models import Assignment, AuditEvent, EntryFile, Membership
from portal.storage import get_storage
from tests.support.factories import grant, make_entry, make_round, make_user
from tests.support.web import login

from .helpers import Uploader, file_rows, make_pdf, stored_keys


@pytest.fixture
def pdf_file(owner_client, world):
    data = make_pdf(pages=2)
    up = Uploader(owner_client, world.entry.id)
    response = up.upload(world.script.id, "Bài của Lê Văn A.pdf", data)
    assert response.status_code == 200
    return response.get_json()["file_id"], data


def _client_for(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def test_download_permissions(app, owner_client, world, pdf_file):
    file_id, data = pdf_file
    stranger = make_user("other-entrant@example.vn")
    organizer = make_user("btc@example.vn")
    grant(organizer, world.contest, Membership.ORGANIZER)
    judge = make_user("gk@example.vn")
    grant(judge, world.contest, Membership.JUDGE)
    other_judge = make_user("gk2@example.vn")
    grant(other_judge, world.contest, Membership.JUDGE)
    # A named round: the judge gets the original bytes (a blind round serves a copy without
    # metadata, tests/security/test_pii.py).
    rnd = make_round(world.contest, judges=[judge, other_judge], blind=False)
    db.session.add(Assignment(round_id=rnd.id, entry_id=world.entry.id, judge_id=judge.id,
                              status=Assignment.ACTIVE))
    db.session.commit()
    url = f"/files/{file_id}"

    owner = owner_client.get(url)
    assert (owner.status_code, owner.data) == (200, data)
    assert owner.headers["X-Content-Type-Options"] == "nosniff"
    assert "Bai cua Le Van A.pdf" in owner.headers["Content-Disposition"]
    assert _client_for(app, stranger).get(url).status_code == 404
    org = _client_for(app, organizer).get(url)
    assert (org.status_code, org.data) == (200, data)
    assert _client_for(app, other_judge).get(url).status_code == 404
    assigned = _client_for(app, judge).get(url)
    assert (assigned.status_code, assigned.data) == (200, data)
    # A judge never sees the uploaded filename (it may carry the author's name).
    assert "Le Van" not in assigned.headers["Content-Disposition"]
    assert f"-script-{file_id}.pdf" in assigned.headers["Content-Disposition"]
    assert app.test_client().get(url).status_code == 404  # anonymous

    db.session.execute(db.update(Assignment).values(status=Assignment.RECUSED))
    db.session.commit()
    assert _client_for(app, judge).get(url).status_code == 404


def test_rejected_and_unfinished_files_are_not_served(app, owner_client, world):
    up = Uploader(owner_client, world.entry.id)
    started = up.start(world.script.id, "a.pdf", 100).get_json()
    bad = up.upload(world.script.id, "b.pdf", b"MZ" + b"\0" * 200).get_json()
    organizer = make_user("btc2@example.vn")
    grant(organizer, world.contest, Membership.ORGANIZER)
    db.session.commit()
    org = _client_for(app, organizer)
    for file_id in (started["file_id"], bad["file_id"]):
        assert org.get(f"/files/{file_id}").status_code == 404
        assert owner_client.get(f"/files/{file_id}").status_code == 404


def test_range_request_returns_206_with_the_bytes(owner_client, pdf_file):
    file_id, data = pdf_file
    response = owner_client.get(f"/files/{file_id}", headers={"Range": "bytes=10-29"})
    assert response.status_code == 206
    assert response.data == data[10:30]
    assert response.headers["Content-Range"] == f"bytes 10-29/{len(data)}"


def test_pdf_inline_only_when_asked_and_framable_by_the_portal(owner_client, pdf_file):
    file_id, _data = pdf_file
    plain = owner_client.get(f"/files/{file_id}")
    assert plain.headers["Content-Disposition"].startswith("attachment;")
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]
    inline = owner_client.get(f"/files/{file_id}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert "frame-ancestors 'self'" in inline.headers["Content-Security-Policy"]
    assert inline.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert inline.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("content_type", ["image/svg+xml", "text/html"])
def test_svg_and_html_are_never_inline(owner_client, world, content_type):
    key = f"{world.contest.slug}/{world.entry.id}/{'ab' * 16}"
    get_storage().put_file(key, io.BytesIO(b"<svg onload='alert(1)'/>"), content_type=content_type)
    row = EntryFile(entry_id=world.entry.id, slot_id=world.script.id, key=key,
                    original_filename="x.svg", content_type=content_type, size=24,
                    status=EntryFile.VERIFIED)
    db.session.add(row)
    db.session.commit()
    response = owner_client.get(f"/files/{row.id}?inline=1")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_delete_removes_row_and_object_with_audit(owner_client, world, pdf_file):
    file_id, _ = pdf_file
    page = owner_client.get(f"/files/entries/{world.entry.id}/slots").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = owner_client.post(f"/files/{file_id}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/entries/{world.entry.id}/edit#files")
    assert file_rows() == [] and stored_keys() == []
    actions = list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["file.completed", "file.deleted"]


def test_delete_refused_after_submission(owner_client, world, pdf_file):
    file_id, _ = pdf_file
    page = owner_client.get(f"/files/entries/{world.entry.id}/slots").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    world.entry.status = "submitted"
    db.session.commit()
    response = owner_client.post(f"/files/{file_id}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert len(file_rows()) == 1 and len(stored_keys()) == 1


def test_slot_list_shows_rows_per_part_and_file_facts(owner_client, world, pdf_file):
    page = owner_client.get(f"/files/entries/{world.entry.id}/slots").get_data(as_text=True)
    assert "Tệp work — Kỳ 1" in page and "Tệp work — Kỳ 2" in page
    assert "Định dạng được nhận: MP4. Dung lượng tối đa mỗi tệp: 4.0 GB." in page
    assert "Bài của Lê Văn A.pdf" in page
    assert "Đã kiểm tra" in page and "2 trang" in page
    assert page.count('class="file-uploader"') == 3


def test_slot_list_query_count_is_constant(owner_client, world, queries):
    def count():
        with queries() as q:
            assert owner_client.get(f"/files/entries/{world.entry.id}/slots").status_code == 200
        return q.n

    up = Uploader(owner_client, world.entry.id)
    up.upload(world.script.id, "a.pdf", make_pdf())
    small = count()
    for name in ("b.pdf", "c.pdf", "d.pdf"):
        up.upload(world.script.id, name, make_pdf(pages=3))
    assert count() == small


def test_other_entry_of_same_user_does_not_leak(app, owner_client, world):
    other_owner = make_user("x@example.vn")
    entry = make_entry(world.contest, other_owner, genre_code="TH")
    db.session.commit()
    assert owner_client.get(f"/files/entries/{entry.id}/slots").status_code == 404
