"""The local backend's part-upload endpoint: the app plays the bucket's role for PUTs."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from portal.limits import body_limit

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
@body_limit("UPLOAD_PART_MAX_CONTENT_LENGTH")
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
    from xml.sax.saxutils import escape

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
    if method == "POST" and "uploads" in args and not has_upload:
        return "create"
    if method == "PUT" and has_upload and has_part:
        return "upload_part"
    if method == "GET" and has_upload and not has_part:
        return "list_parts"
    if method == "POST" and has_upload and not has_part:
        return "complete"
    if method == "DELETE" and has_upload and not has_part:
        return "abort"
    if method == "PUT" and not has_upload and not has_part:
        return "put_object"
    return None


def _forbidden() -> StorageError:
    return StorageError(
        _l("This upload link is invalid. Please reload the page and try again."), status=403
    )


def _parse_completion(data: bytes) -> list[tuple[int, str]]:
    import xml.etree.ElementTree as ET

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


@bp.route("/storage/s3/<path:key>", methods=["POST", "PUT", "GET", "DELETE"])
@body_limit("UPLOAD_PART_MAX_CONTENT_LENGTH")
def s3_request(key: str):
    """One S3 multipart request (create, upload part, list, complete, abort) or a single
    PUT, authorised by the token the portal's sign endpoint put in the URL."""
    storage = get_storage()
    try:
        payload = storage.read_s3_token(request.args.get("token", ""))
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
        upload_id = payload.get("u")
        if operation == "create":
            new_id = storage.start_upload(key, content_type=payload["t"],
                                          part_size=payload["ps"])
            return _xml(
                f'<InitiateMultipartUploadResult xmlns="{_S3_NS}"><Bucket>local</Bucket>'
                f"<Key>{_esc(key)}</Key><UploadId>{new_id}</UploadId>"
                "</InitiateMultipartUploadResult>"
            )
        if operation in ("upload_part", "put_object"):
            limit = payload["ps"] if operation == "upload_part" else payload["n"]
            if request.content_length is not None and request.content_length > limit:
                raise _too_large(limit)
            request.max_content_length = limit + 1
            try:
                if operation == "upload_part":
                    etag = storage.receive_part_at(key, upload_id, payload["p"], _body()).etag
                else:
                    etag = storage.put_file(key, _Capped(_body(), limit),
                                            content_type=payload["t"]).etag
            except RequestEntityTooLarge:
                raise _too_large(limit) from None
            response = Response(status=200)
            response.headers["ETag"] = f'"{etag}"'
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
            location = request.base_url
            return _xml(
                f'<CompleteMultipartUploadResult xmlns="{_S3_NS}"><Location>{_esc(location)}'
                f"</Location><Bucket>local</Bucket><Key>{_esc(key)}</Key>"
                f"<ETag>&quot;{info.etag}&quot;</ETag></CompleteMultipartUploadResult>"
            )
        storage.abort(key, upload_id)
        return Response(status=204)
    except StorageError as exc:
        return _s3_error(exc)


class _Capped:
    """A body that refuses to yield more than ``limit`` bytes (a single PUT's size)."""

    def __init__(self, stream, limit: int):
        self._stream = stream
        self._limit = limit
        self._left = limit

    def read(self, size: int) -> bytes:
        data = self._stream.read(size)
        self._left -= len(data)
        if self._left < 0:
            raise _too_large(self._limit)
        return data
