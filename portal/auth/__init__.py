"""Accounts: register, log in and out, password change and reset, profile."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from portal.auth import views  # noqa: E402,F401
