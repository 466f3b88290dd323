"""Results: review of the final round, decision, publication, exports and public results."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")
