"""round_aggregates and advancing entries from a closed round, with a tie at the boundary."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Assignment, AuditEvent, Round, RoundEntry
from portal.rounds import services
from tests.integration.rounds.helpers import (
    add_panel,
    add_sheet,
    audit_actions,
    bare_round,
    eligible_entry,
    enroll,
    make_judges,
    organizer_setup,
)
from tests.support.factories import make_user
from tests.support.web import html, post_form

# Two BI entries tie on 80 for the second of two places; DT-001 has one sheet of two.
TOTALS = {"BLV-BI-001": (90, 88), "BLV-BI-002": (80, 80), "BLV-BI-003": (78, 82),
          "BLV-BI-004": (70, 60), "BLV-DT-001": (95,)}


def _closed_round(contest):
    judges = make_judges(contest, 2)
    owner = make_user()
    entries = {ref: eligible_entry(contest, owner, ref.split("-")[1], ref) for ref in TOTALS}
    rnd = bare_round(contest, k=2, status=Round.CLOSED, advance_rule="top_n", advance_value=2)
    add_panel(rnd, "Hội đồng", ["BI", "DT"], judges)
    final = bare_round(contest, position=2, k=2)
    enroll(rnd, entries.values())
    for ref, totals in TOTALS.items():
        for judge, total in zip(judges, totals, strict=False):
            a = Assignment(round_id=rnd.id, entry_id=entries[ref].id, judge_id=judge.id)
            db.session.add(a)
            db.session.flush()
            add_sheet(a, total=total)
    # A draft never counts.
    a = Assignment(round_id=rnd.id, entry_id=entries["BLV-DT-001"].id, judge_id=judges[1].id)
    db.session.add(a)
    db.session.flush()
    add_sheet(a, status="draft", total=10)
    db.session.commit()
    return rnd, final, entries


def test_round_aggregates_mean_of_submitted_with_none_below_k(app):
    contest, org = organizer_setup()
    rnd, final, entries = _closed_round(contest)
    scores = services.round_aggregates(rnd)
    ids = {ref: e.id for ref, e in entries.items()}
    assert {ref: scores[i] for ref, i in ids.items()} == {
        "BLV-BI-001": 89.0, "BLV-BI-002": 80.0, "BLV-BI-003": 80.0, "BLV-BI-004": 65.0,
        "BLV-DT-001": None}


def test_advancement_tie_is_shown_and_the_choice_recorded(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, final, entries = _closed_round(contest)
    url = f"/organize/{contest.slug}/rounds/{rnd.id}/advance"
    page = html(client.get(url))
    assert ("Ở Báo in, các tác phẩm BLV-BI-002, BLV-BI-003 bằng điểm nhau (80) cho 1 suất cuối "
            "cùng vào vòng sau") in page
    assert page.count("bằng điểm tại ngưỡng</span>") == 2
    assert page.count('checked aria-label') == 1  # only BI-001 is proposed
    # Choosing BI-003 without a reason is refused and nothing is created.
    bi1, bi3 = entries["BLV-BI-001"].id, entries["BLV-BI-003"].id
    response = post_form(client, url, {"advance": [str(bi1), str(bi3)]})
    assert response.status_code == 422
    assert "Hãy nêu lý do cho mỗi thay đổi so với đề xuất: BLV-BI-003." in html(response)
    assert db.session.scalar(sa.select(sa.func.count(RoundEntry.id)).where(
        RoundEntry.round_id == final.id)) == 0
    response = post_form(client, url, {"advance": [str(bi1), str(bi3)],
                                       f"reason-{bi3}": "Hội đồng biểu quyết 5/7 chọn"})
    assert response.status_code == 302
    rows = db.session.execute(sa.select(RoundEntry.entry_id, RoundEntry.advance_reason).where(
        RoundEntry.round_id == final.id).order_by(RoundEntry.entry_id)).all()
    assert rows == sorted([(bi1, ""), (bi3, "Hội đồng biểu quyết 5/7 chọn")])
    assert db.session.scalar(sa.select(RoundEntry.advance_reason).where(
        RoundEntry.round_id == rnd.id, RoundEntry.entry_id == bi3)) == \
        "Hội đồng biểu quyết 5/7 chọn"
    assert audit_actions("advancement.") == ["advancement.added", "advancement.confirmed"]
    added = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "advancement.added"))
    assert (added.entry_id, added.actor_id) == (bi3, org.id)
    assert '"tied":true' in added.after
    # Deciding twice is refused.
    again = post_form(client, url, {"advance": [str(bi1)]}, page=url)
    assert again.status_code == 422
    assert "Vòng chung khảo đã có tác phẩm" in html(again)


def test_advancement_needs_a_closed_round(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, final, entries = _closed_round(contest)
    rnd.status = Round.OPEN
    db.session.commit()
    url = f"/organize/{contest.slug}/rounds/{rnd.id}/advance"
    page = html(client.get(url))
    assert "Hãy đóng vòng chấm trước khi quyết định tác phẩm vào vòng sau." in page
    response = post_form(client, url, {"advance": [str(entries["BLV-BI-001"].id)]})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(RoundEntry.id)).where(
        RoundEntry.round_id == final.id)) == 0
