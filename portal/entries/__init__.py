"""The entrant's side: dashboard, entry form, submit, withdraw, reopen, receipt."""

from flask import Blueprint

bp = Blueprint("entries", __name__, url_prefix="/entries")
