"""The secretariat's operations: edition settings, structure, members, registry, screening."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import gettext as _

from judging.text import search_key
from portal import audit, clock
from portal.auth.services import close_all_sessions, grant_membership
from portal.errors import DomainError, NotAllowed
from portal.exports.cells import csv_bytes
from portal.extensions import db
from portal.files.services import same_content
from portal.mail import send_mail
from portal.models import (
    Assignment,
    AuditEvent,
    Contest,
    Entry,
    EntryAuthor,
    EntryFile,
    EntryPart,
    FileSlot,
    Genre,
    Membership,
    PrizeLevel,
    PrizeQuota,
    User,
    normalize_email,
)
from portal.organize.screening import ENTRY_OPTIONS
from portal.rounds.services import end_open_assignments

PAGE_SIZE = 50
MB = 1024 * 1024

# --------------------------------------------------------------------------- settings

SETTINGS_FIELDS = (
    "name", "name_en", "year", "number", "organizing_body", "province", "timezone",
    "ref_prefix", "publication_start", "publication_end", "submission_opens",
    "submission_closes", "per_author_cap", "max_authors", "max_parts", "status",
    "allow_quota_transfer", "special_prize_count", "release_averages",
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


def settings_errors(values: dict) -> dict[str, str]:
    """Field name -> translated message for every rule the settings break (empty = valid)."""
    errors: dict[str, str] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = _("The edition needs a name.")
    if not valid_timezone(values.get("timezone") or ""):
        errors["timezone"] = _("“%(tz)s” is not a known time zone; use a name such as "
                               "Asia/Ho_Chi_Minh.", tz=values.get("timezone") or "")
    if not REF_PREFIX_RE.match(values.get("ref_prefix") or ""):
        errors["ref_prefix"] = _("The reference prefix takes 1 to 20 capital letters, digits "
                                 "or hyphens, e.g. BLV2026.")
    year = values.get("year")
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = _("The year must be between 2000 and 2100.")
    for field in ("number", "per_author_cap", "max_authors", "max_parts"):
        if values.get(field) is None or values[field] < 1:
            errors[field] = _("Must be a whole number of at least 1.")
    if values.get("special_prize_count") is None or values["special_prize_count"] < 0:
        errors["special_prize_count"] = _("Must be a whole number of at least 0.")
    if values.get("status") not in Contest.STATUSES:
        errors["status"] = _("Choose one of the statuses in the list.")
    start, end = values.get("publication_start"), values.get("publication_end")
    if start and end and start > end:
        errors["publication_end"] = _("The publication window must end on or after it starts.")
    opens, closes = values.get("submission_opens"), values.get("submission_closes")
    if opens and closes and opens >= closes:
        errors["submission_closes"] = _("Submissions must close after they open.")
    for field in ("publication_start", "publication_end", "submission_opens",
                  "submission_closes"):
        if values.get(field) is None and field not in errors:
            errors[field] = _("This date is required.")
    return errors


def settings_snapshot(contest: Contest) -> dict:
    return {f: getattr(contest, f) for f in SETTINGS_FIELDS}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def update_settings(*, contest: Contest, values: dict, actor: User) -> bool:
    """Apply the edition settings; audit the changed fields. Returns False when nothing changed.

    Raises DomainError (with `problems` = [(field, message)]) when the values break a rule.
    """
    errors = settings_errors(values)
    if errors:
        raise DomainError(_("The settings were not saved: correct the marked fields."),
                          problems=list(errors.items()))
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


# --------------------------------------------------------------------------- structure

FORMAT_RE = re.compile(r"^[a-z0-9]{1,10}$")


def slot_errors(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    formats = [f.strip().lower().lstrip(".") for f in (values.get("formats") or "").split(",")]
    formats = [f for f in formats if f]
    if not formats or not all(FORMAT_RE.match(f) for f in formats):
        errors["formats"] = _("List file extensions separated by commas, e.g. pdf, jpg.")
    size = values.get("max_size_mb")
    if size is None or size <= 0:
        errors["max_size_mb"] = _("The maximum size must be more than 0 MB.")
    mn, mx = values.get("min_count"), values.get("max_count")
    if mn is None or mn < 0:
        errors["min_count"] = _("Must be a whole number of at least 0.")
    if mx is None or mx < 1:
        errors["max_count"] = _("Must be a whole number of at least 1.")
    elif mn is not None and mn > mx:
        errors["max_count"] = _("The maximum count must not be below the minimum count.")
    if values.get("required") and mn is not None and mn < 1 and "min_count" not in errors:
        errors["min_count"] = _("A required file kind needs a minimum count of at least 1.")
    return errors


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
                            "fields."), problems=list(errors.items()))
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


def level_errors(values: dict, genre_ids) -> dict[str, str]:
    errors: dict[str, str] = {}
    score = values.get("min_score")
    if score is not None and not Decimal(0) <= score <= Decimal(100):
        errors["min_score"] = _("The minimum score must be between 0 and 100, or empty.")
    quotas = values.get("quotas") or {}
    for gid in genre_ids:
        q = quotas.get(gid)
        if q is None or q < 0:
            errors[f"quota_{gid}"] = _("Must be a whole number of at least 0.")
    return errors


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
                          problems=list(errors.items()))
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


# --------------------------------------------------------------------------- members


def grant_role(*, contest: Contest, email: str, role: str, actor: User) -> Membership:
    """Give the account with this e-mail a role in the edition.

    Raises DomainError for an unknown e-mail, an unknown role, and (from
    portal.auth.services.grant_membership) a role already held or a user who is an
    author in the edition.
    """
    if role not in Membership.ROLES:
        raise DomainError(_("Choose organizer or judge."))
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise DomainError(_("No account uses the e-mail address %(email)s. Ask the person "
                            "to register first.", email=normalize_email(email)))
    return grant_membership(user=user, contest=contest, role=role, actor=actor)


def revoke_role(*, membership: Membership, actor: User,
                now: datetime | None = None) -> list[Assignment]:
    """Remove a role and end every session of its holder (they log in again with the rights
    they still have); refuses to remove the edition's last organizer (raises NotAllowed).

    Revoking a judge ends their open assignments (portal.rounds.services.
    end_open_assignments: recused, so each round lists them for replacement; submitted
    sheets stay) and returns those assignments; the judge's access ends with the role
    (portal.permissions.is_sitting_judge)."""
    contest = membership.contest
    ended: list[Assignment] = []
    if membership.role == Membership.ORGANIZER:
        organizers = db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
            Membership.contest_id == contest.id, Membership.role == Membership.ORGANIZER))
        if organizers <= 1:
            raise NotAllowed(_("The edition needs at least one organizer: grant the role to "
                               "someone else before removing this one."))
    if membership.role == Membership.JUDGE:
        ended = end_open_assignments(contest=contest, judge=membership.user,
                                     reason="judge role revoked", actor=actor)
    audit.record("membership.revoked", actor=actor, contest=contest, obj=membership,
                 before={"user": membership.user.email, "role": membership.role},
                 after={"assignments_ended": [a.id for a in ended]} if ended else None)
    close_all_sessions(membership.user, now=now or clock.now())
    db.session.delete(membership)
    db.session.flush()
    return ended


def members_of(contest: Contest) -> list[Membership]:
    return list(db.session.scalars(
        sa.select(Membership).where(Membership.contest_id == contest.id)
        .options(so.joinedload(Membership.user))
        .order_by(Membership.role.desc(), Membership.created_at, Membership.id)
    ))


# --------------------------------------------------------------------------- search text


def refresh_search_text(entry: Entry) -> str:
    """Recompute `entry.search_text`: reference, title, authors' names and pen names, outlets.

    Diacritic-free and casefolded (judging.text.search_key), so "nguyen van" finds
    "Nguyễn Văn". Only assigns when the value changes, so a clean entry stays clean.
    """
    pieces = [entry.reference or "", entry.title or ""]
    for author in entry.authors:
        pieces += [author.full_name or "", author.pen_name or "", author.workplace or ""]
    for part in entry.parts:
        pieces += [part.outlet or ""]
    text = " | ".join(search_key(p) for p in pieces if p and p.strip())
    if entry.search_text != text:
        entry.search_text = text
    return text


def _before_flush(session, flush_context, instances) -> None:
    entries: dict[int, Entry] = {}
    for obj in list(session.new) + list(session.dirty):
        target = obj if isinstance(obj, Entry) else None
        if isinstance(obj, EntryAuthor | EntryPart):
            target = obj.entry
        if target is not None and target not in session.deleted:
            entries[id(target)] = target
    for entry in entries.values():
        refresh_search_text(entry)


def install_search_text_listener() -> None:
    """Keep Entry.search_text current on every flush, whoever edits the entry."""
    if not sa.event.contains(so.Session, "before_flush", _before_flush):
        sa.event.listen(so.Session, "before_flush", _before_flush)


# --------------------------------------------------------------------------- registry


@dataclass
class RegistryFilter:
    genre: str = ""
    status: str = ""
    eligibility: str = ""
    outlet: str = ""
    q: str = ""
    include_drafts: bool = False


def registry_select(contest: Contest, f: RegistryFilter) -> sa.Select:
    stmt = sa.select(Entry).where(Entry.contest_id == contest.id)
    if f.status:
        stmt = stmt.where(Entry.status == f.status)
    elif f.include_drafts:
        stmt = stmt.where(Entry.status != Entry.DELETED)
    else:
        stmt = stmt.where(Entry.status.not_in((Entry.DRAFT, Entry.DELETED)))
    if f.genre:
        stmt = stmt.where(Entry.genre_id.in_(
            sa.select(Genre.id).where(Genre.contest_id == contest.id, Genre.code == f.genre)))
    if f.eligibility:
        stmt = stmt.where(Entry.eligibility == f.eligibility)
    if f.outlet:
        stmt = stmt.where(
            sa.exists().where(EntryPart.entry_id == Entry.id, EntryPart.outlet == f.outlet)
        )
    key = search_key(f.q or "")
    if key:
        stmt = stmt.where(Entry.search_text.contains(key, autoescape=True))
    return stmt


def _ordered(stmt: sa.Select) -> sa.Select:
    return stmt.order_by(Entry.reference.is_(None), Entry.reference, Entry.id)


def _with_details(stmt: sa.Select) -> sa.Select:
    return stmt.options(so.selectinload(Entry.authors), so.selectinload(Entry.parts),
                        so.joinedload(Entry.genre))


def registry_page(contest: Contest, f: RegistryFilter, page: int) -> tuple[list[Entry], int]:
    """One page (PAGE_SIZE) of the filtered registry and the total count."""
    stmt = registry_select(contest, f)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        _with_details(_ordered(stmt)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).unique().all()
    return list(rows), total


def registry_all(contest: Contest, f: RegistryFilter) -> list[Entry]:
    return list(db.session.scalars(_with_details(_ordered(registry_select(contest, f))))
                .unique().all())


def outlets_of(contest: Contest) -> list[str]:
    return list(db.session.scalars(
        sa.select(EntryPart.outlet).join(Entry).where(Entry.contest_id == contest.id,
                                                      EntryPart.outlet != "")
        .distinct().order_by(EntryPart.outlet)
    ))


def verified_file_counts(entry_ids) -> dict[int, int]:
    if not entry_ids:
        return {}
    rows = db.session.execute(
        sa.select(EntryFile.entry_id, sa.func.count(EntryFile.id))
        .where(EntryFile.entry_id.in_(entry_ids), EntryFile.status == EntryFile.VERIFIED)
        .group_by(EntryFile.entry_id)
    )
    return {eid: n for eid, n in rows}


def duplicate_files(contest: Contest, entry_ids) -> dict[int, list[str]]:
    """Entry id -> references of OTHER entries of the edition holding a verified identical file.

    A file is a duplicate when it holds the same content as a verified file of another
    entry in the same edition: equal sha256, or equal store ETag and size while one of
    them has no sha256 yet (portal.files.services.same_content). One query whatever the
    number of entries.
    """
    if not entry_ids:
        return {}
    mine, other = so.aliased(EntryFile), so.aliased(EntryFile)
    other_entry = so.aliased(Entry)
    rows = db.session.execute(
        sa.select(mine.entry_id, other_entry.reference, other_entry.id)
        .join(other, sa.and_(same_content(mine, other), other.entry_id != mine.entry_id,
                             other.status == EntryFile.VERIFIED))
        .join(other_entry, other_entry.id == other.entry_id)
        .where(mine.entry_id.in_(entry_ids), mine.status == EntryFile.VERIFIED,
               other_entry.contest_id == contest.id)
        .distinct()
    )
    out: dict[int, set[str]] = defaultdict(set)
    for eid, ref, oid in rows:
        out[eid].add(ref or f"#{oid}")
    return {eid: sorted(refs) for eid, refs in out.items()}


def form_label(entry: Entry) -> str:
    """The published "form" of a work: "Loạt bài 3 kỳ" for a series, "Tác phẩm đơn" otherwise."""
    if entry.form == Entry.SERIES or entry.parts_count > 1:
        return f"{entry.genre.series_word_vi} {entry.parts_count} {entry.genre.part_word_vi}"
    return _("Single work")


def agencies(entry: Entry) -> str:
    return ", ".join(dict.fromkeys(p.outlet for p in entry.parts if p.outlet))


# Column headers and values of the CSV exports are Vietnamese whatever the UI language:
# the secretariat files and prints them.
STATUS_VI = {Entry.DRAFT: "Bản nháp", Entry.SUBMITTED: "Đã nộp", Entry.WITHDRAWN: "Đã rút",
             Entry.DELETED: "Đã xóa"}
ELIGIBILITY_VI = {Entry.PENDING: "Chờ thẩm định", Entry.ELIGIBLE: "Hợp lệ",
                  Entry.INELIGIBLE: "Không hợp lệ"}
REGISTRY_COLUMNS = (
    "Mã tác phẩm", "Tên tác phẩm", "Loại hình", "Hình thức", "Cơ quan báo chí", "Trạng thái",
    "Thẩm định", "Lý do", "Ngày nộp", "Số tệp đã xác minh", "Trùng tệp với", "Họ và tên tác giả",
    "Bút danh", "Năm sinh", "Chức danh", "Nơi công tác", "Điện thoại", "Email",
)


def registry_csv(contest: Contest, entries: list[Entry]) -> bytes:
    """The registry as CSV: UTF-8 with BOM (so Excel shows Vietnamese), one row per entry,
    several authors joined with "; " in each author column. Organizers only: personal data."""
    ids = [e.id for e in entries]
    counts, dups = verified_file_counts(ids), duplicate_files(contest, ids)

    def authors(entry, attr):
        return "; ".join("" if getattr(a, attr) is None else str(getattr(a, attr))
                         for a in entry.authors)

    rows = []
    for e in entries:
        submitted = (e.submitted_at.astimezone(ZoneInfo(contest.timezone))
                     .strftime("%H:%M %d/%m/%Y") if e.submitted_at else "")
        series = e.form == Entry.SERIES or e.parts_count > 1
        form = (f"{e.genre.series_word_vi} {e.parts_count} {e.genre.part_word_vi}" if series
                else "Tác phẩm đơn")
        rows.append([
            e.reference or "", e.title, e.genre.name_vi, form, agencies(e),
            STATUS_VI.get(e.status, e.status), ELIGIBILITY_VI.get(e.eligibility, e.eligibility),
            e.eligibility_reason, submitted, counts.get(e.id, 0), ", ".join(dups.get(e.id, [])),
            authors(e, "full_name"), authors(e, "pen_name"), authors(e, "year_of_birth"),
            authors(e, "title"), authors(e, "workplace"), authors(e, "phone"),
            authors(e, "email"),
        ])
    return csv_bytes(REGISTRY_COLUMNS, rows)


# --------------------------------------------------------------------------- screening

RULINGS = (Entry.ELIGIBLE, Entry.INELIGIBLE)


def screening_open(contest: Contest, now: datetime) -> bool:
    """Entries may be ruled once the submission window has closed."""
    return now >= contest.submission_closes


def screening_select(contest: Contest, eligibility: str = "") -> sa.Select:
    stmt = sa.select(Entry).where(Entry.contest_id == contest.id,
                                  Entry.status == Entry.SUBMITTED)
    if eligibility:
        stmt = stmt.where(Entry.eligibility == eligibility)
    return stmt


def screening_page(contest: Contest, eligibility: str, page: int) -> tuple[list[Entry], int]:
    stmt = screening_select(contest, eligibility)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        _ordered(stmt).options(*ENTRY_OPTIONS)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).unique().all()
    return list(rows), total


def rule_entries(*, entries, ruling: str, reason: str, actor: User, now: datetime) -> list[Entry]:
    """Rule submitted entries eligible or ineligible, auditing each change before/after.

    A reason is required for "ineligible" and for changing an earlier ruling. Returns the
    entries whose ruling or reason changed (the ones to notify). Raises DomainError before
    submissions close, for a draft or withdrawn entry, a missing reason, or no entry.
    """
    entries = list(entries)
    reason = (reason or "").strip()
    if not entries:
        raise DomainError(_("Select at least one entry."))
    if ruling not in RULINGS:
        raise DomainError(_("Choose eligible or ineligible."))
    contests = {e.contest_id for e in entries}
    if len(contests) != 1:
        raise DomainError(_("The entries belong to different editions."))
    contest = entries[0].contest
    if not screening_open(contest, now):
        raise DomainError(_("Screening starts when submissions close (%(time)s).",
                            time=contest.submission_closes.astimezone(ZoneInfo(contest.timezone))
                            .strftime("%H:%M %d/%m/%Y")))
    not_submitted = [e for e in entries if e.status != Entry.SUBMITTED]
    if not_submitted:
        raise DomainError(_("Only submitted entries can be screened; %(titles)s is a draft or "
                            "was withdrawn.",
                            titles=", ".join(f"“{e.title}”" for e in not_submitted)))
    if ruling == Entry.INELIGIBLE and not reason:
        raise DomainError(_("Give the reason why the entry is ineligible; the entrant will "
                            "read it."))
    changing = [e for e in entries if e.eligibility not in (Entry.PENDING, ruling)]
    if changing and not reason:
        raise DomainError(_("Give the reason for changing the earlier ruling of %(refs)s.",
                            refs=", ".join(e.reference or e.title for e in changing)))
    changed = []
    for entry in entries:
        if entry.eligibility == ruling and entry.eligibility_reason == reason:
            continue
        before = {"eligibility": entry.eligibility, "reason": entry.eligibility_reason}
        entry.eligibility = ruling
        entry.eligibility_reason = reason
        entry.ruled_at = now
        entry.ruled_by_id = actor.id
        audit.record("entry.ruled", actor=actor, entry=entry, obj=entry, before=before,
                     after={"eligibility": ruling, "reason": reason})
        changed.append(entry)
    db.session.flush()
    return changed


def ruling_mail(entry: Entry) -> tuple[str, str, str]:
    """(recipient, subject, body) telling the entrant the ruling, in their language."""
    owner = entry.owner
    with force_locale(owner.locale or "vi"):
        verdict = (_("eligible") if entry.eligibility == Entry.ELIGIBLE else _("ineligible"))
        subject = _("Screening result for your entry %(ref)s", ref=entry.reference or "")
        body = _("Dear %(name)s,\n\nThe secretariat of %(contest)s has screened your entry "
                 "“%(title)s” (%(ref)s): it is %(verdict)s.", name=owner.full_name,
                 contest=entry.contest.name, title=entry.title, ref=entry.reference or "",
                 verdict=verdict)
        if entry.eligibility_reason:
            body += "\n" + _("Reason: %(reason)s", reason=entry.eligibility_reason)
        body += "\n\n" + _("You can see the ruling on your dashboard in the portal.")
    return owner.email, str(subject), str(body)


def notify_rulings(entries) -> int:
    """E-mail each entrant their entry's ruling (after the commit). Returns mails accepted.

    portal.mail.send_mail never raises; without MAIL_SERVER it logs the message."""
    sent = 0
    for entry in entries:
        to, subject, body = ruling_mail(entry)
        sent += bool(send_mail(to, subject, body))
    return sent


# --------------------------------------------------------------------------- audit page


@dataclass
class AuditFilter:
    entry: str = ""
    actor: str = ""
    action: str = ""


def audit_select(contest: Contest, f: AuditFilter) -> sa.Select:
    stmt = sa.select(AuditEvent).where(AuditEvent.contest_id == contest.id)
    if f.entry:
        stmt = stmt.where(AuditEvent.entry_id.in_(
            sa.select(Entry.id).where(Entry.contest_id == contest.id,
                                      Entry.reference == f.entry.strip().upper())))
    if f.actor:
        stmt = stmt.where(AuditEvent.actor_id.in_(
            sa.select(User.id).where(User.email == normalize_email(f.actor))))
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    return stmt


def _audit_options(stmt):
    return stmt.options(so.joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())


def audit_page(contest: Contest, f: AuditFilter, page: int):
    stmt = audit_select(contest, f)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(_audit_options(stmt).limit(PAGE_SIZE)
                              .offset((page - 1) * PAGE_SIZE)).all()
    return list(rows), total


def audit_actions(contest: Contest) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.contest_id == contest.id)
        .distinct().order_by(AuditEvent.action)))


def entry_references(entry_ids) -> dict[int, str]:
    ids = [i for i in set(entry_ids) if i is not None]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Entry.id, Entry.reference).where(Entry.id.in_(ids)))
    return {i: ref or f"#{i}" for i, ref in rows}


AUDIT_COLUMNS = ("Số sự kiện", "Thời điểm", "Người thực hiện", "Hành động", "Tác phẩm",
                 "Đối tượng", "Trước", "Sau", "Mã băm")


def audit_csv(contest: Contest, f: AuditFilter) -> bytes:
    events = db.session.scalars(_audit_options(audit_select(contest, f))).all()
    refs = entry_references(e.entry_id for e in events)
    tz = ZoneInfo(contest.timezone)
    rows = [[
        ev.id, ev.at.astimezone(tz).strftime("%H:%M:%S %d/%m/%Y"),
        ev.actor.email if ev.actor else "", ev.action, refs.get(ev.entry_id, ""),
        f"{ev.object_type} {ev.object_id or ''}".strip(), ev.before, ev.after, ev.hash,
    ] for ev in events]
    return csv_bytes(AUDIT_COLUMNS, rows)


# --------------------------------------------------------------------------- home


def dashboard_counts(contest_ids) -> dict[int, dict[str, int]]:
    """Per edition: drafts, submitted, eligible, ineligible, pending (one query)."""
    out = {cid: {"drafts": 0, "submitted": 0, "eligible": 0, "ineligible": 0, "pending": 0}
           for cid in contest_ids}
    if not contest_ids:
        return out
    rows = db.session.execute(
        sa.select(Entry.contest_id, Entry.status, Entry.eligibility, sa.func.count(Entry.id))
        .where(Entry.contest_id.in_(contest_ids))
        .group_by(Entry.contest_id, Entry.status, Entry.eligibility)
    )
    for cid, status, eligibility, n in rows:
        c = out[cid]
        if status == Entry.DRAFT:
            c["drafts"] += n
        elif status == Entry.SUBMITTED:
            c["submitted"] += n
            c[eligibility] = c.get(eligibility, 0) + n
    return out
