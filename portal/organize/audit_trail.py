"""The edition's audit page: filters, pages and its CSV."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.exports.cells import csv_bytes
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Contest,
    Entry,
    User,
    normalize_email,
)
from portal.organize.listing import PAGE_SIZE


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
