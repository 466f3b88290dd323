"""Login loading, safe redirects and the security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from portal.extensions import db, login_manager


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no protocol-relative '//' or backslash tricks."""
    if not target:
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
    )


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_next(target) else default


@login_manager.user_loader
def load_user(token: str):
    """The user of a live server-side session: "<user id>:<session_version>:<session key>".

    A session that was revoked (logout, password change, loss of a role) or has expired
    gives nobody, whether it comes from the session cookie or the remember cookie.
    """
    from portal import clock
    from portal.models import User, UserSession

    user_id, _, rest = token.partition(":")
    version, _, key = rest.partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = db.session.execute(
        sa.select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == UserSession.hash_key(key),
               UserSession.user_id == int(user_id))
    ).first()
    if row is None:
        return None
    live, user = row
    if live.revoked_at is not None or live.expires_at <= clock.now():
        return None
    if str(user.session_version) != version:
        return None  # a password change logged this session out
    user.session_key = key
    return user


@login_manager.unauthorized_handler
def unauthorized():
    flash(_l("Please log in to continue. Your session may have expired."), "warning")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _headers(response):
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob: https:; media-src 'self' blob: https: http:; "
        "connect-src 'self' https: http:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'; frame-src 'self' blob: https: http:"
    )
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.after_request(_headers)
