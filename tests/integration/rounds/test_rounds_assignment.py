"""Populating round 1, panels, conflicts, automatic and manual assignment, recusal."""

import re
from collections import Counter, defaultdict

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Assignment, ConflictDeclaration, Panel, RoundEntry, ScoreSheet
from portal.rounds import services
from tests.integration.rounds.helpers import (
    add_panel,
    add_sheet,
    assign_rows,
    audit_actions,
    bare_round,
    eligible_entry,
    enroll,
    make_judges,
    organizer_setup,
)
from tests.support.factories import genre, make_entry, make_user
from tests.support.web import html, post_form

CODES = ["BI", "DT", "TH", "AB"]
SHARED = "Báo Hà Tĩnh"


def _base(contest, rnd):
    return f"/organize/{contest.slug}/rounds/{rnd.id}"


def _national(contest):
    """60 eligible entries (15 per genre), 9 judges, k = 3, panels BI | DT | TH+AB of four
    judges each (overlapping), and conflicts: judge 2 works where the authors of BI-001 and
    BI-002 work; judge 6 works at the outlet of DT-003."""
    judges = make_judges(contest, 9, workplaces={1: SHARED, 5: "Đài Phát thanh Tỉnh"})
    entries = []
    for code in CODES:
        for n in range(1, 16):
            ref = f"BLV-{code}-{n:03d}"
            owner = make_user(workplace=f"Tòa soạn {code} {n}")
            if code == "BI" and n in (1, 2):
                owner = make_user(workplace=SHARED)
            if code == "DT" and n == 3:
                owner = make_user(workplace="Đài Phát thanh Tỉnh")
            entries.append(eligible_entry(contest, owner, code, ref))
    rnd = bare_round(contest, k=3)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges[0:4])
    add_panel(rnd, "Tiểu ban Báo điện tử", ["DT"], judges[3:7])
    add_panel(rnd, "Tiểu ban Phát thanh, Truyền hình, Ảnh", ["TH", "AB"],
              [judges[6], judges[7], judges[8], judges[0]])
    return rnd, judges, entries


def test_populate_takes_eligible_submitted_entries_once(app, client):
    contest, org = organizer_setup(login_client=client)
    owner = make_user()
    good = [eligible_entry(contest, owner, "BI", f"BLV-BI-{i:03d}") for i in (1, 2)]
    make_entry(contest, owner, status="submitted", eligibility="ineligible", reference="X-1")
    make_entry(contest, owner, status="submitted", eligibility="pending", reference="X-2")
    make_entry(contest, owner, status="withdrawn", eligibility="eligible", reference="X-3")
    rnd = bare_round(contest)
    later = bare_round(contest, position=2)
    db.session.commit()
    response = post_form(client, _base(contest, rnd) + "/populate", {},
                         page=_base(contest, rnd) + "/assignments")
    assert response.status_code == 302
    again = post_form(client, _base(contest, rnd) + "/populate", {},
                      page=_base(contest, rnd) + "/assignments", follow_redirects=True)
    assert "Đã thêm 0 tác phẩm hợp lệ vào vòng chấm." in html(again)
    assert sorted(db.session.scalars(sa.select(RoundEntry.entry_id).where(
        RoundEntry.round_id == rnd.id))) == sorted(e.id for e in good)
    refused = post_form(client, _base(contest, later) + "/populate", {},
                        page=_base(contest, later) + "/assignments", follow_redirects=True)
    assert "Chỉ vòng đầu tiên nhận tác phẩm trực tiếp" in html(refused)
    assert db.session.scalar(sa.select(sa.func.count(RoundEntry.id)).where(
        RoundEntry.round_id == later.id)) == 0


def test_panel_genre_in_two_panels_is_refused(app, client):
    contest, org = organizer_setup(login_client=client)
    judges = make_judges(contest, 2)
    rnd = bare_round(contest)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges[:1])
    db.session.commit()
    data = {"new-name": "Tiểu ban mới", "new-genres": [str(genre(contest, "BI").id),
                                                        str(genre(contest, "DT").id)],
            "new-judges": [str(judges[1].id)]}
    response = post_form(client, _base(contest, rnd) + "/panels", data)
    page = html(response)
    assert response.status_code == 422
    assert ("Loại hình Báo in đã thuộc tiểu ban Tiểu ban Báo in; mỗi loại hình chỉ thuộc "
            "một tiểu ban trong một vòng.") in page
    assert 'value="Tiểu ban mới"' in page
    assert db.session.scalar(sa.select(sa.func.count(Panel.id))) == 1
    data["new-genres"] = [str(genre(contest, "DT").id)]
    assert post_form(client, _base(contest, rnd) + "/panels", data).status_code == 302
    panel = db.session.scalar(sa.select(Panel).where(Panel.name == "Tiểu ban mới"))
    assert [g.code for g in panel.genres] == ["DT"]
    assert [u.id for u in panel.judges] == [judges[1].id]


