"""Statistics: the edition dashboard and the judging charts for organizers."""

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/organize")

from portal.stats import views  # noqa: E402,F401
