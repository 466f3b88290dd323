"""A judge scores in a real Chromium: queue, an MP4 that plays, a PDF, an over-maximum
error, the correction and the submission; then the organizer's progress page shows it.

The server, its database (SQLite file) and local storage are this module's own
fixtures (prefixed ``jf_``), so the test does not depend on other browser tests.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0", "false"):
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _mp4(path) -> bytes:
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc=duration=3:size=320x240:rate=25", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart", str(path)],
        check=True, timeout=120,
    )
    return path.read_bytes()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jf_server(tmp_path):
    """The portal on 127.0.0.1 with an open round: one TV work with a real MP4 and one
    print work with a PDF, both assigned to the judge."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is not installed")
    if shutil.which("ffmpeg") is None:
        _unavailable("ffmpeg is not installed")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db
    from portal.models import Assignment, Entry, EntryFile, Membership, RoundEntry
    from portal.storage import get_storage
    from tests.support.factories import grant, make_contest, make_entry, make_round, make_user

    app = create_app({
        "SECRET_KEY": "browser-test",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "portal.sqlite"),
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_ROOT": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": None,
    })
    video = _mp4(tmp_path / "clip.mp4")
    pdf = _pdf()
    ids = {}
    with app.app_context():
        db.create_all()
        contest = make_contest()
        organizer = make_user(email="btc@example.vn", full_name="Thư ký Hội đồng")
        grant(organizer, contest, Membership.ORGANIZER)
        judge = make_user(email="giamkhao@example.vn", full_name="Giám Khảo Trình Duyệt",
                          pen_name="")
        grant(judge, contest, Membership.JUDGE)
        author = make_user(email="tacgia@example.vn")
        rnd = make_round(contest, judges=[judge], judges_per_entry=1)
        works = [("BI", "Tác phẩm báo in có PDF", "application/pdf", pdf, "work", 2, None),
                 ("TH", "Phóng sự truyền hình có video", "video/mp4", video, "work", None, 3.0)]
        storage = get_storage()
        for seq, (code, title, ctype, data, kind, pages, seconds) in enumerate(works, 1):
            entry = make_entry(contest, author, genre_code=code, status=Entry.SUBMITTED,
                               title=title, seq=seq, reference=f"BLV2026-{code}-{seq:03d}")
            key = f"{contest.slug}/{entry.id}/file-{seq}"
            info = storage.put_file(key, io.BytesIO(data), content_type=ctype)
            slot = next(s for g in contest.genres if g.code == code for s in g.slots
                        if s.kind == kind)
            db.session.add(EntryFile(
                entry=entry, slot=slot, part_number=1, key=key,
                original_filename=f"{code}.bin", content_type=ctype, declared_type=ctype,
                size=info.size, sha256=None, status=EntryFile.VERIFIED, page_count=pages,
                duration_seconds=seconds, verified_at=datetime.now(UTC)))
            db.session.add(RoundEntry(round=rnd, entry=entry))
            assignment = Assignment(round=rnd, entry=entry, judge=judge)
            db.session.add(assignment)
            db.session.flush()
            ids[code] = assignment.id
        db.session.commit()
        ids.update(slug=contest.slug, round=rnd.id, judge=judge.id)
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _login(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "secret-pass-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_judge_scores_video_and_pdf_works(jf_server):
    from playwright.sync_api import sync_playwright

    from portal.extensions import db
    from portal.models import ScoreSheet

    app, base, ids = jf_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(locale="vi-VN")
            page = context.new_page()
            _login(page, base, "giamkhao@example.vn")

            # the queue
            page.goto(base + "/judge/")
            page.get_by_text("0 / 2 đã nộp").first.wait_for()
            page.locator(f"a[href='/judge/{ids['slug']}/rounds/{ids['round']}']").click()
            assert page.locator("#progress").inner_text() == "0 / 2 đã nộp"

            # the TV work: the MP4 plays and seeks (Range requests)
            page.locator(f"a[href='/judge/assignments/{ids['TH']}']").first.click()
            video = page.locator("video")
            assert video.get_attribute("preload") == "metadata"
            assert video.get_attribute("controls") is not None
            page.evaluate("() => { const v = document.querySelector('video');"
                          " v.muted = true; return v.play(); }")
            page.wait_for_function(
                "() => document.querySelector('video').currentTime > 1", timeout=15000)
            assert page.evaluate("() => document.querySelector('video').currentTime") > 1
            page.evaluate("() => { const v = document.querySelector('video');"
                          " v.pause(); v.currentTime = 2.5; }")
            page.wait_for_function(
                "() => Math.abs(document.querySelector('video').currentTime - 2.5) < 0.2")
            assert "Thời lượng 00:03" in page.content()

            # the print work: the PDF is framed in place
            page.locator("#prev-work").click()
            assert page.url.endswith(f"/judge/assignments/{ids['BI']}")
            src = page.locator("iframe").get_attribute("src")
            pdf = page.request.get(base + src)
            assert pdf.status == 200
            assert pdf.headers["content-type"] == "application/pdf"
            assert pdf.headers["content-disposition"].startswith("inline")
            assert pdf.body().startswith(b"%PDF")
            assert "2 trang" in page.content()

            # one score above the maximum: the field error, then the correction
            page.fill("#score-truthful", "30")
            page.fill("#score-orientation", "18")
            page.fill("#score-discovery", "15,5")  # the Vietnamese decimal comma (issue 11)
            page.fill("#score-effect", "16")
            page.fill("#score-presentation", "12")
            assert page.locator("#running-total").inner_text() == "91,5"
            # "Nộp phiếu" locks the sheet, so it asks first; dismissing sends nothing.
            asked: list[str] = []
            before = page.url
            page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
            page.locator("button[value=submit]").click()
            assert asked == ["Nộp phiếu chấm? Sau khi nộp, phiếu bị khóa; chỉ Ban Tổ chức "
                             "mới mở lại được."]
            assert page.url == before
            page.on("dialog", lambda d: d.accept())
            page.locator("button[value=submit]").click()
            page.wait_for_load_state()
            error = page.locator("#score-truthful-error").inner_text()
            assert error == ("Điểm tiêu chí Chân thực, chính xác, khách quan là 30; "
                             "điểm tối đa là 25.")
            assert page.locator("#score-truthful").input_value() == "30"
            assert page.locator("#score-effect").input_value() == "16"
            page.fill("#score-truthful", "20")
            assert page.locator("#running-total").inner_text() == "81,5"
            page.locator("button[value=submit]").click()
            page.wait_for_load_state()
            assert page.url.endswith(f"/judge/assignments/{ids['TH']}")  # the next work
            assert "Đã nộp phiếu chấm lúc" in page.content()

            with app.app_context():
                sheet = db.session.scalar(
                    sa.select(ScoreSheet).where(ScoreSheet.assignment_id == ids["BI"]))
                assert (sheet.status, str(sheet.total)) == (ScoreSheet.SUBMITTED, "81.50")

            # the organizer sees the progress change
            organizer = browser.new_context(locale="vi-VN").new_page()
            _login(organizer, base, "btc@example.vn")
            organizer.goto(f"{base}/organize/{ids['slug']}/rounds/{ids['round']}/progress")
            row = organizer.locator("tr", has_text="Giám Khảo Trình Duyệt")
            cells = row.locator("td").all_inner_texts()
            assert cells[1:4] == ["2", "0", "1"]  # assigned, drafts, submitted
        finally:
            browser.close()
