"""Files: the upload protocol behind the entry form, downloads and deletion of entry files."""

from flask import Blueprint

bp = Blueprint("files", __name__, url_prefix="/files")
