"""The audit trail: every state change writes a hash-chained event in the same transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from portal.models.types import utcnow

GENESIS = "0" * 64
_LOCK_KEY = 7_202_611  # PostgreSQL advisory lock that serialises appends to the chain


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical(data) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default)


def event_digest(event: AuditEvent) -> str:
    """sha256 over the event's content and the previous event's hash."""
    content = canonical(
        {
            # UTC with microseconds: the same text before and after a database round trip.
            "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": event.actor_id,
            "contest": event.contest_id,
            "entry": event.entry_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "before": event.before,
            "after": event.after,
            "prev": event.prev_hash,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def head_hash() -> str:
    last = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS


def record(action: str, *, actor=None, contest=None, entry=None, obj=None,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Append an event to the chain in the current transaction (flush, never commit)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    event = AuditEvent(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        contest_id=getattr(contest, "id", None) or getattr(entry, "contest_id", None),
        entry_id=getattr(entry, "id", None),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        before=canonical(before) if before is not None else "",
        after=canonical(after) if after is not None else "",
        prev_hash=head_hash(),
    )
    event.hash = event_digest(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order; return the count checked and the first break, if any."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not events:
            return checked, None
        for event in events:
            if event.prev_hash != prev:
                return checked, ChainBreak(event.id, "previous hash does not match")
            if event_digest(event) != event.hash:
                return checked, ChainBreak(event.id, "content does not match its hash")
            prev = event.hash
            checked += 1
            last_id = event.id
        db.session.expunge_all()
