"""Accounts: registration, authentication, passwords, reset tokens and edition memberships."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from judging.eligibility import Person, same_person
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Entry, EntryAuthor, Membership, User, UserSession, normalize_email
from portal.models.types import utcnow
from portal.passwords import check_password, hash_password, needs_rehash

RESET_SALT = "password-reset"


class EmailTaken(DomainError):
    status = 409


class WrongPassword(DomainError):
    status = 422


class ResetTokenInvalid(DomainError):
    status = 400


class ResetTokenExpired(ResetTokenInvalid):
    status = 410


class ResetTokenUsed(ResetTokenInvalid):
    status = 410


def _email_taken() -> EmailTaken:
    return EmailTaken(_("An account with this email address already exists. Log in, or reset "
                        "your password if you have forgotten it."))


def create_user(*, email: str, password: str, full_name: str, pen_name: str = "",
                year_of_birth: int | None = None, title: str = "", workplace: str = "",
                phone: str = "", is_admin: bool = False,
                confirmed_at: datetime | None = None) -> User:
    """Create an account with a normalised email; raises EmailTaken for a duplicate.

    The address counts as confirmed only when `confirmed_at` is given (accounts made by
    an administrator); a registration confirms it through `confirm_email`. The password
    is hashed before the duplicate check, so both answers take as long.
    """
    address = normalize_email(email)
    password_hash = hash_password(password)
    if db.session.scalar(sa.select(User.id).where(User.email == address)) is not None:
        raise _email_taken()
    user = User(
        email=address, password_hash=password_hash, full_name=full_name.strip(),
        pen_name=(pen_name or "").strip(), year_of_birth=year_of_birth,
        title=(title or "").strip(), workplace=(workplace or "").strip(),
        phone=(phone or "").strip(), is_admin=is_admin, email_confirmed_at=confirmed_at,
    )
    try:
        with db.session.begin_nested():  # a concurrent registration loses on the unique index
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        raise _email_taken() from exc
    return user


@cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email costs as long as a wrong password."""
    return hash_password("not-a-real-password-0")


def authenticate(*, email: str, password: str, now: datetime) -> User | None:
    """The user whose email and password match, with last_login_at set; None otherwise.

    Rehashes the password when the argon2 parameters have changed since it was stored.
    """
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password(_dummy_hash(), password)
        return None
    if not check_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    db.session.flush()
    return user


# --- server-side sessions -------------------------------------------------------------------


def open_session(user: User, *, now: datetime, lifetime: timedelta) -> str:
    """Start a revocable session for the user; returns the flask-login id to put in the
    session (and remember) cookie. The random key is stored only as its sha256."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key_hash=UserSession.hash_key(key), user_id=user.id,
                               created_at=now, expires_at=now + lifetime))
    db.session.flush()
    user.session_key = key
    return user.get_id()


def close_session(key: str | None, *, now: datetime) -> None:
    """End one session (logout): its cookies, and every copy of them, are anonymous."""
    if not key:
        return
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.key_hash == UserSession.hash_key(key),
               UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def close_all_sessions(user: User, *, now: datetime) -> int:
    """End every session of the user (password change, loss of a role); the count ended."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


def set_password(user: User, *, new_password: str, now: datetime | None = None) -> None:
    """Store a new password and end every session of the user (rows revoked, and their ids
    embed the old session_version)."""
    user.password_hash = hash_password(new_password)
    user.session_version = (user.session_version or 1) + 1
    close_all_sessions(user, now=now or utcnow())
    db.session.flush()


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; raises WrongPassword."""
    if not check_password(user.password_hash, current_password):
        raise WrongPassword(_("The current password is not correct."))
    set_password(user, new_password=new_password)


def update_profile(user: User, *, pen_name: str, workplace: str, title: str, phone: str,
                   year_of_birth: int | None) -> User:
    user.pen_name = (pen_name or "").strip()
    user.workplace = (workplace or "").strip()
    user.title = (title or "").strip()
    user.phone = (phone or "").strip()
    user.year_of_birth = year_of_birth
    db.session.flush()
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


# --- email confirmation ---------------------------------------------------------------------

CONFIRM_SALT = "email-confirm"


class ConfirmTokenInvalid(DomainError):
    status = 400


class ConfirmTokenExpired(ConfirmTokenInvalid):
    status = 410


def make_confirm_token(user: User, *, secret_key: str, now: datetime | None = None) -> str:
    """A signed token over the user id and the address it confirms, stamped at `now`."""
    return _serializer(secret_key, now, salt=CONFIRM_SALT).dumps(
        {"uid": user.id, "email": user.email})


def user_for_confirm_token(token: str, *, secret_key: str, max_age: int,
                           now: datetime | None = None) -> User:
    """The account a valid, unexpired confirmation token names (for its current address).

    Raises ConfirmTokenExpired, or ConfirmTokenInvalid (tampered, another address, unknown).
    """
    invalid = _("This confirmation link is not valid. Check that you copied the whole link, "
                "or log in and ask for a new one.")
    try:
        data = _serializer(secret_key, now, salt=CONFIRM_SALT).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ConfirmTokenExpired(
            _("This confirmation link has expired. Log in and ask for a new one.")) from exc
    except BadSignature as exc:
        raise ConfirmTokenInvalid(invalid) from exc
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or data.get("email") != user.email:
        raise ConfirmTokenInvalid(invalid)
    return user


def confirm_email(*, token: str, secret_key: str, max_age: int, now: datetime) -> User:
    """Mark the token's address confirmed (again is harmless); returns the account."""
    user = user_for_confirm_token(token, secret_key=secret_key, max_age=max_age, now=now)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        # Entries that already name this address now invite the account (not yet linked:
        # the co-author still has to accept).
        db.session.execute(
            sa.update(EntryAuthor)
            .where(EntryAuthor.email == user.email, EntryAuthor.user_id.is_(None))
            .values(user_id=user.id, accepted_at=None, declined_at=None)
        )
        db.session.flush()
    return user


