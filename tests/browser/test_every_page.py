"""Every page of every demo role, in a real Chromium at 390 px and at 1366 px wide:
no page scrolls sideways, and axe-core (vendored, tests/support/axe.min.js) finds no
serious or critical accessibility violation.

The server is this module's own: a file SQLite database with `flask demo load` (the
published 2025 edition and the open 2026 one). Pages are the GET routes of the url_map,
their arguments filled from the demo data (like the authz matrix's KWARGS); a role's pages
are those that answer it 200 with HTML without a redirect. One browser, one page per role.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.demo.commands import PASSWORD

AXE = Path(__file__).resolve().parents[1] / "support" / "axe.min.js"
WIDTHS = (390, 1366)
ROLES = {
    "anonymous": None,
    "entrant": "tacgia1@demo.vn",        # a submitted and a withdrawn 2026 work, a 2025 prize
    "entrant-draft": "tacgia2@demo.vn",  # the 2026 draft series
    "judge": "giamkhao1@demo.vn",
    "organizer": "bantochuc@demo.vn",
}
# GET routes that are not HTML pages (files, exports, the storage endpoint).
NOT_PAGES = {
    "static", "storage_local.s3_request", "files.download", "files.slots",
    "entries.receipt_pdf", "organize.audit_csv", "organize.registry_csv",
    "results.export_annex", "results.export_csv", "results.export_judge_sheets",
    "results.export_nomination", "results.export_xlsx",
}
# Pages each role must have been shown (guards the argument table against going stale).
MUST_SEE = {
    "anonymous": {"main.index", "auth.login", "auth.register", "results.public"},
    "entrant": {"entries.dashboard", "entries.view", "entries.new_entry"},
    "entrant-draft": {"entries.edit", "entries.submit"},
    "judge": {"judge.home", "judge.queue", "judge.sheet"},
    "organizer": {"organize.home", "organize.screening", "organize.screen_entry",
                  "organize.audit_log", "rounds.progress", "rounds.assignments",
                  "results.review", "results.entry"},
}


def _demo_kwargs(app) -> dict:
    """endpoint -> url_for arguments, read from the demo editions."""
    from portal.auth.services import make_confirm_token, make_reset_token
    from portal.extensions import db
    from portal.models import (
        Assignment,
        Contest,
        Entry,
        FileSlot,
        Genre,
        PrizeLevel,
        ResultSnapshot,
        Round,
        RoundEntry,
        User,
    )

    def one(query):
        return db.session.scalars(query).first()

    past = one(sa.select(Contest).where(Contest.slug == "ha-tinh-2025"))
    current = one(sa.select(Contest).where(Contest.slug == "ha-tinh-2026"))
    final = one(sa.select(Round).where(Round.contest_id == past.id)
                .order_by(Round.position.desc()))
    judge = one(sa.select(User).where(User.email == ROLES["judge"]))
    assignment = one(sa.select(Assignment).where(Assignment.round_id == final.id,
                                                 Assignment.judge_id == judge.id)
                     .order_by(Assignment.id))
    finalist = one(sa.select(Entry).join(RoundEntry, RoundEntry.entry_id == Entry.id)
                   .where(RoundEntry.round_id == final.id).order_by(Entry.id))
    submitted = one(sa.select(Entry).where(Entry.reference == "BLV2026-BI-001"))
    draft = one(sa.select(Entry).where(Entry.contest_id == current.id,
                                       Entry.status == Entry.DRAFT))
    level = one(sa.select(PrizeLevel).where(PrizeLevel.contest_id == current.id)
                .order_by(PrizeLevel.id))
    slot = one(sa.select(FileSlot).join(Genre).where(Genre.contest_id == current.id)
               .order_by(FileSlot.id))
    version = db.session.scalar(sa.select(sa.func.max(ResultSnapshot.version))
                                .where(ResultSnapshot.contest_id == past.id))
    owner = one(sa.select(User).where(User.email == ROLES["entrant"]))
    secret = app.config["SECRET_KEY"]
    on_past_round = {"slug": past.slug, "round_id": final.id}
    return {
        "main.index": {}, "auth.account": {}, "auth.change_password": {},
        "auth.confirm_request": {}, "auth.forgot_password": {}, "auth.login": {},
        "auth.register": {},
        "auth.reset_password": {"token": make_reset_token(owner, secret_key=secret)},
        "auth.confirm_email": {"token": make_confirm_token(owner, secret_key=secret)},
        "entries.dashboard": {},
        "entries.view": {"entry_id": submitted.id},
        "entries.edit": {"entry_id": draft.id},
        "entries.submit": {"entry_id": draft.id},
        "entries.new_entry": {"slug": current.slug},
        "judge.home": {},
        "judge.queue": on_past_round,
        "judge.sheet": {"assignment_id": assignment.id},
        "judge.conflict": {"assignment_id": assignment.id},
        "organize.home": {},
        "organize.audit_log": {"slug": past.slug},
        "organize.registry": {"slug": past.slug},
        "organize.members": {"slug": past.slug},
        "organize.screening": {"slug": past.slug},
        "organize.screen_entry": {"slug": current.slug, "entry_id": submitted.id},
        "organize.settings": {"slug": current.slug},
        "organize.structure": {"slug": current.slug},
        "organize.edit_level": {"slug": current.slug, "level_id": level.id},
        "organize.edit_slot": {"slug": current.slug, "slot_id": slot.id},
        "rounds.index": {"slug": past.slug},
        "rounds.new": {"slug": current.slug},
        **{name: on_past_round for name in (
            "rounds.advance", "rounds.assignments", "rounds.conflicts", "rounds.edit",
            "rounds.panels", "rounds.progress")},
        "rounds.change": {**on_past_round, "assignment_id": assignment.id},
        "rounds.entry_sheets": {**on_past_round, "entry_id": finalist.id},
        "results.public": {"slug": past.slug},
        "results.review": {"slug": past.slug},
        "results.entry": {"slug": past.slug, "entry_id": finalist.id},
        "results.version": {"slug": past.slug, "n": version},
    }


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, chromium_browser):
    """The portal with the demo loaded, on 127.0.0.1:<free port>; yields (url, pages)."""
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db

    root = tmp_path_factory.mktemp("demo-pages")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "every-page-secret",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(root / "portal.sqlite"),
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_ROOT": str(root / "uploads"),
        "MAIL_SERVER": None,
    })
    with app.app_context():
        db.create_all()
        loaded = app.test_cli_runner().invoke(args=["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        kwargs = _demo_kwargs(app)
        rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
        missing = sorted({r.endpoint for r in rules} - set(kwargs) - NOT_PAGES)
        assert not missing, f"GET routes without demo arguments: {missing}"
        adapter = app.url_map.bind("localhost")
        pages = sorted({adapter.build(r.endpoint, {k: v for k, v in kwargs[r.endpoint].items()
                                                   if k in r.arguments}): r.endpoint
                        for r in rules if r.endpoint not in NOT_PAGES}.items(),
                       key=lambda p: p[1])
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-pages", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", pages
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " +
                                                   (n.failureSummary || "").split("\\n")[1])}));
}"""
OVERFLOW = """() => {
  const width = document.documentElement.scrollWidth;
  if (width <= window.innerWidth) return null;
  const wide = [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest(".table-responsive, .scroll-x"))
    .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                     (el.className && typeof el.className === "string"
                      ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
  return {width, wide};
}"""


