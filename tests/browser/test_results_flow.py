"""An organizer reviews the proposal, changes a level with a reason, publishes; a logged-out
browser reads the public page; the XLSX downloads and opens with openpyxl.

The server and its SQLite database are this module's own fixtures (prefixed ``rf_``)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]

pytestmark = pytest.mark.browser


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0", "false"):
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def rf_server(tmp_path):
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db
    from tests.support.results import build

    app = create_app({
        "SECRET_KEY": "browser-test",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "portal.sqlite"),
        "STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": False, "MAIL_SERVER": None,
    })
    with app.app_context():
        db.create_all()
        _contest, _org, entries = build()
        ids = {"third": entries[2].id, "third_title": entries[2].title}
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def test_review_change_publish_public_and_xlsx(rf_server, tmp_path):
    import io

    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    base, ids = rf_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(base + "/auth/login")
            page.fill("input[name=email]", "org@example.vn")
            page.fill("input[name=password]", "secret-pass-1")
            page.locator("main form [type=submit]").first.click()
            page.goto(base + "/results/ha-tinh/review")
            row = page.locator(f"#e{ids['third']}")
            assert "Giải B" in row.inner_text()
            row.get_by_role("link").click()
            page.select_option("select[name=level]", "C")
            page.fill("form[action$='/level'] textarea[name=reason]", "Hội đồng biểu quyết")
            page.locator("form[action$='/level'] input[type=submit]").click()
            assert "Đã lưu mức giải." in page.inner_text("main")
            assert "Giải C" in page.locator(f"#e{ids['third']}").inner_text()
            page.fill("input[name=number]", "125-QĐ/TU")
            page.fill("input[name=decided_on]", "2024-11-20")
            page.locator("form[action$='/decision'] input[type=submit]").click()
            page.locator("form[action$='/publish'] input[type=submit]").click()
            assert "Phiên bản 1" in page.inner_text("main")

            with page.expect_download() as info:
                page.goto(base + "/results/ha-tinh/review")
                page.get_by_text("Bảng tính (XLSX)").click()
            path = info.value.path()
            wb = load_workbook(io.BytesIO(open(path, "rb").read()))
            levels = [r[1].value for r in wb["Danh sách đạt giải"].iter_rows(min_row=2)]
            assert levels.count("Giải C") == 1 and levels.count("Giải A") == 2

            public = browser.new_context().new_page()
            public.goto(base + "/results/ha-tinh")
            text = public.inner_text("main")
            assert "Quyết định số 125-QĐ/TU ngày 20/11/2024" in text
            assert ids["third_title"] in text and "Hồng Lĩnh Sơn" in text
            assert "Trần Thị Giám Khảo" not in text
        finally:
            browser.close()
