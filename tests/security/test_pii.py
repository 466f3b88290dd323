"""Authors' personal data never reaches judges, the public, judges' audit records, the log
of judges' requests, or error pages.

The seeded lead author has a distinctive phone, email, year of birth, full name, pen name
and workplace (tests/security/seed.py); the co-author too.  Pages are searched as raw HTML,
attributes and URLs included, after removing the CSRF tokens (random text that could
contain four digits in a row).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re

import pytest
import sqlalchemy as sa
from flask import abort

from portal.extensions import db
from portal.models import Assignment, AuditEvent, Entry, EntryFile, FileSlot, ScoreSheet
from portal.storage import get_storage
from tests.security import seed as S
from tests.security.seed import client_as, seed
from tests.support.media import (
    ARTIST_TAG,
    image_metadata,
    image_with_artist,
    pdf_metadata,
    pdf_with_author,
)
from tests.support.storage_backends import (  # noqa: F401 - fixtures
    app_config_for,
    fetch,
    prepare,
    storage_backend,
)

TOKENS = re.compile(r"[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-.]{10,}")  # signed CSRF tokens

# Never to a judge, the public, a judge's audit record, a log line or an error page.
PERSONAL = (S.PHONE, S.EMAIL, S.CO_PHONE, S.CO_EMAIL)
YEARS = (S.YEAR, S.CO_YEAR)
# In a blind round, not even who wrote it or where it was published.
IDENTITY = (S.FULL_NAME, S.PEN_NAME, S.WORKPLACE, S.CO_FULL_NAME, "Đồng Kín",
            "Đài PT-TH Hà Tĩnh")


@pytest.fixture
def app_config(request):
    # The blind-round file tests run on both storage backends; the rest on local files.
    backend = request.getfixturevalue("storage_backend") if (
        "storage_backend" in request.fixturenames) else "local"
    return app_config_for(request, backend, PROPAGATE_EXCEPTIONS=False)


def leaks(text: str, *, identity: bool = False) -> list[str]:
    text = TOKENS.sub("", text)
    found = [value for value in PERSONAL if value in text]
    found += [str(y) for y in YEARS if re.search(rf"(?<!\d){y}(?!\d)", text)]
    if identity:
        found += [value for value in IDENTITY if value in text]
    return found


def _get(app, world, principal, path, status=200):
    client, _token = client_as(app, world, principal)
    response = client.get(path)
    assert response.status_code == status, (principal, path, response.status_code)
    body = response.get_data().decode("utf-8", "replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return body + "\n" + headers


def _judge_pages(world) -> list[str]:
    return [
        "/judge/",
        f"/judge/{world.slug}/rounds/{world.round_id}",
        f"/judge/assignments/{world.assignment_id}",
        f"/judge/assignments/{world.assignment_id}/conflict",
    ]


def test_seeded_pages_for_organizers_do_show_the_data(app):
    """The check can fail: the registry and the entry page carry what the others must not."""
    world = seed(app)
    registry = _get(app, world, "org", f"/organize/{world.slug}/entries.csv")
    assert set(leaks(registry, identity=True)) >= {S.PHONE, S.EMAIL, str(S.YEAR),
                                                    S.FULL_NAME}
    assert leaks(_get(app, world, "judge_a", "/judge/")) == []


@pytest.mark.parametrize("blind", [True, False], ids=["blind", "named"])
def test_judge_pages_show_no_personal_data(app, blind):
    world = seed(app, blind=blind)
    for path in _judge_pages(world):
        assert leaks(_get(app, world, "judge_a", path), identity=blind) == [], path
    download = _get(app, world, "judge_a", f"/files/{world.file_id}")
    assert leaks(download, identity=True) == []
    assert f'filename="BLV2026-BI-001-work-1-{world.file_id}.pdf"' in download


def test_named_round_shows_pen_names_to_judges(app):
    """Not blind: the judge may see who wrote it, so the blind check above is meaningful."""
    world = seed(app, blind=False)
    page = _get(app, world, "judge_a", f"/judge/assignments/{world.assignment_id}")
    assert S.PEN_NAME in page


def test_public_pages_show_no_personal_data(app):
    world = seed(app)
    for path in ("/", f"/results/{world.slug}", f"/results/{world.slug}/v/1"):
        page = _get(app, world, "anon", path)
        assert leaks(page) == [], path
        assert S.FULL_NAME not in page and S.CO_FULL_NAME not in page, path
    assert S.PEN_NAME in _get(app, world, "anon", f"/results/{world.slug}")


def test_judge_actions_leave_no_personal_data_in_audit_or_logs(app, caplog):
    world = seed(app, blind=False, sheet_status=ScoreSheet.DRAFT)
    conflict = Assignment(round_id=world.round_id, entry_id=world.entry_id,
                          judge_id=world.users["judge_o"])
    db.session.add(conflict)
    db.session.commit()
    conflict_id = conflict.id
    judge_ids = {world.users["judge_a"], world.users["judge_o"]}
    caplog.set_level(logging.DEBUG)
    caplog.clear()

    client, token = client_as(app, world, "judge_a")
    scores = {f"score-{code}": value for code, value in zip(
        ("truthful", "orientation", "discovery", "effect", "presentation"),
        ("20", "15", "15.5", "16", "12"), strict=True)}
    sheet_url = f"/judge/assignments/{world.assignment_id}"
    saved = client.post(sheet_url + "/autosave", data={"csrf_token": token, "version": "1",
                                                        **scores, "comment": "Khá"})
    assert saved.status_code == 200, saved.get_json()
    version = str(saved.get_json()["version"])
    submitted = client.post(sheet_url, data={"csrf_token": token, "version": version,
                                             "action": "submit", **scores, "comment": "Khá"})
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:2000]
    other, other_token = client_as(app, world, "judge_o")
    declared = other.post(f"/judge/assignments/{conflict_id}/conflict",
                          data={"csrf_token": other_token,
                                "reason": "Cùng cơ quan với tác giả"})
    assert declared.status_code == 302

    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.actor_id.in_(judge_ids)).order_by(AuditEvent.id)).all()
    assert len(events) >= 3, [e.action for e in events]
    for event in events:
        text = json.dumps([event.action, event.object_type, json.loads(event.before or "{}"),
                           json.loads(event.after or "{}")], ensure_ascii=False)
        assert leaks(text, identity=True) == [], event.action
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert leaks(log, identity=True) == []
    assert db.session.get(ScoreSheet, world.sheet_id).status == ScoreSheet.SUBMITTED


def test_error_pages_for_a_logged_in_entrant_show_no_personal_data(app):
    def boom():
        raise RuntimeError(f"failure while handling {S.PHONE}")

    def forbidden():
        abort(403)

    app.add_url_rule("/_test/boom", "test_boom", boom)
    app.add_url_rule("/_test/forbidden", "test_forbidden", forbidden)
    world = seed(app)
    client, _token = client_as(app, world, "owner")
    for path, status in (("/no-such-page", 404), ("/_test/forbidden", 403),
                         ("/_test/boom", 500)):
        response = client.get(path)
        assert response.status_code == status
        assert leaks(response.get_data(as_text=True)) == [], path
    csrf = client.post("/auth/account", data={"phone": S.PHONE, "pen_name": "x"})
    assert csrf.status_code == 400
    assert leaks(csrf.get_data(as_text=True)) == []
    assert S.PEN_NAME in client.get("/no-such-page").get_data(as_text=True)  # logged in


# --- blind rounds: the outlet, the section, the agency letter and file metadata ---------

OUTLET_DOMAIN = "baoriengtusang.vn"
SECTION = "Chuyên mục Riêng Tư Sáng"
ARTIST = "Hong Lam Nhiep Anh"  # cameras write ASCII: the unaccented pen name
LETTER_NAME = "xac-nhan-co-quan.pdf"


def _add_file(entry, slot, data: bytes, content_type: str, name: str, **kw) -> EntryFile:
    key = f"{entry.contest.slug}/{entry.id}/{hashlib.sha256(name.encode()).hexdigest()[:32]}"
    get_storage().put_file(key, io.BytesIO(data), content_type=content_type)
    file = EntryFile(entry=entry, slot=slot, key=key, original_filename=name,
                     declared_type=content_type, content_type=content_type, size=len(data),
                     declared_size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     status=EntryFile.VERIFIED, uploaded_by_id=entry.owner_id, **kw)
    db.session.add(file)
    return file


def _revealing_world(app, *, blind: bool):
    """The security world, plus what gives an author away: the part's URL on the outlet's
    domain and its section, a work PDF whose /Author and XMP name the author, a photo whose
    EXIF Artist names them, and the press agency's confirmation letter."""
    prepare(app)
    world = seed(app, blind=blind)
    entry = db.session.get(Entry, world.entry_id)
    part = entry.parts[0]
    part.url = f"https://{OUTLET_DOMAIN}/xay-dung-dang/bai-1.html"
    part.section = SECTION
    genre = entry.genre
    photo_slot = FileSlot(kind="photo", label_vi="Ảnh", label_en="Photo", formats="jpg",
                          max_size=30 << 20, max_count=10, position=5)
    letter_slot = FileSlot(kind="confirmation", label_vi="Xác nhận của cơ quan",
                           label_en="Agency confirmation", formats="pdf", max_size=5 << 20,
                           position=6)
    genre.slots.extend([photo_slot, letter_slot])
    db.session.flush()
    work = db.session.get(EntryFile, world.file_id)
    pdf = pdf_with_author(S.FULL_NAME)
    get_storage().put_file(work.key, io.BytesIO(pdf), content_type="application/pdf")
    work.size = work.declared_size = len(pdf)
    work.sha256 = hashlib.sha256(pdf).hexdigest()
    jpeg = image_with_artist(ARTIST)
    photo = _add_file(entry, photo_slot, jpeg, "image/jpeg", "anh-1.jpg", caption="Ảnh 1",
                      width=64, height=32)
    letter = _add_file(entry, letter_slot, pdf_with_author("Ban biên tập"),
                       "application/pdf", LETTER_NAME, page_count=2)
    db.session.commit()
    world.extra.update(pdf=pdf, jpeg=jpeg, photo_id=photo.id, letter_id=letter.id,
                       work_key=work.key)
    return world


