"""`flask demo load`: the published 2025 edition and the open 2026 one, every role's pages."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from portal.demo import media
from portal.extensions import db
from portal.models import (
    Assignment,
    AuditEvent,
    Contest,
    Entry,
    EntryFile,
    ResultSnapshot,
    Round,
    ScoreSheet,
    User,
)
from portal.results.services import compute_round
from tests.support.web import html, login

PASSWORD = "demo-2026"
needs_ffmpeg = pytest.mark.skipif(media.FFMPEG is None, reason="ffmpeg is not installed")


def _load(runner, *args):
    result = runner.invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _contest(slug: str) -> Contest:
    return db.session.scalar(sa.select(Contest).where(Contest.slug == slug))


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count(model.id)))
                 for model in (User, Contest, Entry, EntryFile, Assignment, ScoreSheet,
                               ResultSnapshot, AuditEvent))


def _sections(page: str) -> list[str]:
    """The public page's two lists: prize-winning works, then forwarded works."""
    return page.split('<h2 class="h4 mt-4">')[1:]


@needs_ffmpeg
def test_demo_load_prints_logins_and_builds_both_editions(app, runner):
    output = _load(runner, "--if-empty")

    assert "Loaded ha-tinh-2025: 30 entries judged in two rounds, results published." in output
    assert ("Loaded ha-tinh-2026: open for entries, BLV2026-BI-001 submitted, one withdrawn, "
            "one draft.") in output
    assert f"Demo logins (password for all: {PASSWORD})" in output
    for line in ("  organizer  bantochuc@demo.vn      Nguyễn Thị Thu Hà",
                 "  judge      giamkhao1@demo.vn      Trần Văn Minh",
                 "  judge      giamkhao2@demo.vn      Lê Thị Hồng Nhung",
                 "  judge      giamkhao3@demo.vn      Hoàng Đình Phúc",
                 "  judge      giamkhao4@demo.vn      Nguyễn Thị Minh Tâm",
                 "  judge      giamkhao5@demo.vn      Võ Văn Thành",
                 "  entrant    tacgia1@demo.vn        Phạm Quốc Hùng",
                 "  entrant    tacgia2@demo.vn        Đặng Thị Lan Anh",
                 "  entrant    tacgia03@demo.vn … tacgia20@demo.vn  authors of the 2025 entries"):
        assert line in output.splitlines()

    past, current = _contest("ha-tinh-2025"), _contest("ha-tinh-2026")
    assert (past.status, past.decision_number, str(past.decision_date)) == (
        Contest.PUBLISHED, "125-QĐ/TU", "2025-11-20")
    assert current.status == Contest.OPEN
    by_state = dict(db.session.execute(
        sa.select(Entry.eligibility, sa.func.count(Entry.id))
        .where(Entry.contest_id == past.id, Entry.status == Entry.SUBMITTED)
        .group_by(Entry.eligibility)).all())
    assert by_state == {Entry.ELIGIBLE: 28, Entry.INELIGIBLE: 2}
    first, final = db.session.scalars(
        sa.select(Round).where(Round.contest_id == past.id).order_by(Round.position)).all()
    prelim, last = compute_round(first), compute_round(final)
    assert (len(prelim.rows), len(prelim.sheets), len(prelim.flags)) == (28, 56, 0)
    assert (len(last.rows), len(last.sheets), len(last.flags)) == (20, 60, 1)
    assert {(r.status, r.closes_at < current.submission_opens) for r in (first, final)} == {
        (Round.CLOSED, True)}
    # The open edition's rounds are in the future: nobody is assigned yet.
    assert db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).join(Round)
        .where(Round.contest_id == current.id)) == 0
    mine = db.session.execute(
        sa.select(Entry.status, Entry.reference, Entry.parts_count)
        .join(User, User.id == Entry.owner_id)
        .where(Entry.contest_id == current.id).order_by(Entry.id)).all()
    assert [tuple(r) for r in mine] == [(Entry.SUBMITTED, "BLV2026-BI-001", 1),
                                        (Entry.WITHDRAWN, "BLV2026-DT-001", 1),
                                        (Entry.DRAFT, None, 2)]
    scan = db.session.scalar(
        sa.select(EntryFile).join(Entry).where(Entry.reference == "BLV2026-BI-001"))
    assert (scan.status, scan.page_count, scan.content_type, len(scan.sha256)) == (
        EntryFile.VERIFIED, 2, "application/pdf", 64)

    audit = runner.invoke(args=["audit", "verify"])
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert (audit.exit_code, audit.output) == (0, f"OK: {events} audit events, chain intact.\n")
    stored = runner.invoke(args=["storage", "verify"])
    assert (stored.exit_code, stored.output) == (
        0, "Checked 58 files: 58 ok, 0 missing, 0 mismatched.\n")

    before = _counts()
    again = _load(runner, "--if-empty")
    assert again.startswith("The database already has an edition; demo not loaded.\n")
    assert _counts() == before
    forced = _load(runner)
    assert forced.startswith("The demo editions are already loaded; nothing was added.\n")
    assert _counts() == before


