"""The local backend's S3-compatible endpoint: the app plays the bucket's role for the
uploader's requests, each authorised by the token the portal's sign endpoint issued."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from portal.limits import body_limit

from . import get_storage
from .base import StorageError

bp = Blueprint("storage_local", __name__)


def _too_large(limit: int) -> StorageError:
    return StorageError(
        _l("A part of the upload is larger than the %(limit)s bytes it was signed for.",
           limit=f"{limit:,}".replace(",", ".")),
        status=413,
    )


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


# --- S3-compatible multipart endpoint, for Uppy's AwsS3 plugin on the local backend --------
# The portal's sign endpoint answers the plugin with a URL here whose HMAC token names one
# operation on one key (and upload and part); the responses have S3's XML shapes, which
# the plugin parses (InitiateMultipartUploadResult/UploadId, ListPartsResult/Part,
# CompleteMultipartUploadResult/Location+Key, ETag headers).

_S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _xml(body: str, status: int = 200) -> Response:
    response = Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body, status=status,
        content_type="application/xml",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _esc(value) -> str:
    return escape(str(value))


def _s3_error(exc: StorageError) -> Response:
    code = {400: "InvalidPart", 403: "AccessDenied", 404: "NoSuchUpload",
            413: "EntityTooLarge", 507: "InsufficientStorage"}.get(exc.status, "InternalError")
    response = _xml(f"<Error><Code>{code}</Code><Message>{_esc(exc)}</Message></Error>",
                    exc.status)
    response.headers["x-amz-error-code"] = code
    return response


def _operation() -> str | None:
    method, args = request.method, request.args
    has_upload, has_part = "uploadId" in args, "partNumber" in args
    if method == "PUT" and has_upload and has_part:
        return "upload_part"
    if method == "GET" and has_upload and not has_part:
        return "list_parts"
    if method == "POST" and has_upload and not has_part:
        return "complete"
    if method == "DELETE" and has_upload and not has_part:
        return "abort"
    return None


def _length_error() -> StorageError:
    return StorageError(
        _l("A part of the upload does not have the length it was signed for. "
           "Reload the page to resume the upload."),
        status=400,
    )


def _forbidden() -> StorageError:
    return StorageError(
        _l("This upload link is invalid. Please reload the page and try again."), status=403
    )


def _parse_completion(data: bytes) -> list[tuple[int, str]]:
    malformed = StorageError(_l("The list of parts is malformed."), status=400)
    if len(data) > 1024 * 1024:
        raise malformed
    try:
        root = ET.fromstring(data)  # noqa: S314  (no DTDs: expat refuses entities here)
    except ET.ParseError:
        raise malformed from None
    parts = []
    for part in root.iter():
        if part.tag.rsplit("}", 1)[-1] != "Part":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in part}
        number = fields.get("PartNumber", "")
        if not number.isdigit() or not fields.get("ETag"):
            raise malformed
        parts.append((int(number), fields["ETag"]))
    return parts


# CSRF-exempt (see init_storage): this is the local twin of presigned S3 URLs. The HMAC
# token in the query names the one operation on the one open upload (and part, and body
# length) it allows and expires; a CSRF token would make the browser code differ from S3.
@bp.route("/storage/s3/<path:key>", methods=["PUT", "GET", "POST", "DELETE"])
@body_limit("UPLOAD_PART_MAX_CONTENT_LENGTH")
def s3_request(key: str):
    """One S3 multipart request (upload part, list, complete, abort) on an upload the
    portal opened, authorised by the token the portal's sign endpoint put in the URL."""
    storage = get_storage()
    try:
        payload = storage.read_request_token(request.args.get("token", ""))
        operation = _operation()
        number = request.args.get("partNumber")
        if (
            operation is None
            or payload.get("o") != operation
            or payload.get("k") != key
            or payload.get("u") != request.args.get("uploadId")
            or payload.get("p") != (int(number) if number and number.isdigit() else number)
        ):
            raise _forbidden()
        upload_id = payload["u"]
        if operation == "upload_part":
            length = payload["n"]
            if request.content_length is not None and request.content_length > length:
                raise _too_large(length)
            if request.content_length is not None and request.content_length != length:
                raise _length_error()
            # Let the body through up to the signed length; this also overrides the
            # small app-wide MAX_CONTENT_LENGTH meant for forms.
            request.max_content_length = length + 1
            try:
                part = storage.receive_part(key, upload_id, payload["p"], _Exact(_body(), length))
            except RequestEntityTooLarge:
                raise _too_large(length) from None
            except ClientDisconnected:
                raise _length_error() from None
            response = Response(status=200)
            response.headers["ETag"] = f'"{part.etag}"'
            response.headers["Cache-Control"] = "no-store"
            return response
        if operation == "list_parts":
            parts = "".join(
                f"<Part><PartNumber>{p.number}</PartNumber><ETag>&quot;{p.etag}&quot;</ETag>"
                f"<Size>{p.size}</Size></Part>"
                for p in storage.list_parts(key, upload_id)
            )
            return _xml(
                f'<ListPartsResult xmlns="{_S3_NS}"><Bucket>local</Bucket><Key>{_esc(key)}</Key>'
                f"<UploadId>{upload_id}</UploadId>{parts}</ListPartsResult>"
            )
        if operation == "complete":
            info = storage.complete(key, upload_id, _parse_completion(request.get_data()))
            return _xml(
                f'<CompleteMultipartUploadResult xmlns="{_S3_NS}"><Location>'
                f"{_esc(request.base_url)}</Location><Bucket>local</Bucket><Key>{_esc(key)}"
                f"</Key><ETag>&quot;{info.etag}&quot;</ETag></CompleteMultipartUploadResult>"
            )
        storage.abort(key, upload_id)
        return Response(status=204)
    except StorageError as exc:
        return _s3_error(exc)


class _Exact:
    """A body that must hold exactly ``length`` bytes: more is refused (413), fewer
    (a truncated upload) is refused before the part counts as received."""

    def __init__(self, stream, length: int):
        self._stream = stream
        self._length = length
        self._seen = 0

    def read(self, size: int) -> bytes:
        data = self._stream.read(size)
        self._seen += len(data)
        if self._seen > self._length:
            raise _too_large(self._length)
        if not data and self._seen != self._length:
            raise _length_error()
        return data
