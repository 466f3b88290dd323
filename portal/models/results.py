"""Prize decisions, forwarding to the national round and published snapshots."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Award(db.Model):
    """The organizer's decision for one entry: its prize level and whether it is forwarded."""

    __tablename__ = "awards"
    __table_args__ = (sa.UniqueConstraint("contest_id", "entry_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    proposed_level: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    level: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    change_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    forwarded: so.Mapped[bool] = so.mapped_column(default=False)
    forward_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    entry: so.Mapped[Entry] = so.relationship()  # noqa: F821


class ResultSnapshot(db.Model):
    """An immutable published version of an edition's results."""

    __tablename__ = "result_snapshots"
    __table_args__ = (sa.UniqueConstraint("contest_id", "version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    version: so.Mapped[int]
    published_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    published_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decision_number: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    decision_date: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    payload: so.Mapped[str] = so.mapped_column(sa.Text)  # canonical JSON
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    audit_head: so.Mapped[str] = so.mapped_column(sa.String(64), default="")


class NationalDossier(db.Model):
    """A province's dossier of works sent to the national award, imported into a national
    edition; its sha256 refuses importing the same dossier twice."""

    __tablename__ = "national_dossiers"
    __table_args__ = (sa.UniqueConstraint("contest_id", "sha256"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    province: so.Mapped[str] = so.mapped_column(sa.String(255))
    source_edition: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    decision_number: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    decision_key: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    works: so.Mapped[int] = so.mapped_column(default=0)
    imported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))


class CategoryAward(db.Model):
    """One recipient of a prize category: a work, an author, a unit or a person named in a
    work (``entry_id`` is the work, when there is one), with the council's reason."""

    __tablename__ = "prize_category_awards"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("prize_categories.id"),
                                                   index=True)
    entry_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    recipient_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    from_proposal: so.Mapped[bool] = so.mapped_column(default=False)
    position: so.Mapped[int] = so.mapped_column(default=0)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    category: so.Mapped[PrizeCategory] = so.relationship(back_populates="awards")  # noqa: F821
    entry: so.Mapped[Entry | None] = so.relationship()  # noqa: F821
