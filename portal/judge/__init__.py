"""The judge's pages: the queue of assigned works, the work page and the score sheet."""

from flask import Blueprint

bp = Blueprint("judge", __name__, url_prefix="/judge")
