"""The province's selection for the national award, its dossier, and the national edition's
import: local storage to S3 (moto), every byte and field compared; a damaged, altered or
repeated dossier refused with nothing imported."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import uuid
import zipfile
from datetime import UTC, date, datetime

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Entry,
    EntryFile,
    FileSlot,
    Genre,
    Membership,
    NationalDossier,
)
from portal.results import services
from portal.results.services import ResultsError
from portal.storage import S3Storage, get_storage
from tests.support.databases import create_postgres_database
from tests.support.factories import grant, make_contest, make_user
from tests.support.results import build
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, moto_server

NOW = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)
PDF1 = b"%PDF-1.4 ky mot " * 40000
PDF2 = b"%PDF-1.4 ky hai"
JPG = b"\xff\xd8\xff\xe0 anh bao chi " * 3000


@pytest.fixture(scope="module")
def moto_endpoint():
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def national_app(db_backend, moto_endpoint, tmp_path):
    """A second portal, on a fresh database of the same kind and on S3 (moto)."""
    if db_backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'national.sqlite'}", (lambda: None)
    else:
        url, drop = create_postgres_database()
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "MAIL_SERVER": None,
        "STORAGE_BACKEND": "s3", "S3_BUCKET": f"national-{uuid.uuid4().hex[:16]}",
        "S3_ENDPOINT_URL": moto_endpoint, "S3_REGION": REGION, "S3_PREFIX": "portal/",
        "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    })
    with app.app_context():
        db.create_all()
        storage = app.extensions["storage"]
        assert isinstance(storage, S3Storage)
        storage.ensure_bucket(["http://localhost"])
        org = make_user("tw@example.vn", full_name="Thư ký Giải toàn quốc")
        national = make_contest(slug="toan-quoc-2026", name="Giải Búa liềm vàng lần thứ XI",
                                province="", ref_prefix="BLVTQ")
        grant(org, national, Membership.ORGANIZER)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _add_file(entry, kind: str, part: int | None, content: bytes, name: str, ctype: str):
    slot = db.session.query(FileSlot).filter_by(genre_id=entry.genre_id, kind=kind).one()
    key = f"{entry.contest.slug}/{entry.id}/{uuid.uuid4().hex}"
    get_storage().put_file(key, io.BytesIO(content), content_type=ctype)
    db.session.add(EntryFile(entry_id=entry.id, slot_id=slot.id, part_number=part, key=key,
                             original_filename=name, content_type=ctype, size=len(content),
                             sha256=hashlib.sha256(content).hexdigest(),
                             status=EntryFile.VERIFIED, caption="Chú thích ảnh"))


@pytest.fixture
def province(app):
    """Hà Tĩnh's edition, judged, with a decision and two works selected for the national
    award: a prize-winning print series with two files and a photo work."""
    contest, org, es = build()
    contest.province = "Hà Tĩnh"
    contest.decision_number = "125-QĐ/TU"
    contest.decision_date = date(2026, 10, 20)
    series = es[0]
    series.form, series.parts_count = Entry.SERIES, 2
    series.parts[0].url = "https://baohatinh.vn/ky-1"
    from portal.models import EntryPart

    series.parts.append(EntryPart(number=2, title="Kỳ 2", published_on=date(2026, 6, 2),
                                  outlet="Báo Hà Tĩnh", url="https://baohatinh.vn/ky-2"))
    photo = es[3]
    _add_file(series, "work", 1, PDF1, "bài kỳ 1.pdf", "application/pdf")
    _add_file(series, "work", 2, PDF2, "bài kỳ 2.pdf", "application/pdf")
    _add_file(photo, "photo", None, JPG, "ảnh 1.jpg", "image/jpeg")
    db.session.flush()
    for entry, reason in ((series, "Giải A của tỉnh"), (photo, "Ảnh có sức lan tỏa")):
        services.set_forwarded(contest, entry, forwarded=True, reason=reason, actor=org,
                               now=NOW)
    db.session.commit()
    return contest, org, series, photo


def _export(runner, tmp_path):
    out = tmp_path / "ho-so-ha-tinh.zip"
    result = runner.invoke(args=["edition", "export-dossier", "ha-tinh", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 works, 3 files" in result.output
    return out


def test_selection_has_no_quota_and_may_require_a_reason(app):
    contest, org, es = build()
    contest.national_reason_required = True
    db.session.commit()
    with pytest.raises(ResultsError) as err:
        services.set_forwarded(contest, es[0], forwarded=True, reason="  ", actor=org, now=NOW)
    assert err.value.message == "Nêu lý do gửi tác phẩm này tham dự Giải toàn quốc."
    assert db.session.query(AuditEvent).filter_by(action="result.forwarded").count() == 0
    for entry in es:  # every work of the final round: more than any old per-genre quota
        services.set_forwarded(contest, entry, forwarded=True, reason="Đề nghị gửi",
                               actor=org, now=NOW)
    db.session.commit()
    review = services.review_results(contest, with_agreement=False)
    assert review.forwarded_counts() == {"BI": 3, "AB": 3}


def test_dossier_holds_data_files_decision_and_checksums(app, province, runner, tmp_path):
    contest, _org, series, photo = province
    out = _export(runner, tmp_path)
    zf = zipfile.ZipFile(out)
    manifest = json.loads(zf.read("manifest.json"))["files"]
    assert sorted(m["name"] for m in manifest) == sorted(
        n for n in zf.namelist() if n != "manifest.json")
    for item in manifest:
        data = zf.read(item["name"])
        assert (len(data), hashlib.sha256(data).hexdigest()) == (item["size"], item["sha256"])
    index = json.loads(zf.read("dossier.json"))
    assert index["province"] == "Hà Tĩnh"
    assert index["decision"] == {"number": "125-QĐ/TU", "date": "2026-10-20",
                                 "file": "quyet-dinh.pdf"}
    assert index["works"] == [f"works/{photo.reference}/entry.json",
                              f"works/{series.reference}/entry.json"]
    data = json.loads(zf.read(f"works/{series.reference}/entry.json"))
    assert data["title"] == series.title
    assert data["medium"] == {"code": "BI", "name_vi": "Báo in", "name_en": "Print"}
    assert data["province_prize"] == {"level": "A", "name_vi": "Giải A"}
    assert data["reason"] == "Giải A của tỉnh"
    assert [(p["number"], p["published_on"], p["outlet"], p["url"]) for p in data["parts"]] == [
        (1, "2026-05-01", "Báo Hà Tĩnh", "https://baohatinh.vn/ky-1"),
        (2, "2026-06-02", "Báo Hà Tĩnh", "https://baohatinh.vn/ky-2")]
    assert [(a["full_name"], a["pen_name"], a["agency"]) for a in data["authors"]] == [
        (a.full_name, a.pen_name, a.workplace) for a in series.authors]
    assert [(f["name"], f["sha256"]) for f in data["files"]] == [
        (f"works/{series.reference}/part-1.pdf", hashlib.sha256(PDF1).hexdigest()),
        (f"works/{series.reference}/part-2.pdf", hashlib.sha256(PDF2).hexdigest())]
    assert zf.read(f"works/{series.reference}/part-1.pdf") == PDF1
    pdf = zf.read("quyet-dinh.pdf")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert series.title in text


def test_organizer_downloads_the_dossier_streamed(app, province, client):
    from tests.support.web import login

    login(client, "org@example.vn")
    response = client.get("/results/ha-tinh/export/nomination.zip")
    assert response.is_streamed
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert "dossier.json" in zf.namelist() and "manifest.json" in zf.namelist()
    _contest, _org, series, _photo = province
    assert zf.read(f"works/{series.reference}/part-2.pdf") == PDF2


def _import(national_app, path):
    """Run the import command in the national portal (its own app context and database)."""
    with national_app.app_context():
        return national_app.test_cli_runner().invoke(
            args=["edition", "import-dossier", str(path), "--into", "toan-quoc-2026"])


def _national_state(national_app):
    with national_app.app_context():
        storage = get_storage()
        return (db.session.query(Entry).count(), db.session.query(EntryFile).count(),
                db.session.query(NationalDossier).count(),
                [o.key for o in storage.list_keys("")])


def test_round_trip_local_to_s3_every_byte_and_field(app, province, runner, tmp_path,
                                                      national_app):
    _contest, _org, series, photo = province
    out = _export(runner, tmp_path)

    def snap(e):
        return {"title": e.title, "form": e.form, "parts_count": e.parts_count,
                "summary": e.summary, "medium": e.genre.code,
                "parts": [(p.number, p.title, p.published_on, p.outlet, p.url) for p in e.parts],
                "authors": [(a.full_name, a.pen_name, a.year_of_birth, a.workplace, a.role)
                            for a in e.authors]}

    source = {e.reference: snap(e) for e in (series, photo)}
    source_files = {(f.entry.reference, f.part_number, f.original_filename): f.sha256
                    for e in (series, photo) for f in e.files}

    result = _import(national_app, out)

    assert result.exit_code == 0, result.output
    with national_app.app_context():
        storage = get_storage()
        entries = db.session.query(Entry).order_by(Entry.source_reference).all()
        assert [e.source_reference for e in entries] == sorted(source)
        assert "Imported 2 works from Hà Tĩnh into toan-quoc-2026: " in result.output
        for entry in entries:
            assert entry.reference.startswith("BLVTQ-" + entry.genre.code + "-")
            assert (entry.status, entry.eligibility, entry.sent_by) == (
                Entry.SUBMITTED, Entry.PENDING, "Hà Tĩnh")
            assert snap(entry) == source[entry.source_reference]
            for f in entry.files:
                data = b"".join(storage.iter_chunks(f.key))
                assert hashlib.sha256(data).hexdigest() == f.sha256 == source_files[
                    (entry.source_reference, f.part_number, f.original_filename)]
                assert f.status == EntryFile.VERIFIED and f.size == len(data)
        files = {f.original_filename: b"".join(storage.iter_chunks(f.key))
                 for e in entries for f in e.files}
        assert files == {"bài kỳ 1.pdf": PDF1, "bài kỳ 2.pdf": PDF2, "ảnh 1.jpg": JPG}
        dossier = db.session.query(NationalDossier).one()
        assert (dossier.province, dossier.decision_number, dossier.works) == (
            "Hà Tĩnh", "125-QĐ/TU", 2)
        assert b"".join(storage.iter_chunks(dossier.decision_key)).startswith(b"%PDF")
        assert db.session.query(AuditEvent).filter_by(action="entry.imported").count() == 2

    again = _import(national_app, out)
    assert again.exit_code != 0
    assert "already imported" in again.output and "Nothing was imported" in again.output
    assert _national_state(national_app)[:3] == (2, 3, 1)


def _rewrite(src, dest, change):
    """Copy the zip, passing each member's bytes through change(name, data)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info.filename)))