def test_conflicts_page_lists_judge_entry_and_reason(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _national(contest)
    enroll(rnd, entries)
    db.session.commit()
    page = html(client.get(_base(contest, rnd) + "/conflicts"))
    assert "3 trường hợp xung đột lợi ích giữa 9 giám khảo của giải và 60 tác phẩm" in page
    assert ("Giám khảo Giám khảo GK2 công tác tại Báo Hà Tĩnh, cùng cơ quan với") in page
    assert "tác giả của tác phẩm BLV-BI-001." in page
    conflicts = services.round_conflicts(rnd)
    by_ref = {e.id: e.reference for e in entries}
    assert sorted((j, by_ref[e]) for j, e in conflicts) == sorted([
        (judges[1].id, "BLV-BI-001"), (judges[1].id, "BLV-BI-002"),
        (judges[5].id, "BLV-DT-003")])


def _check_invariants(rnd, judges, entries, conflicts):
    rows = assign_rows(rnd)
    panels = services.round_panels(rnd)
    panel_of_genre = {g.id: p for p in panels for g in p.genres}
    by_entry = defaultdict(list)
    for e, j, status in rows:
        assert status == Assignment.ACTIVE
        by_entry[e].append(j)
    assert set(by_entry) == {e.id for e in entries}
    loads = defaultdict(Counter)
    for entry in entries:
        js = by_entry[entry.id]
        panel = panel_of_genre[entry.genre_id]
        assert len(js) == 3 and len(set(js)) == 3
        assert set(js) <= {u.id for u in panel.judges}
        for j in js:
            assert (j, entry.id) not in conflicts
            loads[panel.id][j] += 1
    for panel in panels:
        counts = [loads[panel.id][u.id] for u in panel.judges]
        assert max(counts) - min(counts) <= 1, (panel.name, counts)
        assert sum(counts) == 3 * sum(1 for e in entries if panel_of_genre[e.genre_id] is panel)
    return rows


def test_automatic_assignment_keeps_every_invariant(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _national(contest)
    db.session.commit()
    post_form(client, _base(contest, rnd) + "/populate", {},
              page=_base(contest, rnd) + "/assignments")
    response = post_form(client, _base(contest, rnd) + "/assignments/auto", {"seed": "42"},
                         page=_base(contest, rnd) + "/assignments")
    assert response.status_code == 302
    conflicts = set(services.round_conflicts(rnd))
    assert len(conflicts) == 3
    first = _check_invariants(rnd, judges, entries, conflicts)
    assert len(first) == 180
    # Same seed, same rows (re-run replaces the assignments since no sheet exists).
    response = post_form(client, _base(contest, rnd) + "/assignments/auto", {"seed": "42"},
                         page=_base(contest, rnd) + "/assignments", follow_redirects=True)
    assert "Đã tạo 180 phân công." in html(response)
    assert assign_rows(rnd) == first
    assert audit_actions("assignments.") == ["assignments.created", "assignments.replaced"]


def test_rerun_refused_once_a_sheet_exists(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _national(contest)
    enroll(rnd, entries)
    services.run_assignment(rnd=rnd, seed=1, actor=org)
    a = db.session.scalar(sa.select(Assignment).limit(1))
    add_sheet(a, status=ScoreSheet.DRAFT)
    db.session.commit()
    before = assign_rows(rnd)
    response = post_form(client, _base(contest, rnd) + "/assignments/auto", {"seed": "2"},
                         page=_base(contest, rnd) + "/assignments")
    assert response.status_code == 422
    assert "Không thể phân công lại: đã có 1 phiếu chấm được bắt đầu trong vòng này." in html(
        response)
    assert assign_rows(rnd) == before


def test_infeasible_assignment_writes_nothing_and_names_the_entry(app, client):
    contest, org = organizer_setup(login_client=client)
    judges = make_judges(contest, 3, workplaces={0: SHARED})
    ok = [eligible_entry(contest, make_user(), "BI", f"BLV-BI-{i:03d}") for i in (1, 2)]
    bad = eligible_entry(contest, make_user(workplace=SHARED), "BI", "BLV-BI-003")
    rnd = bare_round(contest, k=3)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges)
    enroll(rnd, [*ok, bad])
    db.session.commit()
    response = post_form(client, _base(contest, rnd) + "/assignments/auto", {"seed": "7"},
                         page=_base(contest, rnd) + "/assignments")
    page = html(response)
    assert response.status_code == 422
    assert "Chưa phân công: không có cách phân công cân bằng và không xung đột lợi ích." in page
    assert "Tác phẩm BLV-BI-003 chỉ có 2 giám khảo không xung đột lợi ích; cần 3." in page
    assert 'value="7"' in page
    assert assign_rows(rnd) == []
    assert audit_actions("assignments.") == []


def test_manual_add_with_conflict_needs_the_override(app, client):
    contest, org = organizer_setup(login_client=client)
    judges = make_judges(contest, 2, workplaces={0: SHARED})
    entry = eligible_entry(contest, make_user(workplace=SHARED), "BI", "BLV-BI-001")
    rnd = bare_round(contest, k=2)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges)
    enroll(rnd, [entry])
    db.session.commit()
    url = _base(contest, rnd) + "/assignments/add"
    page_url = _base(contest, rnd) + "/assignments"
    data = {"entry_id": str(entry.id), "judge_id": str(judges[0].id)}
    response = post_form(client, url, data, page=page_url)
    page = html(response)
    assert response.status_code == 409
    assert ("Giám khảo GK1 có xung đột lợi ích với BLV-BI-001. Hãy đánh dấu “Vẫn phân công "
            "dù có xung đột lợi ích” để tiếp tục.") in page
    assert "Giám khảo Giám khảo GK1 công tác tại Báo Hà Tĩnh" in page
    assert assign_rows(rnd) == []
    response = post_form(client, url, {**data, "override": "y"}, page=page_url)
    assert response.status_code == 302
    assert assign_rows(rnd) == [(entry.id, judges[0].id, "active")]
    assert audit_actions("assignment.") == ["assignment.added"]
    # Without a conflict no tick is needed.
    assert post_form(client, url, {**data, "judge_id": str(judges[1].id)},
                     page=page_url).status_code == 302
    assert len(assign_rows(rnd)) == 2


def test_swap_and_remove_assignment(app, client):
    contest, org = organizer_setup(login_client=client)
    judges = make_judges(contest, 3)
    entry = eligible_entry(contest, make_user(), "BI", "BLV-BI-001")
    rnd = bare_round(contest, k=1)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges)
    enroll(rnd, [entry])
    a = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judges[0].id)
    db.session.add(a)
    db.session.commit()
    change = _base(contest, rnd) + f"/assignments/{a.id}"
    assert post_form(client, change + "/swap", {"judge_id": str(judges[2].id)},
                     page=change).status_code == 302
    assert assign_rows(rnd) == [(entry.id, judges[2].id, "active")]
    assert post_form(client, change + "/remove", {}, page=change).status_code == 302
    assert assign_rows(rnd) == []
    assert audit_actions("assignment.") == ["assignment.swapped", "assignment.removed"]


