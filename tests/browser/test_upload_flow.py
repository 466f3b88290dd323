"""The entrant uploads a 25 MB MP4 and a PDF in Chromium, sees both verified, submits, and
downloads the PDF back; on local storage and on S3 (moto, with `flask storage init`'s CORS)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.models import Entry, EntryFile
from tests.support.factories import genre, make_contest, make_entry, make_user
from tests.support.media import make_pdf
from tests.support.s3 import moto_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _need(condition: bool, reason: str):
    if not condition:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    _need(shutil.which("ffmpeg") is not None, "ffmpeg is not installed")
    folder = tmp_path_factory.mktemp("media")
    video = folder / "phong-su.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=20:size=1280x720:rate=25",
         "-c:v", "libx264", "-b:v", "10M", "-minrate", "10M", "-maxrate", "10M",
         "-bufsize", "2M", "-x264-params", "nal-hrd=cbr",  # CBR filler: really ~25 MB
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)],
        check=True, timeout=300,
    )
    assert video.stat().st_size > 24_000_000  # more than one 16 MiB part
    pdf = folder / "Kịch bản.pdf"
    pdf.write_bytes(make_pdf(pages=2))
    return video, pdf


@pytest.fixture(scope="module")
def browser():
    _need(os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


class Live:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture(params=["local", "s3"])
def site(request, tmp_path):
    config = {
        "SECRET_KEY": "browser-secret",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "portal.sqlite"),
        "RATELIMIT_ENABLED": False,
        "STORAGE_LOCAL_ROOT": str(tmp_path / "uploads"),
        "MAIL_SERVER": None,
    }
    moto = None
    if request.param == "s3":
        moto = moto_server()
        endpoint = moto.__enter__()
        config.update(STORAGE_BACKEND="s3", S3_BUCKET=f"b-{uuid.uuid4().hex[:10]}",
                      S3_ENDPOINT_URL=endpoint, S3_ACCESS_KEY_ID="testing",
                      S3_SECRET_ACCESS_KEY="testing")
    app = create_app(config)
    live = Live(app)
    with app.app_context():
        db.create_all()
        if request.param == "s3":
            result = app.test_cli_runner().invoke(args=["storage", "init", "--origin", live.url])
            assert result.exit_code == 0, result.output
        contest = make_contest(slug="ha-tinh-2026")
        owner = make_user("tacgia@example.vn")
        entry = make_entry(contest, owner, genre_code="TH", parts=1)
        slots = {s.kind: s.id for s in genre(contest, "TH").slots}
        db.session.commit()
        yield app, live, entry.id, slots
        db.session.remove()
    live.stop()
    if moto is not None:
        moto.__exit__(None, None, None)


def test_upload_verify_submit_download(site, browser, media):
    app, live, entry_id, slots = site
    video, pdf = media
    page = browser.new_page()
    page.goto(f"{live.url}/auth/login")
    page.fill("input[name=email]", "tacgia@example.vn")
    page.fill("input[name=password]", "secret-pass-1")
    page.click("form button[type=submit]:not([name=lang])")
    page.goto(f"{live.url}/entries/{entry_id}/edit#files")
    page.wait_for_selector(f"#slot-{slots['work']}-1 .uppy-Dashboard")

    seen = []
    page.on("console", lambda message: seen.append(message.text))
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url.split("?")[0], r.url)))
    page.locator(f"#slot-{slots['work']}-1 input[type=file]").first.set_input_files(str(video))
    page.wait_for_selector(".uppy-StatusBar.is-complete", timeout=120_000)
    page.wait_for_selector(f"#slot-{slots['work']}-1 .file-verified", timeout=60_000)
    page.locator(f"#slot-{slots['script']} input[type=file]").first.set_input_files(str(pdf))
    page.wait_for_selector(f"#slot-{slots['script']} .file-verified", timeout=60_000)

    work = page.locator(f"#slot-{slots['work']}-1 .file-verified").inner_text()
    assert "phong-su.mp4" in work and "Đã kiểm tra" in work
    assert f"{video.stat().st_size / 1024 / 1024:.1f} MB" in work
    assert "2 trang" in page.locator(f"#slot-{slots['script']} .file-verified").inner_text()

    with app.app_context():
        rows = db.session.scalars(db.select(EntryFile).order_by(EntryFile.id)).all()
        assert [(r.status, r.size) for r in rows] == [
            ("verified", video.stat().st_size), ("verified", pdf.stat().st_size)]
        pdf_id = rows[1].id

    # Uppy's AwsS3 plugin sent the bytes: through the portal's sign endpoint, to S3 (moto)
    # or the app's S3-compatible endpoint; the video in parts, the PDF in one part, each on
    # the upload the portal opened: the browser never creates an upload nor PUTs an object.
    signs = [u for m, u, _ in requests if m == "POST" and u.endswith("/sign")]
    store = [(m, full) for m, u, full in requests
             if "/storage/s3/" in u or (app.config.get("S3_ENDPOINT_URL") or "@") in u]
    verifies = [u for m, u, _ in requests if m == "POST" and u.endswith("/verify")]
    video_parts = -(-video.stat().st_size // app.config["UPLOAD_PART_SIZE"])
    assert [m for m, full in store if "partNumber=" in full] == ["PUT"] * (video_parts + 1)
    assert not [m for m, full in store if re.search(r"[?&]uploads(=|&|$)", full)], store
    assert all("uploadId=" in full for _m, full in store), store
    assert [m for m, full in store if m == "POST"] == ["POST", "POST"], store  # completions
    assert len(signs) == len(store) and len(verifies) == 2, (signs, verifies)
    assert not any("/parts/" in u for _m, u, _f in requests)
    for _m, full in store:
        assert "phong-su" not in full and "K%E1%BB%8Bch" not in full, full

    page.goto(f"{live.url}/entries/{entry_id}/submit")
    page.click("main form button.btn-success")
    with app.app_context():
        assert db.session.get(Entry, entry_id).status == Entry.SUBMITTED, seen

    download = page.request.get(f"{live.url}/files/{pdf_id}")
    assert download.status == 200
    assert download.body() == pdf.read_bytes()
    page.close()


def test_refused_upload_keeps_its_reason_next_to_the_slot(site, browser, tmp_path):
    app, live, entry_id, slots = site
    empty = tmp_path / "trong.pdf"
    empty.write_bytes(b"")
    page = browser.new_page()
    page.goto(f"{live.url}/auth/login")
    page.fill("input[name=email]", "tacgia@example.vn")
    page.fill("input[name=password]", "secret-pass-1")
    page.click("form button[type=submit]:not([name=lang])")
    page.goto(f"{live.url}/entries/{entry_id}/edit#files")
    slot = f"#slot-{slots['script']}"
    page.wait_for_selector(f"{slot} .uppy-Dashboard")
    page.locator(f"{slot} input[type=file]").first.set_input_files(str(empty))
    note = page.locator(f"{slot} .upload-refusal")
    note.wait_for(timeout=30_000)
    assert "Tệp trống (0 byte)" in note.inner_text() and "trong.pdf" in note.inner_text()
    # Still there after the slots refresh and after a reload, until dismissed.
    page.wait_for_timeout(5_000)
    page.reload()
    page.wait_for_selector(f"{slot} .upload-refusal")
    assert "Tệp trống (0 byte)" in page.locator(f"{slot} .upload-refusal").inner_text()
    page.locator(f"{slot} .upload-refusal .btn-close").click()
    assert page.locator(f"{slot} .upload-refusal").count() == 0
    page.reload()
    page.wait_for_selector(f"{slot} .uppy-Dashboard")
    assert page.locator(f"{slot} .upload-refusal").count() == 0
    page.close()