def test_altered_file_is_refused_and_nothing_is_imported(app, province, runner, tmp_path,
                                                         national_app):
    _contest, _org, series, _photo = province
    out = _export(runner, tmp_path)
    altered = tmp_path / "altered.zip"
    target = f"works/{series.reference}/part-2.pdf"
    _rewrite(out, altered, lambda n, d: d.replace(b"hai", b"ba!") if n == target else d)

    result = _import(national_app, altered)

    assert result.exit_code != 0
    assert f"{target} does not match the manifest" in result.output
    assert "Nothing was imported." in result.output
    assert _national_state(national_app) == (0, 0, 0, [])


def test_damaged_zip_is_refused(app, province, runner, tmp_path, national_app):
    out = _export(runner, tmp_path)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    result = _import(national_app, damaged)
    assert result.exit_code != 0
    assert "not a readable zip file" in result.output
    assert _national_state(national_app) == (0, 0, 0, [])


def test_failure_after_files_were_stored_deletes_them(app, province, runner, tmp_path,
                                                      national_app):
    """The photo work (first by reference) is stored, then the print work's medium is
    missing from the national edition: its objects are deleted, no row is left."""
    out = _export(runner, tmp_path)
    with national_app.app_context():
        db.session.query(Genre).filter_by(code="BI").one().code = "BC"
        db.session.commit()
    result = _import(national_app, out)
    assert result.exit_code != 0
    assert "this edition has no medium 'BI' (Báo in)" in result.output
    assert _national_state(national_app) == (0, 0, 0, [])
