"""The audit log: a hash chain of every state change."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    contest_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    entry_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    object_id: so.Mapped[int | None]
    before: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # JSON
    after: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # JSON
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="")

    actor: so.Mapped[User | None] = so.relationship()  # noqa: F821
