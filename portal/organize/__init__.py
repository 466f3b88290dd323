"""The secretariat's screens: edition setup, registry, screening, rounds, results."""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")
