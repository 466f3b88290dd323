"""The secretariat's screens: edition setup, registry, screening, rounds, results."""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")

from portal.organize import views  # noqa: E402,F401
from portal.organize.services import install_search_text_listener  # noqa: E402

install_search_text_listener()