# --- password reset -------------------------------------------------------------------------


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, which makes a reset token single-use."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def _serializer(secret_key: str, now: datetime | None,
                salt: str = RESET_SALT) -> URLSafeTimedSerializer:
    signer = TimestampSigner
    if now is not None:
        stamp = int(now.timestamp())

        class _At(TimestampSigner):
            def get_timestamp(self) -> int:
                return stamp

        signer = _At
    return URLSafeTimedSerializer(secret_key, salt=salt, signer=signer)


def make_reset_token(user: User, *, secret_key: str, now: datetime | None = None) -> str:
    """A signed token over the user id and the password fingerprint, stamped at `now`."""
    return _serializer(secret_key, now).dumps({"uid": user.id, "fp": _fingerprint(user)})


def reset_token_for(*, email: str, secret_key: str, now: datetime | None = None
                    ) -> tuple[User, str] | None:
    """The account and a fresh reset token for this email, or None when no account has it."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        return None
    return user, make_reset_token(user, secret_key=secret_key, now=now)


def user_for_reset_token(token: str, *, secret_key: str, max_age: int,
                         now: datetime | None = None) -> User:
    """The user a valid, unused, unexpired token names.

    Raises ResetTokenExpired, ResetTokenUsed (the password changed since it was issued)
    or ResetTokenInvalid (tampered, malformed, unknown account).
    """
    try:
        data = _serializer(secret_key, now).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ResetTokenExpired(
            _("This password reset link has expired. Request a new one.")) from exc
    except BadSignature as exc:
        raise ResetTokenInvalid(
            _("This password reset link is not valid. Check that you copied the whole link, "
              "or request a new one.")) from exc
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None:
        raise ResetTokenInvalid(
            _("This password reset link is not valid. Check that you copied the whole link, "
              "or request a new one."))
    if data.get("fp") != _fingerprint(user):
        raise ResetTokenUsed(
            _("This password reset link has already been used. Request a new one if you "
              "still need to reset your password."))
    return user


def reset_password(*, token: str, new_password: str, secret_key: str, max_age: int,
                   now: datetime | None = None) -> User:
    """Set a new password through a reset token; the token cannot be used again afterwards."""
    user = user_for_reset_token(token, secret_key=secret_key, max_age=max_age, now=now)
    set_password(user, new_password=new_password)
    return user


# --- memberships ----------------------------------------------------------------------------


def role_label(role: str) -> str:
    return {Membership.ORGANIZER: _("organizer"), Membership.JUDGE: _("judge")}.get(role, role)


def _same_person(user: User, author: EntryAuthor) -> bool:
    if author.user_id is not None and author.user_id == user.id:
        return True
    return same_person(Person(full_name=user.full_name, year_of_birth=user.year_of_birth),
                       Person(full_name=author.full_name, year_of_birth=author.year_of_birth))


def conflicting_entry(*, user: User, contest) -> tuple[Entry, str] | None:
    """A non-withdrawn entry of the edition that the user entered or is an author of."""
    author_match = EntryAuthor.user_id == user.id
    if user.year_of_birth is not None:
        author_match = sa.or_(author_match, EntryAuthor.year_of_birth == user.year_of_birth)
    candidates = db.session.scalars(
        sa.select(Entry)
        .where(Entry.contest_id == contest.id, Entry.status != Entry.WITHDRAWN,
               sa.or_(Entry.owner_id == user.id, Entry.authors.any(author_match)))
        .options(selectinload(Entry.authors))
        .order_by(Entry.id)
    ).all()
    for entry in candidates:
        if any(_same_person(user, a) for a in entry.authors):
            return entry, "author"
        if entry.owner_id == user.id:
            return entry, "owner"
    return None


def _entry_label(entry: Entry) -> str:
    return entry.reference or f"“{entry.title}”"


def grant_membership(*, user: User, contest, role: str, actor: User | None = None) -> Membership:
    """Make the user an organizer or judge of the edition, with an audit event.

    Raises DomainError for an unknown role, an existing membership, or when the user is
    an author (or the entrant) of a non-withdrawn entry of the edition: jury and
    secretariat members may not enter.
    """
    if role not in Membership.ROLES:
        raise DomainError(_("Unknown role “%(role)s”: choose organizer or judge.", role=role))
    existing = db.session.scalar(
        sa.select(Membership).where(Membership.contest_id == contest.id,
                                    Membership.user_id == user.id, Membership.role == role))
    if existing is not None:
        raise DomainError(_("%(name)s is already a %(role)s of this edition.",
                            name=user.full_name, role=role_label(role)))
    conflict = conflicting_entry(user=user, contest=contest)
    if conflict is not None:
        entry, how = conflict
        message = (
            _("%(name)s cannot be a %(role)s of this edition: they are an author of the "
              "entry %(entry)s. Jury and secretariat members may not enter.",
              name=user.full_name, role=role_label(role), entry=_entry_label(entry))
            if how == "author" else
            _("%(name)s cannot be a %(role)s of this edition: they submitted the entry "
              "%(entry)s. Jury and secretariat members may not enter.",
              name=user.full_name, role=role_label(role), entry=_entry_label(entry))
        )
        raise DomainError(message)
    membership = Membership(user=user, contest=contest, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.granted", actor=actor, contest=contest, obj=membership,
                 after={"user_id": user.id, "email": user.email, "role": role})
    return membership
