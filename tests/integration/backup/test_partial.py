"""A database with two editions: the export holds one edition's rows and nothing else."""

from __future__ import annotations

import sqlalchemy as sa

from portal import audit
from portal.audit import event_digest, verify_chain
from portal.extensions import db
from portal.models import AuditEvent, Contest, Membership
from portal.storage import get_storage
from tests.integration.backup.edition import dump_all, read_zip_json, seed_edition
from tests.support.factories import grant


def test_export_of_one_edition_holds_only_its_rows(app, runner, make_fresh_app, tmp_path):
    storage = get_storage()
    first = seed_edition(storage)
    second = seed_edition(storage, slug="nghe-an-2026", prefix="na-")
    # A judge of both editions, and an event of the first edition after the second's.
    shared_judge = first["users"][1]
    grant(shared_judge, second["contest"], Membership.JUDGE)
    audit.record("contest.settings_updated", actor=first["users"][0],
                 contest=first["contest"], after={"decision_number": "9/QĐ"})
    db.session.commit()
    source = dump_all()
    contest_id = first["contest"].id
    out = tmp_path / "ha-tinh.zip"

    result = runner.invoke(args=["edition", "export", "ha-tinh-2026", str(out), "--with-files"])

    assert result.exit_code == 0, result.output
    assert ("Note: the database holds audit events of other editions; the exported events "
            "are checked one by one on import") in result.output
    assert [c["slug"] for c in read_zip_json(out, "tables/contests.json")] == ["ha-tinh-2026"]
    exported_users = {u["email"] for u in read_zip_json(out, "tables/users.json")}
    assert exported_users == {u.email for u in first["users"]}
    entries = read_zip_json(out, "tables/entries.json")
    assert {e["contest_id"] for e in entries} == {contest_id} and len(entries) == 3
    memberships = read_zip_json(out, "tables/memberships.json")
    assert {m["contest_id"] for m in memberships} == {contest_id} and len(memberships) == 3
    events = read_zip_json(out, "tables/audit_events.json")
    assert {e["contest_id"] for e in events} == {contest_id}
    meta = read_zip_json(out, "meta.json")
    a_events = [e for e in source["audit_events"] if e["contest_id"] == contest_id]
    assert meta["audit"] == {"exported": len(a_events),
                             "in_database": len(source["audit_events"]),
                             "chain_complete": False}
    manifest = read_zip_json(out, "manifest.json")["files"]
    assert {f["key"] for f in manifest if f["present"]} == set(first["keys"])

    fresh = make_fresh_app()
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["edition", "import", str(out)])
        assert result.exit_code == 0, result.output
        assert ("3 objects uploaded, 0 already in the file store; audit events match their "
                f"hashes (part of a longer chain) ({len(a_events)} events).") in result.output
        restored = dump_all()
        for name, rows in restored.items():
            assert len(rows) == meta["tables"][name]
            assert all(row in source[name] for row in rows), name
        assert db.session.scalars(sa.select(Contest.slug)).all() == ["ha-tinh-2026"]
        restored_events = db.session.scalars(sa.select(AuditEvent)).all()
        assert all(event_digest(e) == e.hash for e in restored_events)
        # Documented limit: a part of a longer chain does not verify from genesis.
        assert verify_chain()[1] is not None