@pytest.mark.usefixtures("storage_backend")
def test_blind_round_work_page_and_downloads_do_not_reveal_the_author(app):
    world = _revealing_world(app, blind=True)
    judge, _token = client_as(app, world, "judge_a")
    page = judge.get(f"/judge/assignments/{world.assignment_id}").get_data(as_text=True)
    assert OUTLET_DOMAIN not in page and SECTION not in page
    assert "url-hidden" in page  # the address is replaced by a notice
    assert f"/files/{world.extra['letter_id']}" not in page and LETTER_NAME not in page
    assert f"/files/{world.extra['photo_id']}" in page  # the photo itself is shown
    assert leaks(page, identity=True) == []

    pdf = fetch(judge.get(f"/files/{world.file_id}?inline=1"))
    assert pdf.startswith(b"%PDF") and pdf_metadata(pdf) == {}
    assert S.FULL_NAME.encode() not in pdf and S.FULL_NAME.encode("utf-16-be") not in pdf
    jpeg = fetch(judge.get(f"/files/{world.extra['photo_id']}"))
    assert image_metadata(jpeg) == {} and ARTIST.encode() not in jpeg
    assert judge.get(f"/files/{world.extra['letter_id']}").status_code == 404

    # The originals are untouched, and organizers still get them.
    storage = get_storage()
    original = hashlib.sha256(world.extra["pdf"]).hexdigest()
    assert storage.sha256(world.extra["work_key"]) == original
    org, _token = client_as(app, world, "org")
    assert fetch(org.get(f"/files/{world.file_id}")) == world.extra["pdf"]
    assert fetch(org.get(f"/files/{world.extra['photo_id']}")) == world.extra["jpeg"]
    assert pdf_metadata(fetch(org.get(f"/files/{world.extra['letter_id']}")))["/Author"]
    # A second judge request reads the stored clean copy: same bytes.
    assert fetch(judge.get(f"/files/{world.file_id}")) == pdf


