"""Files: the upload protocol behind the entry form, downloads and deletion of entry files."""

from flask import Blueprint

from portal.extensions import limiter

bp = Blueprint("files", __name__, url_prefix="/files")


def _exempt_part_uploads() -> None:
    # A 4 GB video is hundreds of part PUTs in a few minutes; each carries its own HMAC
    # token, so the app-wide rate limits must not apply to the local part endpoint.
    from portal.storage import views as storage_views

    limiter.exempt(storage_views.put_part)
    limiter.exempt(storage_views.s3_request)


_exempt_part_uploads()

from portal.files import views  # noqa: E402,F401
