"""Edition settings and structure: the edition's fields, its file slots and prize levels."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from judging.i18n import N_
from judging.problems import Problem
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Contest,
    FileSlot,
    PrizeLevel,
    PrizeQuota,
    User,
)

MB = 1024 * 1024

SETTINGS_FIELDS = (
    "name", "name_en", "year", "number", "organizing_body", "province", "timezone",
    "ref_prefix", "publication_start", "publication_end", "submission_opens",
    "submission_closes", "per_author_cap", "max_authors", "max_parts", "status",
    "allow_quota_transfer", "special_prize_count", "release_averages", "entry_routes",
    "national_reason_required", "issuing_body", "document_place", "name_style",
)
REF_PREFIX_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


def valid_timezone(name: str) -> bool:
    """True for an IANA zone name; never raises (a directory such as "America" or a
    name too long for the file system is simply not a zone)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return bool(name)


def local_to_utc(value: datetime | None, tz: str) -> datetime | None:
    """A naive wall-clock time typed in the edition's time zone, as an aware UTC datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def utc_to_local(value: datetime | None, tz: str) -> datetime | None:
    """An aware datetime as the naive wall-clock time of tz (for a datetime-local input)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


class _Problems:
    """The failures of one form's rules, one per field (the first rule broken wins)."""

    def __init__(self) -> None:
        self.by_field: dict[str, Problem] = {}

    def add(self, field: str, message: str, **params) -> None:
        """`message` is the msgid; portal.i18n.problem_text translates it where shown."""
        self.by_field[field] = Problem(f"invalid_{field}", message, params, field)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def list(self) -> list[Problem]:
        return list(self.by_field.values())


def settings_errors(values: dict) -> list[Problem]:
    """One Problem (field = the form field) per rule the settings break (empty = valid)."""
    errors = _Problems()
    if not (values.get("name") or "").strip():
        errors.add("name", N_("The edition needs a name."))
    if not valid_timezone(values.get("timezone") or ""):
        errors.add("timezone", N_("“%(tz)s” is not a known time zone; use a name such as "
                                  "Asia/Ho_Chi_Minh."), tz=values.get("timezone") or "")
    if not REF_PREFIX_RE.match(values.get("ref_prefix") or ""):
        errors.add("ref_prefix", N_("The reference prefix takes 1 to 20 capital letters, "
                                    "digits or hyphens, e.g. BLV2026."))
    year = values.get("year")
    if year is None or not 2000 <= year <= 2100:
        errors.add("year", N_("The year must be between 2000 and 2100."))
    for field in ("number", "per_author_cap", "max_authors", "max_parts"):
        if values.get(field) is None or values[field] < 1:
            errors.add(field, N_("Must be a whole number of at least 1."))
    if values.get("special_prize_count") is None or values["special_prize_count"] < 0:
        errors.add("special_prize_count", N_("Must be a whole number of at least 0."))
    if values.get("status") not in Contest.STATUSES:
        errors.add("status", N_("Choose one of the statuses in the list."))
    start, end = values.get("publication_start"), values.get("publication_end")
    if start and end and start > end:
        errors.add("publication_end",
                   N_("The publication window must end on or after it starts."))
    opens, closes = values.get("submission_opens"), values.get("submission_closes")
    if opens and closes and opens >= closes:
        errors.add("submission_closes", N_("Submissions must close after they open."))
    for field in ("publication_start", "publication_end", "submission_opens",
                  "submission_closes"):
        if values.get(field) is None and field not in errors:
            errors.add(field, N_("This date is required."))
    return errors.list()


def settings_snapshot(contest: Contest) -> dict:
    return {f: getattr(contest, f) for f in SETTINGS_FIELDS}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def update_settings(*, contest: Contest, values: dict, actor: User) -> bool:
    """Apply the edition settings; audit the changed fields. Returns False when nothing changed.

    Raises DomainError (one Problem per field) when the values break a rule.
    """
    errors = settings_errors(values)
    if errors:
        raise DomainError(_("The settings were not saved: correct the marked fields."),
                          problems=errors)
    before = settings_snapshot(contest)
    for field in SETTINGS_FIELDS:
        setattr(contest, field, values[field])
    old, new = _changes(before, settings_snapshot(contest))
    if not new:
        return False
    audit.record("contest.settings_updated", actor=actor, contest=contest, obj=contest,
                 before=old, after=new)
    db.session.flush()
    return True


