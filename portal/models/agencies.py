"""Press agencies and other sending units of an edition, their focal points and dossiers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Agency(db.Model):
    """A press agency or sending unit (cơ quan, đơn vị gửi tác phẩm) on an edition's list.

    ``name_key`` is the name without case, diacritics or spacing (judging.text.search_key),
    unique per edition, so "Báo Hà Tĩnh" and "BAO HA TINH" are one agency.
    """

    __tablename__ = "agencies"
    __table_args__ = (sa.UniqueConstraint("contest_id", "name_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    name_key: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    contest: so.Mapped[Contest] = so.relationship()  # noqa: F821
    focal_points: so.Mapped[list[AgencyFocalPoint]] = so.relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyFocalPoint.id"
    )

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name}>"


class AgencyFocalPoint(db.Model):
    """An account acting for an agency (đầu mối cơ quan): sees, confirms and sends its
    journalists' entries. Not a Membership: a focal point is not staff and may enter."""

    __tablename__ = "agency_focal_points"
    __table_args__ = (sa.UniqueConstraint("agency_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agencies.id"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    agency: so.Mapped[Agency] = so.relationship(back_populates="focal_points")
    user: so.Mapped[User] = so.relationship()  # noqa: F821


class AgencyDossier(db.Model):
    """One dossier an agency sent: the entries it confirmed, submitted together."""

    __tablename__ = "agency_dossiers"
    __table_args__ = (sa.UniqueConstraint("agency_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agencies.id"), index=True)
    number: so.Mapped[int] = so.mapped_column(default=1)
    submitted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    submitted_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))

    agency: so.Mapped[Agency] = so.relationship()
    submitted_by: so.Mapped[User] = so.relationship()  # noqa: F821
    entries: so.Mapped[list[Entry]] = so.relationship(  # noqa: F821
        back_populates="dossier", order_by="Entry.reference"
    )

    @property
    def label(self) -> str:
        return f"{self.agency_id}-{self.number}"
