"""The local backend's part-upload endpoint: the app plays the bucket's role for PUTs."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from . import get_storage
from .base import StorageError

bp = Blueprint("storage_local", __name__)


def _too_large(limit: int) -> StorageError:
    return StorageError(
        _l("A part of the upload is larger than %(limit)s MB.", limit=limit // (1024 * 1024)),
        status=413,
    )


def _error(exc: StorageError):
    return jsonify(error=str(exc)), exc.status


class _Body:
    """The request body read straight from ``wsgi.input``, at most Content-Length bytes.

    werkzeug's ``request.stream`` (a LimitedStream, an io.RawIOBase) allocates a buffer,
    reads into it and copies it out again for every read; for a part of 16 MiB that is
    two needless copies of every byte. A body shorter than announced raises
    ClientDisconnected, as ``request.stream`` does.
    """

    def __init__(self, stream, length: int):
        self._stream = stream
        self._left = length

    def read(self, size: int) -> bytes:
        if self._left <= 0:
            return b""
        data = self._stream.read(min(size, self._left))
        if not data:
            raise ClientDisconnected()
        self._left -= len(data)
        return data


def _body():
    length = request.content_length
    if length is None or request.environ.get("wsgi.input_terminated"):
        return request.stream  # chunked: werkzeug knows where the body ends
    return _Body(request.environ["wsgi.input"], length)


# CSRF-exempt (see init_storage): this is the local twin of a presigned S3 URL. The HMAC
# token in the path names the one part of the one upload it may write and expires, so a
# forged cross-site request can do nothing a token holder could not; a CSRF token would
# also make the browser code differ from the S3 case.
@bp.put("/storage/part/<token>")
def put_part(token: str):
    """Store the request body as the part the token names; answer its ETag (quoted
    sha256 of the part)."""
    storage = get_storage()
    limit = storage.max_part_size
    if request.content_length is not None and request.content_length > limit:
        return _error(_too_large(limit))
    # Let receive_part see one byte past the limit, so it refuses with our own message;
    # this also overrides a smaller app-wide MAX_CONTENT_LENGTH meant for forms.
    request.max_content_length = limit + 1
    try:
        part = storage.receive_part(token, _body())
    except StorageError as exc:
        return _error(exc)
    except RequestEntityTooLarge:
        return _error(_too_large(limit))
    response = Response(status=200)
    response.headers["ETag"] = f'"{part.etag}"'
    response.headers["Cache-Control"] = "no-store"
    return response