@needs_ffmpeg
def test_demo_pages_show_each_role_real_data(app, runner, client):
    _load(runner, "--if-empty")

    page = html(client.get("/results/ha-tinh-2025"))
    prizes, forwarded = _sections(page)
    assert prizes.count("<tr><td data-label=") == 20
    assert forwarded.count("<tr><td data-label=") == 7
    assert "125-QĐ/TU" in page and "20/11/2025" in page
    assert ('<tr><td data-label="Tên tác phẩm">Siết chặt kỷ luật, kỷ cương trong thực thi công vụ'
            '</td><td data-label="Loại hình, thể loại">Báo in — Loạt bài 3 kỳ</td>'
            '<td data-label="Tác giả">Văn Thắng, Thu Hương</td>'
            '<td data-label="Cơ quan báo chí">Báo Hà Tĩnh</td></tr>') in prizes

    assert login(client, "bantochuc@demo.vn", PASSWORD).status_code == 302
    registry = html(client.get("/organize/ha-tinh-2026/entries"))
    assert "BLV2026-BI-001" in registry
    assert "Đưa Nghị quyết vào cuộc sống: Bắt đầu từ chi bộ" in registry
    review = html(client.get("/results/ha-tinh-2025/review"))
    assert "Trần Văn Minh: 67,00" in review  # the final round's one disagreement flag (vi)

    client = client.application.test_client()
    assert login(client, "giamkhao1@demo.vn", PASSWORD).status_code == 302
    queue = html(client.get("/judge/"))
    assert "Vòng sơ khảo" in queue and "Vòng chung khảo" in queue

    client = client.application.test_client()
    assert login(client, "tacgia1@demo.vn", PASSWORD).status_code == 302
    dashboard = html(client.get("/entries/"))
    assert "BLV2026-BI-001" in dashboard
    assert "Kết quả của bạn: Giải A" in dashboard  # his 2025 work, from the published list
    submitted = db.session.scalar(sa.select(Entry).where(Entry.reference == "BLV2026-BI-001"))
    receipt = client.get(f"/entries/{submitted.id}/receipt.pdf")
    assert (receipt.status_code, receipt.mimetype, receipt.data[:5]) == (
        200, "application/pdf", b"%PDF-")


def test_demo_without_ffmpeg_leaves_out_radio_and_television(app, runner, monkeypatch):
    monkeypatch.setattr(media, "FFMPEG", None)
    output = _load(runner)

    assert ("Loaded ha-tinh-2025: 20 entries judged in two rounds, results published "
            "(no ffmpeg: radio and television entries left out).") in output
    payload = json.loads(db.session.scalar(sa.select(ResultSnapshot.payload)))
    assert (len(payload["prizes"]), len(payload["forwarded"])) == (12, 5)
    assert {row["genre"] for row in payload["prizes"]} == {"BI", "DT", "AB"}
    stored = runner.invoke(args=["storage", "verify"])
    assert (stored.exit_code, stored.output) == (
        0, "Checked 35 files: 35 ok, 0 missing, 0 mismatched.\n")
    assert re.fullmatch(r"OK: \d+ audit events, chain intact\.\n",
                        runner.invoke(args=["audit", "verify"]).output)
    draft = db.session.scalar(sa.select(Entry).where(Entry.status == Entry.DRAFT))
    assert (draft.parts_count, draft.files) == (2, [])
