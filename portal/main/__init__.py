"""Home page and language switching."""

from flask import Blueprint

bp = Blueprint("main", __name__)
