"""Login loading, safe redirects, request-body limits and the security headers on every
response."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from portal import clock, limits
from portal.extensions import db, login_manager
from portal.models import User, UserSession


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


def content_security_policy(storage_origin: str | None) -> str:
    """The CSP: files and uploads from the portal and the one storage origin, no scheme
    wildcards (``https:`` would let a page load from any host)."""
    files = f" {storage_origin}" if storage_origin else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{files}; media-src 'self' blob:{files}; "
        f"connect-src 'self'{files}; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors 'none'; frame-src 'self' blob:{files}"
    )


def _csp() -> str:
    # Built once per app: the storage backend (and so its origin) is fixed at start.
    csp = current_app.extensions.get("csp")
    if csp is None:
        storage = current_app.extensions.get("storage")
        csp = current_app.extensions["csp"] = content_security_policy(storage.browser_origin())
    return csp


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", _csp())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    limits.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.after_request(_headers)