def _login(page, email: str) -> None:
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) [type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, f"{email} did not log in"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone_and_passes_axe(role, demo_server, chromium_browser):
    url, pages = demo_server
    context = chromium_browser.new_context(base_url=url, locale="vi-VN",
                                           viewport={"width": WIDTHS[0], "height": 800})
    context.set_default_timeout(20_000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    problems: list[str] = []
    seen: set[str] = set()
    try:
        if ROLES[role]:
            _login(page, ROLES[role])
        for path, endpoint in pages:
            response = page.goto(path)
            if (response is None or response.status != 200 or response.request.redirected_from
                    or "text/html" not in response.headers.get("content-type", "")):
                continue  # not this role's page
            seen.add(endpoint)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                overflow = page.evaluate(OVERFLOW)
                if overflow:
                    problems.append(f"{path} @{width}px scrolls sideways: {json.dumps(overflow)}")
                for violation in page.evaluate(AXE_RUN):
                    problems.append(f"{path} @{width}px axe {violation['impact']} "
                                    f"{violation['id']}: {violation['nodes']}")
            page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    finally:
        context.close()
    assert MUST_SEE[role] <= seen, f"{role} was not shown {sorted(MUST_SEE[role] - seen)}"
    assert not problems, f"{role}: {len(problems)} problems\n" + "\n".join(problems)


def test_screening_select_all_ticks_every_row_of_the_page(demo_server, chromium_browser):
    url, _pages = demo_server
    context = chromium_browser.new_context(base_url=url, locale="vi-VN")
    page = context.new_page()
    try:
        _login(page, ROLES["organizer"])
        page.goto("/organize/ha-tinh-2025/screening")
        rows = page.locator('input[name="entry_ids"]')
        assert rows.count() >= 2
        page.locator("#sel-all").check()  # hidden without JavaScript, shown by select_all.js
        assert rows.evaluate_all("boxes => boxes.every(b => b.checked)")
        rows.first.uncheck()
        assert not page.locator("#sel-all").is_checked()
        page.locator("#sel-all").check()
        page.locator("#sel-all").uncheck()
        assert rows.evaluate_all("boxes => boxes.every(b => !b.checked)")
    finally:
        context.close()


def test_screening_shows_the_work_with_the_judges_viewer(demo_server, chromium_browser):
    url, pages = demo_server
    screen = next(path for path, endpoint in pages if endpoint == "organize.screen_entry")
    context = chromium_browser.new_context(base_url=url, locale="vi-VN",
                                           viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        _login(page, ROLES["organizer"])
        page.goto(screen)
        button = page.locator(".media-item[data-kind=pdf] a.pdf-open")
        assert button.is_visible()  # on a phone: a button, not a frame
        pdf = page.request.get(button.get_attribute("href"))
        assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
        assert pdf.body().startswith(b"%PDF")
        page.set_viewport_size({"width": 1366, "height": 800})
        assert page.locator(".media-item[data-kind=pdf] iframe").is_visible()
    finally:
        context.close()
