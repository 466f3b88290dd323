"""Driving the upload protocol the way uploader.js does, through the test client."""

from __future__ import annotations

from portal.extensions import db
from portal.models import EntryFile
from portal.storage import get_storage
from tests.support.media import MiB, make_mp4, make_pdf  # noqa: F401
from tests.support.uploader import Uploader, csrf_token, over_http  # noqa: F401


def csrf(client, entry_id: int) -> str:
    return csrf_token(client, entry_id)


def stored_keys() -> list[str]:
    return [info.key for info in get_storage().list_keys()]


def open_uploads() -> list[str]:
    return [key for key, _upload, _at in get_storage().list_multipart_uploads()]


def file_rows(entry_id: int | None = None) -> list[EntryFile]:
    db.session.expire_all()
    query = db.select(EntryFile).order_by(EntryFile.id)
    if entry_id is not None:
        query = query.where(EntryFile.entry_id == entry_id)
    return list(db.session.scalars(query))
