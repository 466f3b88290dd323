"""Editions of the award with their genres, file slots and prize levels."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Contest(db.Model):
    """One edition: one year's provincial round."""

    __tablename__ = "contests"

    DRAFT, OPEN, CLOSED, JUDGING, PUBLISHED = "draft", "open", "closed", "judging", "published"
    STATUSES = (DRAFT, OPEN, CLOSED, JUDGING, PUBLISHED)
    # How entries reach the secretariat: each entrant submits, agencies send dossiers, or both.
    ROUTE_INDIVIDUAL, ROUTE_AGENCY, ROUTE_BOTH = "individual", "agency", "both"
    ROUTES = (ROUTE_INDIVIDUAL, ROUTE_AGENCY, ROUTE_BOTH)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True, index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    year: so.Mapped[int]
    number: so.Mapped[int] = so.mapped_column(default=1)
    organizing_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    province: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    timezone: so.Mapped[str] = so.mapped_column(sa.String(60), default="Asia/Ho_Chi_Minh")
    ref_prefix: so.Mapped[str] = so.mapped_column(sa.String(20))
    publication_start: so.Mapped[date]
    publication_end: so.Mapped[date]
    submission_opens: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    submission_closes: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    per_author_cap: so.Mapped[int] = so.mapped_column(default=2)
    max_authors: so.Mapped[int] = so.mapped_column(default=5)
    max_parts: so.Mapped[int] = so.mapped_column(default=5)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=DRAFT)
    rules_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    entry_routes: so.Mapped[str] = so.mapped_column(sa.String(20), default=ROUTE_BOTH)
    allow_quota_transfer: so.Mapped[bool] = so.mapped_column(default=False)
    special_prize_count: so.Mapped[int] = so.mapped_column(default=0)
    release_averages: so.Mapped[bool] = so.mapped_column(default=False)
    decision_number: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    decision_date: so.Mapped[date | None]
    # Works sent "tham dự Giải toàn quốc" are a selection of any size; some provinces want
    # the reason for each one written down.
    national_reason_required: so.Mapped[bool] = so.mapped_column(default=False)
    # The decision and its annex are Party documents: the body that issues them (top left,
    # one line per "/" or line break, e.g. "TỈNH ỦY HÀ TĨNH / BAN THƯỜNG VỤ") and the place
    # on the date line ("Hà Tĩnh, ngày … tháng … năm …").
    issuing_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    document_place: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    # How public lists and the annex print authors: judging.prizes.NAME_STYLES.
    name_style: so.Mapped[str] = so.mapped_column(sa.String(10), default="pen")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    genres: so.Mapped[list[Genre]] = so.relationship(
        back_populates="contest", order_by="Genre.position", cascade="all, delete-orphan"
    )
    prize_levels: so.Mapped[list[PrizeLevel]] = so.relationship(
        back_populates="contest", order_by="PrizeLevel.position", cascade="all, delete-orphan"
    )
    prize_categories: so.Mapped[list[PrizeCategory]] = so.relationship(
        back_populates="contest", order_by="PrizeCategory.position", cascade="all, delete-orphan"
    )
    memberships: so.Mapped[list[Membership]] = so.relationship(  # noqa: F821
        back_populates="contest", cascade="all, delete-orphan"
    )
    agencies: so.Mapped[list[Agency]] = so.relationship(  # noqa: F821
        order_by="Agency.name", viewonly=True
    )

    @property
    def individual_route_open(self) -> bool:
        return self.entry_routes in (self.ROUTE_INDIVIDUAL, self.ROUTE_BOTH)

    @property
    def agency_route_open(self) -> bool:
        return self.entry_routes in (self.ROUTE_AGENCY, self.ROUTE_BOTH)

    def __repr__(self) -> str:
        return f"<Contest {self.slug}>"

    @property
    def issuing_lines(self) -> list[str]:
        """The issuing body's lines (the organizing body when none is set)."""
        text = (self.issuing_body or self.organizing_body or "").replace(" / ", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


class Genre(db.Model):
    """A genre (loại hình) of one edition."""

    __tablename__ = "genres"
    __table_args__ = (sa.UniqueConstraint("contest_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(10))
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)
    requires_url: so.Mapped[bool] = so.mapped_column(default=False)
    # Word used for one part in the published "form", e.g. "Phóng sự 5 kỳ", "Chùm ảnh 6 ảnh".
    series_word_vi: so.Mapped[str] = so.mapped_column(sa.String(60), default="Loạt bài")
    part_word_vi: so.Mapped[str] = so.mapped_column(sa.String(30), default="kỳ")

    contest: so.Mapped[Contest] = so.relationship(back_populates="genres")
    slots: so.Mapped[list[FileSlot]] = so.relationship(
        back_populates="genre", order_by="FileSlot.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Genre {self.code}>"


class FileSlot(db.Model):
    """A kind of file a genre needs: the work per part, a script, a confirmation…"""

    __tablename__ = "file_slots"
    __table_args__ = (sa.UniqueConstraint("genre_id", "kind"),)

    KINDS = ("work", "script", "photo", "capture", "confirmation", "translation")
    # What a judge may list and download. Anything else (the press agency's confirmation
    # letter, which names the agency and the author) is for the secretariat only; a kind
    # added to KINDS stays hidden from judges until it is listed here.
    JUDGE_VISIBLE_KINDS = frozenset({"work", "script", "photo", "capture", "translation"})

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    genre_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("genres.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    label_vi: so.Mapped[str] = so.mapped_column(sa.String(120))
    label_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    formats: so.Mapped[str] = so.mapped_column(sa.String(120))  # comma-separated: "pdf,jpg"
    max_size: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    min_count: so.Mapped[int] = so.mapped_column(default=0)
    max_count: so.Mapped[int] = so.mapped_column(default=1)
    required: so.Mapped[bool] = so.mapped_column(default=False)
    per_part: so.Mapped[bool] = so.mapped_column(default=False)
    position: so.Mapped[int] = so.mapped_column(default=0)

    genre: so.Mapped[Genre] = so.relationship(back_populates="slots")

    @property
    def visible_to_judges(self) -> bool:
        """Whether judges may see files of this slot (JUDGE_VISIBLE_KINDS)."""
        return self.kind in self.JUDGE_VISIBLE_KINDS

    @property
    def format_list(self) -> tuple[str, ...]:
        return tuple(f.strip().lower() for f in self.formats.split(",") if f.strip())


class PrizeLevel(db.Model):
    """A prize level (mức giải): special, A, B, C, encouragement."""

    __tablename__ = "prize_levels"
    __table_args__ = (sa.UniqueConstraint("contest_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(10))
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(60))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(60))
    position: so.Mapped[int] = so.mapped_column(default=0)
    is_special: so.Mapped[bool] = so.mapped_column(default=False)
    min_score: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(7, 2))
    amount_vnd: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    contest: so.Mapped[Contest] = so.relationship(back_populates="prize_levels")
    quotas: so.Mapped[list[PrizeQuota]] = so.relationship(
        back_populates="level", cascade="all, delete-orphan"
    )


class PrizeQuota(db.Model):
    """How many prizes of one level a genre may receive."""

    __tablename__ = "prize_quotas"
    __table_args__ = (sa.UniqueConstraint("level_id", "genre_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    level_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("prize_levels.id"), index=True)
    genre_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("genres.id"), index=True)
    quota: so.Mapped[int] = so.mapped_column(default=0)

    level: so.Mapped[PrizeLevel] = so.relationship(back_populates="quotas")
    genre: so.Mapped[Genre] = so.relationship()


class PrizeCategory(db.Model):
    """A prize beside the levels: thematic, oldest/youngest author, collective, featured
    person. Proposed from the ranking by ``rule`` (judging.prizes.CATEGORY_RULES) or chosen by
    the council with a reason."""

    __tablename__ = "prize_categories"
    __table_args__ = (sa.UniqueConstraint("contest_id", "code"),)

    WORK, AUTHOR, UNIT, PERSON = "work", "author", "unit", "person"
    RECIPIENTS = (WORK, AUTHOR, UNIT, PERSON)
    RANKING, COUNCIL = "ranking", "council"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    recipient: so.Mapped[str] = so.mapped_column(sa.String(10), default=WORK)
    count: so.Mapped[int] = so.mapped_column(default=1)
    decided_by: so.Mapped[str] = so.mapped_column(sa.String(10), default=COUNCIL)
    rule: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    amount_vnd: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    contest: so.Mapped[Contest] = so.relationship(back_populates="prize_categories")
    awards: so.Mapped[list[CategoryAward]] = so.relationship(  # noqa: F821
        back_populates="category", order_by="CategoryAward.position",
        cascade="all, delete-orphan"
    )
