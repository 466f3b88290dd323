"""Views of the accounts area: register, log in and out, passwords, reset by email, profile."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from portal import clock
from portal.auth import bp, services
from portal.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.auth.permissions import can_edit_account
from portal.auth.throttle import AccountThrottle, Policy
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.i18n import format_dt
from portal.links import public_url
from portal.models import Membership
from portal.outbox import send_mail
from portal.permissions import is_admin, judge_contest_ids, organizer_contest_ids
from portal.security import safe_next

LOGIN_LIMIT = "10 per minute;50 per hour"
REGISTER_LIMIT = "5 per minute;50 per hour"
RESET_REQUEST_LIMIT = "5 per minute;20 per hour"


def _landing() -> str:
    """Where a user's work is: the secretariat's home for an organizer (or an administrator),
    the judging queue for a judge, "My entries" for everyone else."""
    views = current_app.view_functions
    if "organize.home" in views and (is_admin(current_user)
                                     or organizer_contest_ids(current_user)):
        return url_for("organize.home")
    if "judge.home" in views and judge_contest_ids(current_user):
        return url_for("judge.home")
    if "entries.dashboard" in views:
        return url_for("entries.dashboard")
    return url_for("main.index")


def _open_session(user, *, remember: bool) -> None:
    """A revocable server-side session row for this browser (committed by the caller)."""
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["SESSION_MAX_AGE"]
    services.open_session(user, now=clock.now(), lifetime=lifetime)


def _start_session(user, *, remember: bool = False) -> None:
    """A fresh cookie session for the logged-in user (no fixation), pointing at the session
    row opened by _open_session; the language choice survives."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_landing())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data, password=form.password.data,
                full_name=form.full_name.data, pen_name=form.pen_name.data,
                year_of_birth=form.year_of_birth.data, title=form.title.data,
                workplace=form.workplace.data, phone=form.phone.data,
            )
        except services.EmailTaken:
            # Answer exactly as for a new address (no account enumeration); tell the
            # address's owner instead.
            db.session.rollback()
            existing = services.user_by_email(form.email.data)
            if existing is not None:
                _send_registration_attempt_mail(existing)
                db.session.commit()
        else:
            _send_confirmation_mail(user)  # the outbox row commits with the account
            db.session.commit()
        return render_template("auth/register_sent.html", email=form.email.data)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


def _send_confirmation_mail(user) -> None:
    token = services.make_confirm_token(user, secret_key=current_app.config["SECRET_KEY"],
                                        now=clock.now())
    days = max(1, current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 86400)
    body = render_template("mail/confirm_email.txt", user=user, days=days,
                           link=public_url("auth.confirm_email", token=token))
    send_mail(user.email, _("Confirm your email address on the award portal"), body,
              kind="confirm_email", user_id=user.id)