@pytest.mark.usefixtures("storage_backend")
def test_named_round_shows_outlet_section_and_original_files_as_before(app):
    world = _revealing_world(app, blind=False)
    judge, _token = client_as(app, world, "judge_a")
    page = judge.get(f"/judge/assignments/{world.assignment_id}").get_data(as_text=True)
    assert OUTLET_DOMAIN in page and SECTION in page
    pdf = fetch(judge.get(f"/files/{world.file_id}"))
    assert pdf == world.extra["pdf"] and pdf_metadata(pdf)["/Author"] == S.FULL_NAME
    jpeg = fetch(judge.get(f"/files/{world.extra['photo_id']}"))
    assert image_metadata(jpeg)[f"exif:{ARTIST_TAG}"] == ARTIST
    # The agency letter is for the secretariat in every round.
    assert f"/files/{world.extra['letter_id']}" not in page and LETTER_NAME not in page
    assert judge.get(f"/files/{world.extra['letter_id']}").status_code == 404


def test_screening_warns_about_a_file_or_caption_naming_the_author(app):
    world = seed(app)  # the work was uploaded as "<full name> - <phone>.pdf"
    photo = db.session.get(EntryFile, world.file_id)
    photo.caption = "Ảnh: hong lam"  # the pen name, typed without diacritics
    db.session.commit()
    org, _token = client_as(app, world, "org")
    page = org.get(f"/organize/{world.slug}/screening").get_data(as_text=True)
    warnings = re.findall(r'class="small text-warning-emphasis identity-warning">([^<]*)<',
                          page)
    assert len(warnings) == 2, warnings
    assert S.FULL_NAME in warnings[0] and S.PEN_NAME in warnings[1]
    photo.caption = "Ảnh: cảnh làng quê"
    photo.original_filename = "bai-du-thi.pdf"
    db.session.commit()
    page = org.get(f"/organize/{world.slug}/screening").get_data(as_text=True)
    assert "identity-warning" not in page