FORMAT_RE = re.compile(r"^[a-z0-9]{1,10}$")


def slot_errors(values: dict) -> list[Problem]:
    errors = _Problems()
    formats = [f.strip().lower().lstrip(".") for f in (values.get("formats") or "").split(",")]
    formats = [f for f in formats if f]
    if not formats or not all(FORMAT_RE.match(f) for f in formats):
        errors.add("formats", N_("List file extensions separated by commas, e.g. pdf, jpg."))
    size = values.get("max_size_mb")
    if size is None or size <= 0:
        errors.add("max_size_mb", N_("The maximum size must be more than 0 MB."))
    mn, mx = values.get("min_count"), values.get("max_count")
    if mn is None or mn < 0:
        errors.add("min_count", N_("Must be a whole number of at least 0."))
    if mx is None or mx < 1:
        errors.add("max_count", N_("Must be a whole number of at least 1."))
    elif mn is not None and mn > mx:
        errors.add("max_count",
                   N_("The maximum count must not be below the minimum count."))
    if values.get("required") and mn is not None and mn < 1 and "min_count" not in errors:
        errors.add("min_count", N_("A required file kind needs a minimum count of at least 1."))
    return errors.list()


def _slot_snapshot(slot: FileSlot) -> dict:
    return {"formats": slot.formats, "max_size": slot.max_size, "min_count": slot.min_count,
            "max_count": slot.max_count, "required": slot.required}


def update_slot(*, slot: FileSlot, values: dict, actor: User) -> bool:
    """Change a file slot's formats, size and counts; audit before/after.

    Raises DomainError with problems when the values break a rule.
    """
    errors = slot_errors(values)
    if errors:
        raise DomainError(_("The file requirements were not saved: correct the marked "
                            "fields."), problems=errors)
    before = _slot_snapshot(slot)
    formats = [f.strip().lower().lstrip(".") for f in values["formats"].split(",")]
    slot.formats = ",".join(dict.fromkeys(f for f in formats if f))
    slot.max_size = int(Decimal(str(values["max_size_mb"])) * MB)
    slot.min_count = values["min_count"]
    slot.max_count = values["max_count"]
    slot.required = bool(values["required"])
    old, new = _changes(before, _slot_snapshot(slot))
    if not new:
        return False
    audit.record("slot.updated", actor=actor, contest=slot.genre.contest, obj=slot,
                 before={"genre": slot.genre.code, "kind": slot.kind, **old},
                 after={"genre": slot.genre.code, "kind": slot.kind, **new})
    db.session.flush()
    return True


def level_errors(values: dict, genre_ids) -> list[Problem]:
    errors = _Problems()
    score = values.get("min_score")
    if score is not None and not Decimal(0) <= score <= Decimal(100):
        errors.add("min_score", N_("The minimum score must be between 0 and 100, or empty."))
    quotas = values.get("quotas") or {}
    for gid in genre_ids:
        q = quotas.get(gid)
        if q is None or q < 0:
            errors.add(f"quota_{gid}", N_("Must be a whole number of at least 0."))
    return errors.list()


def _level_snapshot(level: PrizeLevel) -> dict:
    return {"min_score": level.min_score,
            "quotas": {q.genre.code: q.quota for q in sorted(level.quotas,
                                                             key=lambda q: q.genre.position)}}


def update_level(*, level: PrizeLevel, values: dict, actor: User) -> bool:
    """Change a prize level's minimum score and per-genre quotas; audit before/after.

    `values["quotas"]` maps genre id -> quota. Raises DomainError with problems.
    """
    genres = level.contest.genres
    errors = level_errors(values, [g.id for g in genres])
    if errors:
        raise DomainError(_("The prize level was not saved: correct the marked fields."),
                          problems=errors)
    before = _level_snapshot(level)
    level.min_score = values.get("min_score")
    existing = {q.genre_id: q for q in level.quotas}
    for genre in genres:
        quota = existing.get(genre.id)
        if quota is None:
            quota = PrizeQuota(genre=genre, quota=0)
            level.quotas.append(quota)
        quota.quota = values["quotas"][genre.id]
    after = _level_snapshot(level)
    if before == after:
        return False
    audit.record("prize_level.updated", actor=actor, contest=level.contest, obj=level,
                 before={"code": level.code, **before}, after={"code": level.code, **after})
    db.session.flush()
    return True
