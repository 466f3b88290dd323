"""Accounts: register, log in and out, password change and reset, profile."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
