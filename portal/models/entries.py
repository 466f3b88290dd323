"""Entries (tác phẩm dự thi), their parts, authors and files."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Entry(db.Model):
    __tablename__ = "entries"
    __table_args__ = (sa.UniqueConstraint("contest_id", "genre_id", "seq"),)

    DRAFT, SUBMITTED, WITHDRAWN = "draft", "submitted", "withdrawn"
    # A draft its owner deleted: kept (hidden) because audit events point at it.
    DELETED = "deleted"
    PENDING, ELIGIBLE, INELIGIBLE = "pending", "eligible", "ineligible"
    SINGLE, SERIES = "single", "series"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    genre_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("genres.id"), index=True)
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    form: so.Mapped[str] = so.mapped_column(sa.String(10), default=SINGLE)
    parts_count: so.Mapped[int] = so.mapped_column(default=1)
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    language: so.Mapped[str] = so.mapped_column(sa.String(60), default="Tiếng Việt")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=DRAFT, index=True)
    reference: so.Mapped[str | None] = so.mapped_column(sa.String(40), unique=True)
    seq: so.Mapped[int | None]
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    eligibility: so.Mapped[str] = so.mapped_column(sa.String(20), default=PENDING, index=True)
    eligibility_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    ruled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    ruled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    prior_prize: so.Mapped[bool] = so.mapped_column(default=False)
    prior_prize_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    prior_prize_level: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    prior_prize_giver: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    not_national_award: so.Mapped[bool] = so.mapped_column(default=False)
    accepted_rules: so.Mapped[bool] = so.mapped_column(default=False)
    # An entry imported from a province's dossier into a national edition: the province
    # that sent it, its reference there and the dossier it came in.
    sent_by: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    source_reference: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    national_dossier_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("national_dossiers.id"), index=True)
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # diacritic-free
    # The agency (from the edition's list) that sends the entry, its focal point's
    # confirmation, and the dossier it went in.
    agency_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agencies.id"),
                                                        index=True)
    agency_confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    agency_confirmed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    dossier_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agency_dossiers.id"),
                                                         index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    contest: so.Mapped[Contest] = so.relationship()  # noqa: F821
    genre: so.Mapped[Genre] = so.relationship()  # noqa: F821
    owner: so.Mapped[User] = so.relationship(foreign_keys=[owner_id])  # noqa: F821
    agency: so.Mapped[Agency | None] = so.relationship()  # noqa: F821
    dossier: so.Mapped[AgencyDossier | None] = so.relationship(  # noqa: F821
        back_populates="entries")
    parts: so.Mapped[list[EntryPart]] = so.relationship(
        back_populates="entry", order_by="EntryPart.number", cascade="all, delete-orphan"
    )
    authors: so.Mapped[list[EntryAuthor]] = so.relationship(
        back_populates="entry", order_by="EntryAuthor.position", cascade="all, delete-orphan"
    )
    files: so.Mapped[list[EntryFile]] = so.relationship(
        back_populates="entry", order_by="EntryFile.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.reference or self.status}>"


class EntryPart(db.Model):
    """One part (kỳ) of a work; a single work has one part."""

    __tablename__ = "entry_parts"
    __table_args__ = (sa.UniqueConstraint("entry_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    number: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    published_on: so.Mapped[date | None]
    outlet: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    section: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    url: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")

    entry: so.Mapped[Entry] = so.relationship(back_populates="parts")


class EntryAuthor(db.Model):
    """A named author of an entry; personal data is for organizers only."""

    __tablename__ = "entry_authors"

    LEAD, CO = "lead", "co"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    pen_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    year_of_birth: so.Mapped[int | None]
    workplace: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(30), default="")
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    role: so.Mapped[str] = so.mapped_column(sa.String(10), default=CO)
    # user_id names the confirmed account the owner invited by email; the co-author is
    # linked to the entry only once they accepted. Only the owner changes files, unless
    # the owner gave this co-author the right.
    accepted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    declined_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    can_manage_files: so.Mapped[bool] = so.mapped_column(default=False)
    # This author's percentage of the work's prize money when the group split it unequally;
    # None for everyone means an equal split (judging.prizes.split_prize).
    prize_share: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(5, 2))

    entry: so.Mapped[Entry] = so.relationship(back_populates="authors")

    @property
    def linked(self) -> bool:
        """An account the owner named and that accepted."""
        return self.user_id is not None and self.accepted_at is not None

    @property
    def invitation_pending(self) -> bool:
        return self.user_id is not None and self.accepted_at is None and self.declined_at is None

    @property
    def display_name(self) -> str:
        return self.pen_name or self.full_name


class EntryFile(db.Model):
    """A file of an entry, stored under a generated key; the user's filename is display only."""

    __tablename__ = "entry_files"

    UPLOADING, VERIFIED, REJECTED = "uploading", "verified", "rejected"
    # Arrived, and being verified by a job (files over VERIFY_INLINE_MAX): the entry cannot
    # be submitted until it is verified or rejected.
    CHECKING = "checking"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    slot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("file_slots.id"), index=True)
    part_number: so.Mapped[int | None]
    key: so.Mapped[str] = so.mapped_column(sa.String(300), unique=True)
    upload_id: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    original_filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    declared_type: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    size: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    declared_size: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    # The store's checksum (S3: multipart ETag); identifies content between uploads made
    # with the same part size, so duplicates are found before sha256 is known.
    etag: so.Mapped[str | None] = so.mapped_column(sa.String(100), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=UPLOADING, index=True)
    reject_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    page_count: so.Mapped[int | None]
    duration_seconds: so.Mapped[float | None]
    width: so.Mapped[int | None]
    height: so.Mapped[int | None]
    caption: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    verified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    entry: so.Mapped[Entry] = so.relationship(back_populates="files")
    slot: so.Mapped[FileSlot] = so.relationship()  # noqa: F821


class ReferenceCounter(db.Model):
    """The next sequence number per edition and genre, taken under a row lock."""

    __tablename__ = "reference_counters"
    __table_args__ = (sa.UniqueConstraint("contest_id", "genre_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"))
    genre_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("genres.id"))
    next_seq: so.Mapped[int] = so.mapped_column(default=1)
