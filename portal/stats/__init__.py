"""Statistics: the edition dashboard and the judging charts for organizers."""

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/organize")
