"""Rounds, rubrics, panels, assignments and score sheets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Round(db.Model):
    """A judging round (vòng sơ khảo, vòng chung khảo) with its own rubric."""

    __tablename__ = "rounds"
    __table_args__ = (sa.UniqueConstraint("contest_id", "position"),)

    DRAFT, OPEN, CLOSED = "draft", "open", "closed"
    AGGREGATIONS = ("mean", "trimmed_mean", "median", "zscore")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=1)
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    opens_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    closes_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=DRAFT)
    judges_per_entry: so.Mapped[int] = so.mapped_column(default=3)
    blind: so.Mapped[bool] = so.mapped_column(default=True)
    aggregation: so.Mapped[str] = so.mapped_column(sa.String(20), default="mean")
    trim_min_sheets: so.Mapped[int] = so.mapped_column(default=5)
    disagreement_threshold: so.Mapped[Decimal] = so.mapped_column(
        sa.Numeric(7, 2), default=Decimal("20")
    )
    advance_rule: so.Mapped[str] = so.mapped_column(sa.String(20), default="top_n")
    advance_value: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(7, 2), default=Decimal("5"))
    # Criterion codes, comma-separated, that break ties in ranking: a higher mean value on the
    # first code wins, then the next.  Empty means ties stay ties.
    tiebreak_criteria: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    contest: so.Mapped[Contest] = so.relationship()  # noqa: F821
    criteria: so.Mapped[list[Criterion]] = so.relationship(
        back_populates="round", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    panels: so.Mapped[list[Panel]] = so.relationship(
        back_populates="round", order_by="Panel.position", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    """One criterion of a round's rubric (tiêu chí chấm điểm)."""

    __tablename__ = "criteria"
    __table_args__ = (sa.UniqueConstraint("round_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    code: so.Mapped[str] = so.mapped_column(sa.String(30))
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(255))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(255))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    max_score: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(7, 2))
    step: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(4, 2), default=Decimal("1"))
    weight: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(5, 2), default=Decimal("1"))

    round: so.Mapped[Round] = so.relationship(back_populates="criteria")


panel_genres = sa.Table(
    "panel_genres",
    db.metadata,
    sa.Column("panel_id", sa.ForeignKey("panels.id"), primary_key=True),
    sa.Column("genre_id", sa.ForeignKey("genres.id"), primary_key=True),
)

panel_judges = sa.Table(
    "panel_judges",
    db.metadata,
    sa.Column("panel_id", sa.ForeignKey("panels.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class Panel(db.Model):
    """A judging panel (tiểu ban) covering one or more genres."""

    __tablename__ = "panels"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))

    round: so.Mapped[Round] = so.relationship(back_populates="panels")
    genres: so.Mapped[list[Genre]] = so.relationship(secondary=panel_genres)  # noqa: F821
    judges: so.Mapped[list[User]] = so.relationship(secondary=panel_judges)  # noqa: F821


class RoundEntry(db.Model):
    """An entry taking part in a round."""

    __tablename__ = "round_entries"
    __table_args__ = (sa.UniqueConstraint("round_id", "entry_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    accepted_incomplete_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    advance_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    round: so.Mapped[Round] = so.relationship()
    entry: so.Mapped[Entry] = so.relationship()  # noqa: F821


class Assignment(db.Model):
    """A judge's duty to score one entry in one round."""

    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("round_id", "entry_id", "judge_id"),)

    ACTIVE, RECUSED = "active", "recused"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    judge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=ACTIVE)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    round: so.Mapped[Round] = so.relationship()
    entry: so.Mapped[Entry] = so.relationship()  # noqa: F821
    judge: so.Mapped[User] = so.relationship()  # noqa: F821
    sheet: so.Mapped[ScoreSheet | None] = so.relationship(
        back_populates="assignment", uselist=False, cascade="all, delete-orphan"
    )


class ConflictDeclaration(db.Model):
    """A judge's own declaration of a conflict of interest with an entry."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (sa.UniqueConstraint("judge_id", "entry_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    judge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("entries.id"), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ScoreSheet(db.Model):
    """A judge's score sheet (phiếu chấm điểm) for one assignment."""

    __tablename__ = "score_sheets"

    DRAFT, SUBMITTED = "draft", "submitted"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    assignment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("assignments.id"), unique=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=DRAFT, index=True)
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    total: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(9, 2))
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    assignment: so.Mapped[Assignment] = so.relationship(back_populates="sheet")
    scores: so.Mapped[list[Score]] = so.relationship(
        back_populates="sheet", cascade="all, delete-orphan"
    )


class Score(db.Model):
    """One criterion's value on one score sheet."""

    __tablename__ = "scores"
    __table_args__ = (sa.UniqueConstraint("sheet_id", "criterion_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sheet_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("score_sheets.id"), index=True)
    criterion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("criteria.id"))
    value: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(7, 2))

    sheet: so.Mapped[ScoreSheet] = so.relationship(back_populates="scores")
    criterion: so.Mapped[Criterion] = so.relationship()
