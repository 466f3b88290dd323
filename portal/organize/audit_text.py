"""The audit log in words: each action's name, and what an event changed, field by field."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "advancement.added": _l("added works to the next round"),
    "advancement.confirmed": _l("confirmed the advancement to the next round"),
    "assignment.added": _l("assigned a judge"),
    "assignment.recused": _l("recused a judge"),
    "assignment.removed": _l("removed an assignment"),
    "assignment.replacement": _l("confirmed a replacement judge"),
    "assignment.swapped": _l("gave an assignment to another judge"),
    "assignments.replaced": _l("ran the automatic assignment"),
    "contest.settings_updated": _l("changed the edition settings"),
    "entry.coauthor_accepted": _l("accepted being a co-author"),
    "entry.create": _l("created a draft entry"),
    "entry.ruled": _l("ruled on eligibility"),
    "entry.submit": _l("submitted an entry"),
    "entry.update": _l("changed an entry"),
    "file.checksum": _l("recorded a file's checksum"),
    "file.completed": _l("uploaded a file"),
    "file.deleted": _l("deleted a file"),
    "file.expired": _l("cleared an unfinished upload"),
    "file.rejected": _l("had a file refused"),
    "membership.granted": _l("granted a role"),
    "membership.revoked": _l("revoked a role"),
    "panel.deleted": _l("deleted a panel"),
    "panel.judge_removed": _l("took a judge off a panel"),
    "panel.saved": _l("saved a panel"),
    "prize_level.updated": _l("changed a prize level"),
    "result.decision_recorded": _l("recorded the decision"),
    "result.forwarded": _l("changed the forwarding to the national round"),
    "result.incomplete_accepted": _l("accepted an incomplete entry"),
    "result.level_changed": _l("changed a prize level of a work"),
    "result.published": _l("published the results"),
    "result.tiebreak_set": _l("set the tie-break criteria"),
    "round.created": _l("created a round"),
    "round.opened": _l("opened or closed a round"),
    "round.populated": _l("filled the first round"),
    "round.reminders_sent": _l("sent reminders to judges"),
    "round.updated": _l("changed a round"),
    "rubric.saved": _l("saved the rubric"),
    "score.draft_saved": _l("saved a draft score sheet"),
    "score.reopened": _l("reopened a score sheet"),
    "score.submitted": _l("submitted a score sheet"),
    "slot.updated": _l("changed a file requirement"),
}


def action_text(action: str) -> str:
    """The action in words; an unknown action keeps its code rather than vanish."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def _load(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"": text}
    return value if isinstance(value, dict) else {"": value}


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes(before: str | None, after: str | None) -> list[tuple[str, str, str]]:
    """(field, old, new) for each field whose value differs, in the order first seen."""
    old, new = _load(before), _load(after)
    keys = list(dict.fromkeys([*old, *new]))
    return [(k, _show(old.get(k)), _show(new.get(k))) for k in keys if old.get(k) != new.get(k)]
