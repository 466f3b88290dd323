"""Browser tests: a live portal on 127.0.0.1 and Debian's Chromium driven by Playwright.

Fixtures for every area:
- `live_server` (session): the app on a file SQLite database with the schema and the
  example edition (examples/ha-tinh-2026.toml) loaded, served by werkzeug in a thread on
  a free port; exposes `.url` and `.app` (use `with live_server.app.app_context():` to
  read or seed rows).
- `chromium_browser` (module): the launched browser, for tests that need several contexts.
- `browser_page`: a fresh browser context (own cookies) and page with `base_url` set to
  the live server, so `browser_page.goto("/entries/")` works.

Without Chromium or Playwright the tests skip with a one-line reason, and fail when
REQUIRE_BROWSER=1. The names avoid pytest-playwright's own `page`/`browser` fixtures.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db
from portal.organize.loader import load_edition, read_edition_file
from tests.support.databases import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ha-tinh-2026.toml"


def _unavailable(reason: str) -> None:
    if require("REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Under `make test` (xdist `--dist loadgroup`) every browser test runs on one worker:
    one live server and one Chromium at a time, not one per worker on a 2-core machine."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The portal served on 127.0.0.1:<free port> for the whole test session."""
    from werkzeug.serving import make_server

    root = tmp_path_factory.mktemp("live")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(root / "portal.sqlite"),
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_ROOT": str(root / "uploads"),
        "MAIL_SERVER": None,
    })
    with app.app_context():
        db.create_all()
        contest = load_edition(read_edition_file(EXAMPLE))
        now = datetime.now(UTC)
        if not contest.submission_opens <= now < contest.submission_closes:
            # Keep the example edition open whatever day the suite runs.
            contest.submission_opens = now - timedelta(days=1)
            contest.submission_closes = now + timedelta(days=30)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def chromium_browser():
    """Debian's Chromium, headless, launched once per test module.

    Module scope, not session: Playwright's sync API allows one running instance per
    thread, so it is stopped before a module that starts its own `sync_playwright()`.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001  (any launch failure means: no browser here)
        manager.stop()
        _unavailable(f"Chromium did not start: {type(exc).__name__}: {exc}".splitlines()[0])
    yield browser
    browser.close()
    manager.stop()


@pytest.fixture
def browser_page(chromium_browser, live_server):
    """A page in a fresh context (no cookies) whose relative URLs go to the live server."""
    context = chromium_browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # tests may assert no JavaScript error happened
    try:
        yield page
    finally:
        context.close()
