"""Accounts and per-edition memberships."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


def normalize_email(email: str) -> str:
    """Emails are unique regardless of case and surrounding spaces."""
    return (email or "").strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True, index=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    pen_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    year_of_birth: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    workplace: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(30), default="")
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    # Bumped on password change: sessions carrying an older value are logged out.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    # Set when the owner of the address followed the confirmation link; until then the
    # account is linked to no entry and answers no co-author invitation.
    email_confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    memberships: so.Mapped[list[Membership]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The id of the server-side session this object was loaded for (or just opened);
    # flask-login keeps get_id() in the session cookie and the remember cookie.
    session_key = None  # not a column

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}:{self.session_key or ''}"

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def display_name(self) -> str:
        return self.pen_name or self.full_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    """A user's role in one edition: organizer or judge."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("contest_id", "user_id", "role"),)

    ORGANIZER = "organizer"
    JUDGE = "judge"
    ROLES = (ORGANIZER, JUDGE)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contests.id"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="memberships")
    contest: so.Mapped[Contest] = so.relationship(back_populates="memberships")  # noqa: F821


class UserSession(db.Model):
    """A logged-in browser, revocable on the server.

    The random key lives only in the browser (session and remember cookies); the table
    keeps its sha256, so a copy of the table logs nobody in. Logout, a password change
    and the loss of a role set `revoked_at`, after which both cookies are anonymous.
    """

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()
