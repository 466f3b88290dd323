"""Every route's URL parameters, filled from the seeded world."""

from __future__ import annotations

from tests.security.seed import World

# endpoint -> function(world) -> url_for kwargs
KWARGS = {
    "main.index": lambda w: {},
    "main.set_language": lambda w: {},
    "auth.account": lambda w: {},
    "auth.forgot_password": lambda w: {},
    "auth.login": lambda w: {},
    "auth.logout": lambda w: {},
    "auth.change_password": lambda w: {},
    "auth.register": lambda w: {},
    "auth.reset_password": lambda w: {"token": w.reset_token},
    "auth.confirm_email": lambda w: {"token": w.extra["confirm_token"]},
    "auth.confirm_request": lambda w: {},
    "entries.accept_invitation": lambda w: {"author_id": w.extra["invitation_id"]},
    "entries.decline_invitation": lambda w: {"author_id": w.extra["invitation_id"]},
    "entries.dashboard": lambda w: {},
    "entries.view": lambda w: {"entry_id": w.entry_id},
    "entries.delete": lambda w: {"entry_id": w.draft_id},
    "entries.edit": lambda w: {"entry_id": w.draft_id},
    "entries.receipt_pdf": lambda w: {"entry_id": w.entry_id},
    "entries.reopen": lambda w: {"entry_id": w.entry_id},
    "entries.submit": lambda w: {"entry_id": w.draft_id},
    "entries.withdraw": lambda w: {"entry_id": w.entry_id},
    "entries.new_entry": lambda w: {"slug": w.slug},
    "files.download": lambda w: {"file_id": w.file_id},
    "files.delete": lambda w: {"file_id": w.upload_id},
    "files.slots": lambda w: {"entry_id": w.draft_id},
    "files.start": lambda w: {"entry_id": w.draft_id},
    "files.abort_upload": lambda w: {"file_id": w.upload_id},
    "files.sign_request": lambda w: {"file_id": w.upload_id},
    "files.verify": lambda w: {"file_id": w.upload_id},
    "judge.home": lambda w: {},
    "judge.queue": lambda w: {"slug": w.slug, "round_id": w.round_id},
    "judge.sheet": lambda w: {"assignment_id": w.assignment_id},
    "judge.autosave": lambda w: {"assignment_id": w.assignment_id},
    "judge.conflict": lambda w: {"assignment_id": w.assignment_id},
    "organize.home": lambda w: {},
    "organize.audit_log": lambda w: {"slug": w.slug},
    "organize.audit_csv": lambda w: {"slug": w.slug},
    "organize.registry": lambda w: {"slug": w.slug},
    "organize.registry_csv": lambda w: {"slug": w.slug},
    "organize.edit_level": lambda w: {"slug": w.slug, "level_id": w.level_id},
    "organize.members": lambda w: {"slug": w.slug},
    "organize.revoke": lambda w: {"slug": w.slug, "membership_id": w.membership_id},
    "organize.screening": lambda w: {"slug": w.slug},
    "organize.screen_entry": lambda w: {"slug": w.slug, "entry_id": w.entry_id},
    "organize.settings": lambda w: {"slug": w.slug},
    "organize.edit_slot": lambda w: {"slug": w.slug, "slot_id": w.slot_id},
    "organize.structure": lambda w: {"slug": w.slug},
    "rounds.index": lambda w: {"slug": w.slug},
    "rounds.new": lambda w: {"slug": w.slug},
    **{name: (lambda w: {"slug": w.slug, "round_id": w.round_id}) for name in (
        "rounds.advance", "rounds.assignments", "rounds.add_assignment", "rounds.auto_assign",
        "rounds.conflicts", "rounds.edit", "rounds.panels", "rounds.populate",
        "rounds.progress", "rounds.reminders", "rounds.rubric", "rounds.status",
        "rounds.save_panel")},
    **{name: (lambda w: {"slug": w.slug, "round_id": w.round_id,
                         "assignment_id": w.assignment_id}) for name in (
        "rounds.change", "rounds.recuse", "rounds.remove", "rounds.replace", "rounds.swap")},
    "rounds.entry_sheets": lambda w: {"slug": w.slug, "round_id": w.round_id,
                                      "entry_id": w.entry_id},
    "rounds.delete_panel": lambda w: {"slug": w.slug, "round_id": w.round_id,
                                      "panel_id": w.panel_id},
    "rounds.reopen": lambda w: {"slug": w.slug, "round_id": w.round_id,
                                "sheet_id": w.sheet_id},
    "results.public": lambda w: {"slug": w.slug},
    "results.category": lambda w: {"slug": w.slug},
    "results.decision": lambda w: {"slug": w.slug},
    "results.publish": lambda w: {"slug": w.slug},
    "results.review": lambda w: {"slug": w.slug},
    "results.tiebreak": lambda w: {"slug": w.slug},
    "results.entry": lambda w: {"slug": w.slug, "entry_id": w.entry_id},
    "results.accept": lambda w: {"slug": w.slug, "entry_id": w.entry_id},
    "results.forward": lambda w: {"slug": w.slug, "entry_id": w.entry_id},
    "results.set_level": lambda w: {"slug": w.slug, "entry_id": w.entry_id},
    "results.shares": lambda w: {"slug": w.slug, "entry_id": w.entry_id},
    "results.export_csv": lambda w: {"slug": w.slug, "which": "prizes"},
    "results.export_annex": lambda w: {"slug": w.slug},
    "results.export_nomination": lambda w: {"slug": w.slug},
    "results.export_xlsx": lambda w: {"slug": w.slug},
    "results.export_judge_sheets": lambda w: {"slug": w.slug, "round_id": w.round_id,
                                              "judge_id": w.users["judge_a"]},
    "results.version": lambda w: {"slug": w.slug, "n": w.snapshot_version},
    "storage_local.s3_request": lambda w: {"key": f"{w.slug}/{w.draft_id}/0123abcd"},
}


def url_for_route(app, rule, world: World) -> str:
    """The path of `rule` with its arguments from the world (rules sharing an endpoint,
    like rounds.save_panel with and without panel_id, are told apart by their arguments)."""
    kwargs = dict(KWARGS[rule.endpoint](world))
    if "panel_id" in rule.arguments:
        kwargs["panel_id"] = world.panel_id
    kwargs = {k: v for k, v in kwargs.items() if k in rule.arguments}
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, kwargs, force_external=False)