def test_recusal_replacement_keeps_invariants(app, client):
    contest, org = organizer_setup(login_client=client)
    rnd, judges, entries = _national(contest)
    enroll(rnd, entries)
    services.run_assignment(rnd=rnd, seed=5, actor=org)
    db.session.commit()
    bi1 = next(e for e in entries if e.reference == "BLV-BI-004")
    a = db.session.scalar(sa.select(Assignment).where(Assignment.entry_id == bi1.id)
                          .order_by(Assignment.judge_id).limit(1))
    change = _base(contest, rnd) + f"/assignments/{a.id}"
    response = post_form(client, change + "/recuse", {"reason": "Người thân của tác giả"},
                         page=change)
    assert response.status_code == 302
    page = html(client.get(_base(contest, rnd) + "/assignments"))
    replacement = services.pending_replacements(rnd)
    assert len(replacement) == 1
    proposed = replacement[0].proposed
    panel_judges = {u.id for u in services.round_panels(rnd)[0].judges}
    on_entry = {j for e, j, s in assign_rows(rnd) if e == bi1.id}
    assert proposed.id in panel_judges - on_entry
    assert f"Đề xuất thay thế: {proposed.full_name}." in page
    response = post_form(client, _base(contest, rnd) + f"/assignments/{a.id}/replace",
                         {"judge_id": str(proposed.id)}, page=_base(contest, rnd) +
                         "/assignments")
    assert response.status_code == 302
    active = [(e, j) for e, j, s in assign_rows(rnd) if s == "active"]
    assert sorted(j for e, j in active if e == bi1.id) == sorted(
        (on_entry - {a.judge_id}) | {proposed.id})
    panel = services.round_panels(rnd)[0]
    loads = Counter(j for e, j in active if e in {x.id for x in entries if x.genre.code == "BI"})
    counts = [loads[u.id] for u in panel.judges]
    assert max(counts) - min(counts) <= 1
    assert services.pending_replacements(rnd) == []
    assert audit_actions("assignment.") == ["assignment.recused", "assignment.replacement"]


def test_swap_never_defaults_to_the_judge_who_declared_a_conflict(app, client):
    contest, org = organizer_setup(login_client=client)
    judges = sorted(make_judges(contest, 3), key=lambda u: u.full_name)
    entry = eligible_entry(contest, make_user(), "BI", "BLV-BI-001")
    rnd = bare_round(contest, k=1)
    add_panel(rnd, "Tiểu ban Báo in", ["BI"], judges)
    enroll(rnd, [entry])
    # The first judge by name declared a conflict and was recused; the second now holds it.
    db.session.add(ConflictDeclaration(judge_id=judges[0].id, entry_id=entry.id,
                                       reason="Người thân của tác giả"))
    db.session.add(Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judges[0].id,
                              status=Assignment.RECUSED))
    a = Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judges[1].id)
    db.session.add(a)
    db.session.commit()
    page = html(client.get(_base(contest, rnd) + f"/assignments/{a.id}"))
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', page)
    # The first option (the browser's default) is neither the conflicted judge nor the
    # assignment's own judge; the conflicted one is last and says why.
    assert [int(v) for v, _ in options] == [judges[2].id, judges[0].id]
    assert options[-1][1] == (f"{judges[0].full_name} (đã khai báo xung đột lợi ích "
                              "với tác phẩm này)")
