"""S3Storage: any S3-compatible store, with the browser sending parts straight to the bucket."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
import flask
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from flask_babel import lazy_gettext as _l

from .base import (
    MediaSource,
    ObjectInfo,
    Storage,
    StorageError,
    UploadedPart,
    check_completion_list,
    check_part_number,
    check_parts_received,
    check_served_etag,
    normalize_etag,
    not_found_error,
    validate_key,
    validate_prefix,
)

log = logging.getLogger(__name__)

_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_REFUSED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AllAccessDisabled",
}


def _unreachable() -> StorageError:
    return StorageError(
        _l(
            "The file store is not reachable right now. Your upload is kept; "
            "try again in a few minutes."
        ),
        status=503,
    )


def _translate(exc: Exception) -> StorageError:
    """Map a boto3/botocore exception to a StorageError the user can act on."""
    if isinstance(exc, _UNREACHABLE):
        return _unreachable()
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _NOT_FOUND:
            return not_found_error()
        if code == "NoSuchUpload":
            return StorageError(
                _l("This upload has expired or was cancelled. Please start it again."),
                status=404,
            )
        if code in ("InvalidPart", "InvalidPartOrder"):
            return StorageError(
                _l(
                    "Some parts of the file never arrived or were damaged on the way. "
                    "Your upload is kept; resume it to send them again."
                ),
                status=400,
            )
        if code == "EntityTooSmall":
            return StorageError(
                _l(
                    "A part of the file is smaller than 5 MB but is not the last part. "
                    "Please upload the file again."
                ),
                status=400,
            )
        if code == "NoSuchBucket" or code in _REFUSED:
            return StorageError(
                _l(
                    "The file store refused the request. The portal is misconfigured; "
                    "please tell the secretariat."
                ),
                status=503,
            )
        return StorageError(
            _l(
                "The file store reported an error. Your upload is kept; try again in a few minutes."
            ),
            status=502,
        )
    if isinstance(exc, NoCredentialsError):
        return StorageError(
            _l(
                "The file store refused the request. The portal is misconfigured; "
                "please tell the secretariat."
            ),
            status=503,
        )
    return _unreachable()


@contextlib.contextmanager
def _errors(operation: str, key: str | None = None):
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        log.warning("S3 %s failed for %r: %s", operation, key, exc)
        raise _translate(exc) from exc


class S3Storage(Storage):
    """Objects in one bucket of an S3-compatible store, all keys under ``prefix``."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        public_endpoint_url: str | None = None,
    ):
        self.bucket = bucket
        self.region = region or "us-east-1"
        prefix = prefix.strip("/")
        self._prefix = validate_prefix(prefix) + "/" if prefix else ""
        config = Config(
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            # MinIO, Ceph and most non-AWS stores do not serve bucket subdomains.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        options = dict(
            region_name=self.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )
        self.client = boto3.client("s3", endpoint_url=endpoint_url, **options)
        # A presigned URL signs the Host header, so URLs for the browser must be signed
        # for the public host (e.g. MinIO behind a proxy). This client only signs; it
        # never opens a connection.
        self._presigner = (
            boto3.client("s3", endpoint_url=public_endpoint_url, **options)
            if public_endpoint_url and public_endpoint_url != endpoint_url
            else self.client
        )

    def _k(self, key: str) -> str:
        return self._prefix + validate_key(key)

    def _strip(self, full_key: str) -> str:
        return full_key[len(self._prefix) :]

    def ensure_bucket(self, allowed_origins: list[str]) -> None:
        """Create the bucket if missing and let ``allowed_origins`` PUT parts and read
        the ETag header. Raises StorageError."""
        with _errors("ensure_bucket"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) not in ("404", "NoSuchBucket"):
                    raise
                params = {"Bucket": self.bucket}
                if self.region != "us-east-1":
                    params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
                self.client.create_bucket(**params)
            self.client.put_bucket_cors(
                Bucket=self.bucket,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": list(allowed_origins),
                            "AllowedMethods": ["PUT", "POST", "GET", "HEAD", "DELETE"],
                            "AllowedHeaders": ["*"],
                            "ExposeHeaders": ["ETag"],
                            "MaxAgeSeconds": 3600,
                        }
                    ]
                },
            )

    def start_upload(self, key: str, *, content_type: str, part_size: int | None = None) -> str:
        """Open a multipart upload; ``part_size`` is not needed (S3 keeps parts apart)."""
        full = self._k(key)
        with _errors("start_upload", key):
            answer = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=full, ContentType=content_type
            )
        return answer["UploadId"]

    _OPERATIONS = {
        "upload_part": "upload_part",
        "list_parts": "list_parts",
        "complete": "complete_multipart_upload",
        "abort": "abort_multipart_upload",
    }

    def sign_request(
        self,
        *,
        operation: str,
        key: str,
        upload_id: str,
        part_number: int | None,
        content_length: int | None,
        expires_in: int,
    ) -> str:
        """A presigned URL for one request of the browser's AwsS3 plugin. An UploadPart
        URL signs ``Content-Length`` (the browser sends the body's real length, and the
        store refuses any other), the upload id and the part number."""
        if operation not in self._OPERATIONS or not upload_id:
            raise ValueError(f"cannot sign {operation!r} without an open upload")
        params = {"Bucket": self.bucket, "Key": self._k(key), "UploadId": upload_id}
        if operation == "upload_part":
            params["PartNumber"] = check_part_number(part_number)
            params["ContentLength"] = int(content_length)
        with _errors("sign_request", key):
            return self._presigner.generate_presigned_url(
                self._OPERATIONS[operation], Params=params, ExpiresIn=int(expires_in),
            )

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        full = self._k(key)
        parts = []
        with _errors("list_parts", key):
            paginator = self.client.get_paginator("list_parts")
            for page in paginator.paginate(Bucket=self.bucket, Key=full, UploadId=upload_id):
                for part in page.get("Parts", []):
                    parts.append(
                        UploadedPart(
                            number=part["PartNumber"],
                            size=part["Size"],
                            etag=normalize_etag(part["ETag"]),
                        )
                    )
        return sorted(parts, key=lambda part: part.number)

    def complete(self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> ObjectInfo:
        full = self._k(key)
        wanted = check_completion_list(parts)
        # Check before completing: some S3-compatible stores accept a shorter part list
        # silently, which would store a truncated file as if it were whole.
        received = {part.number: part for part in self.list_parts(key, upload_id)}
        check_parts_received(wanted, received)
        with _errors("complete", key):
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": number, "ETag": f'"{etag}"'} for number, etag in wanted
                    ]
                },
            )
        return self.head(key)

    def abort(self, key: str, upload_id: str) -> None:
        full = self._k(key)
        with _errors("abort", key):
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise

    def head(self, key: str) -> ObjectInfo:
        full = self._k(key)
        with _errors("head", key):
            answer = self.client.head_object(Bucket=self.bucket, Key=full)
        return ObjectInfo(
            key=key,
            size=answer["ContentLength"],
            etag=normalize_etag(answer.get("ETag", "")),
            sha256=(answer.get("Metadata") or {}).get("sha256"),
            content_type=answer.get("ContentType"),
        )

    def read_range(self, key: str, start: int, length: int) -> bytes:
        full = self._k(key)
        if start < 0 or length < 0:
            raise ValueError("start and length must not be negative")
        if length == 0:
            self.head(key)
            return b""
        with _errors("read_range", key):
            try:
                answer = self.client.get_object(
                    Bucket=self.bucket, Key=full, Range=f"bytes={start}-{start + length - 1}"
                )
            except ClientError as exc:
                # Past the end: S3 answers 416, the local backend returns b"".
                if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                    return b""
                raise
            return answer["Body"].read()

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        full = self._k(key)
        with _errors("iter_chunks", key):
            body = self.client.get_object(Bucket=self.bucket, Key=full)["Body"]
        return self._stream(body, key, chunk_size)

    @staticmethod
    def _stream(body, key: str, chunk_size: int) -> Iterator[bytes]:
        try:
            with _errors("iter_chunks", key):
                yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def put_file(self, key: str, fileobj: BinaryIO, *, content_type: str) -> ObjectInfo:
        full = self._k(key)
        with _errors("put_file", key):
            self.client.upload_fileobj(
                fileobj, self.bucket, full, ExtraArgs={"ContentType": content_type}
            )
        return self.head(key)

    def presigned_get_url(self, key: str, *, expires_in: int = 300, **response_params) -> str:
        """Return a short-lived GET URL for the object (signed for the public endpoint)."""
        full = self._k(key)
        with _errors("presigned_get_url", key):
            return self._presigner.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": full, **response_params},
                ExpiresIn=int(expires_in),
            )

    def browser_origin(self) -> str:
        """The host a presigned URL points at: S3_PUBLIC_ENDPOINT_URL, else S3_ENDPOINT_URL,
        else the bucket's virtual-host address on AWS, whatever its scheme and port."""
        url = urlsplit(self.presigned_get_url("csp-origin"))
        return f"{url.scheme}://{url.netloc.rpartition('@')[2]}"

    def download_response(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        inline: bool,
        etag: str | None = None,
        expires_in: int = 300,
    ) -> flask.Response:
        """Redirect (302) to a presigned GET that sets Content-Disposition and Type, after
        checking that the object still carries ``etag``. No URL the portal signs can
        write a verified object (``sign_request``), so the check is a second lock."""
        info = self.head(key)  # a clear "not found" beats an XML error page from the store
        check_served_etag(info, etag)
        url = self.presigned_get_url(
            key,
            expires_in=expires_in,
            ResponseContentDisposition=self._disposition(filename, content_type, inline),
            ResponseContentType=content_type,
        )
        response = flask.redirect(url, code=302)
        # The URL is a bearer credential for a few minutes: keep it out of caches and logs.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def media_source(self, key: str, *, expires_in: int) -> MediaSource:
        """A presigned GET (signed here, without asking the store): ffprobe reads HTTP
        ranges itself, nothing passes the app."""
        return MediaSource(
            location=self.presigned_get_url(key, expires_in=expires_in),
            protocols="http,https,tcp,tls",
            local=False,
        )

    def delete(self, key: str) -> None:
        full = self._k(key)
        with _errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=full)

    def list_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        full_prefix = self._prefix + validate_prefix(prefix)
        with _errors("list_keys", prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full_prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(
                        key=self._strip(item["Key"]),
                        size=item["Size"],
                        etag=normalize_etag(item.get("ETag", "")),
                        sha256=None,
                        content_type=None,
                    )

    def list_multipart_uploads(self) -> list[tuple[str, str, datetime]]:
        uploads = []
        with _errors("list_multipart_uploads"):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self._prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    uploads.append(
                        (
                            self._strip(upload["Key"]),
                            upload["UploadId"],
                            upload["Initiated"].astimezone(UTC),
                        )
                    )
        return uploads