def _send_registration_attempt_mail(user) -> None:
    body = render_template("mail/register_existing.txt", user=user,
                           login_link=public_url("auth.login"),
                           reset_link=public_url("auth.forgot_password"))
    send_mail(user.email, _("Someone tried to register with your email address"), body,
              kind="register_existing", user_id=user.id)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """GET shows a button; the POST confirms (a mail scanner's GET changes nothing)."""
    settings = dict(secret_key=current_app.config["SECRET_KEY"],
                    max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    try:
        user = services.user_for_confirm_token(token, **settings)
    except DomainError as exc:
        return render_template("auth/confirm_invalid.html", message=exc.message), exc.status
    form = ConfirmForm()
    if form.validate_on_submit():
        services.confirm_email(token=token, now=clock.now(), **settings)
        db.session.commit()
        flash(_("Your email address %(email)s is confirmed. Thank you.", email=user.email),
              "success")
        if current_user.is_authenticated:
            return redirect(_landing())
        return redirect(url_for("auth.confirm_email", token=token))  # "confirmed: log in"
    return render_template("auth/confirm.html", form=form, email=user.email,
                           confirmed=user.email_confirmed)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(RESET_REQUEST_LIMIT, methods=["POST"])
def confirm_request():
    """The signed-in user's confirmation status, and a button to mail a new link."""
    user = current_user._get_current_object()
    if not can_edit_account(current_user, user):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit() and not user.email_confirmed:
        _send_confirmation_mail(user)
        db.session.commit()
        flash(_("We have sent a new confirmation link to %(email)s.", email=user.email), "info")
        return redirect(url_for("auth.confirm_request"))
    return render_template("auth/confirm_request.html", form=form, user=user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    target = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(target, _landing()))
    form = LoginForm()
    if form.validate_on_submit():
        throttle = _account_throttle()
        if throttle and (until := throttle.paused_until(form.email.data)):
            return _login_paused(form, until)  # the password is not even checked
        user = services.authenticate(email=form.email.data, password=form.password.data,
                                     now=clock.now())
        if user is None:
            if throttle and (until := throttle.failed(form.email.data)):
                return _login_paused(form, until)
            form.password.errors.append(_("The email or the password is not correct."))
            return render_template("auth/login.html", form=form), 422
        if throttle:
            throttle.succeeded(form.email.data)
        _open_session(user, remember=form.remember.data)
        db.session.commit()
        _start_session(user, remember=form.remember.data)
        return redirect(safe_next(target, _landing()))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


def _account_throttle() -> AccountThrottle | None:
    """The per-account back-off, in the rate limits' shared storage (off with the limits)."""
    if not current_app.config.get("RATELIMIT_ENABLED") or not limiter.enabled:
        return None
    return AccountThrottle(limiter.storage, Policy.from_config(current_app.config))


def _login_paused(form, until: float):
    """The one refusal while an account's login is paused: it says when to try again."""
    seconds = max(1, math.ceil(until - time.time()))
    at = datetime.fromtimestamp(until, UTC)
    form.password.errors.append(_(
        "Too many wrong passwords for this account. To protect it, logging in to it is "
        "paused until %(time)s (about %(minutes)s min). Try again then, or reset your "
        "password.", time=format_dt(at), minutes=max(1, math.ceil(seconds / 60))))
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # The row, not just this browser's cookie: a copy of the cookie ends too.
        services.close_session(current_user.session_key, now=clock.now())
        db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    if not can_edit_account(current_user, user):
        abort(403)
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        services.update_profile(
            user, pen_name=form.pen_name.data, workplace=form.workplace.data,
            title=form.title.data, phone=form.phone.data, year_of_birth=form.year_of_birth.data,
        )
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.account"))
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id)
        .options(selectinload(Membership.contest)).order_by(Membership.id)
    ).all()
    return render_template(
        "auth/account.html", form=form, user=user, memberships=memberships,
        role_label=services.role_label,
    ), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    if not can_edit_account(current_user, user):
        abort(403)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, current_password=form.current_password.data,
                                     new_password=form.password.data)
        except services.WrongPassword as exc:
            form.current_password.errors.append(exc.message)
            return render_template("auth/password.html", form=form), exc.status
        # Every session of the user, this one included, has ended; this browser gets a
        # new one, and a new remember cookie if it had one.
        remember_cookie = current_app.config["REMEMBER_COOKIE_NAME"]
        remember = remember_cookie in request.cookies
        _open_session(user, remember=remember)
        db.session.commit()
        login_user(user, remember=remember)
        flash(_("Your password has been changed. Your other sessions have been logged out."),
              "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_REQUEST_LIMIT, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        found = services.reset_token_for(email=form.email.data,
                                         secret_key=current_app.config["SECRET_KEY"],
                                         now=clock.now())
        if found is not None:
            user, token = found
            link = public_url("auth.reset_password", token=token)
            minutes = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
            body = render_template("mail/password_reset.txt", user=user, link=link,
                                   minutes=minutes)
            send_mail(user.email, _("Reset your password on the award portal"), body,
                      kind="password_reset", user_id=user.id)
            db.session.commit()
        # The same page whether or not the address has an account: no enumeration.
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    settings = dict(secret_key=current_app.config["SECRET_KEY"],
                    max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        services.user_for_reset_token(token, **settings)
    except DomainError as exc:
        return render_template("auth/reset_invalid.html", message=exc.message), exc.status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token=token, new_password=form.password.data, **settings)
        except DomainError as exc:
            db.session.rollback()
            return render_template("auth/reset_invalid.html", message=exc.message), exc.status
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password has been changed. Log in with your new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200
