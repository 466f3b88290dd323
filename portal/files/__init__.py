"""Files: the upload protocol behind the entry form, downloads and deletion of entry files."""

from flask import Blueprint

bp = Blueprint("files", __name__, url_prefix="/files")


from portal.files import views  # noqa: E402,F401
