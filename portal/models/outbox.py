"""The mail outbox: every message is a row written with the change that causes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class OutboxMail(db.Model):
    """One message to send. `sent_at` is set once, by the job whose claim delivered it.

    `dedupe_key`, when set, is unique: a reminder step (judge × round × "3d") can be
    queued at most once, whatever the number of ticks that see it due.
    """

    __tablename__ = "outbox_mails"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    contest_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contests.id"),
                                                         index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    to_address: so.Mapped[str] = so.mapped_column(sa.String(320))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    message_id: so.Mapped[str] = so.mapped_column(sa.String(200))
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    claimed_by: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    # "smtp" when a server accepted it, "log" when no MAIL_SERVER is set (development).
    sent_via: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    last_error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
