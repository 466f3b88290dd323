"""LocalStorage: objects on the app server's disk, parts PUT to the app with signed URLs."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import flask
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .base import (
    MAX_PART_SIZE,
    ObjectInfo,
    Storage,
    StorageError,
    UploadedPart,
    check_completion_list,
    check_part_number,
    check_parts_received,
    missing_part_error,
    not_found_error,
    validate_key,
    validate_prefix,
)

CHUNK = 1 << 20
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_PART_FILE = re.compile(r"part-(\d{5})")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def _disk_full() -> StorageError:
    return StorageError(
        _l(
            "The server's disk is full, so the file could not be saved. "
            "Please try again later or tell the secretariat."
        ),
        status=507,
    )


def _upload_gone() -> StorageError:
    return StorageError(
        _l("This upload has expired or was cancelled. Please start it again."), status=404
    )


@contextlib.contextmanager
def _disk_errors():
    try:
        yield
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise _disk_full() from exc
        raise StorageError(
            _l("The server could not save or read the file. Please try again later."),
            status=500,
        ) from exc


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _TempFile:
    """A temp file written through a raw fd; removed unless ``publish`` renamed it."""

    def __init__(self, directory: Path):
        self.fd, name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
        self.path = Path(name)

    def write(self, data: bytes) -> None:
        _write_all(self.fd, data)

    def publish(self, destination: Path) -> None:
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = -1
        os.replace(self.path, destination)
        self.path = None

    def discard(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class LocalStorage(Storage):
    """Objects under ``root/objects/<key>``, their sha256/etag/type under ``root/meta``,
    unfinished uploads under ``root/multipart/<upload_id>``; one filesystem, so every
    publish is an atomic rename."""

    def __init__(
        self,
        root: Path,
        *,
        secret_key: str,
        url_for_part: Callable[[str], str],
        max_part_size: int = MAX_PART_SIZE,
    ):
        self.root = Path(root)
        self.max_part_size = max_part_size
        self._objects = self.root / "objects"
        self._meta = self.root / "meta"
        self._multipart = self.root / "multipart"
        self._tmp = self.root / "tmp"
        with _disk_errors():
            for folder in (self._objects, self._meta, self._multipart, self._tmp):
                folder.mkdir(parents=True, exist_ok=True)
        self._serializer = URLSafeTimedSerializer(secret_key, salt="local-part")
        self._url_for_part = url_for_part

    # Paths -------------------------------------------------------------------------------

    def _object_path(self, key: str) -> Path:
        return self._objects / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self._meta / (validate_key(key) + ".json")

    def _upload_dir(self, key: str, upload_id: str) -> Path:
        """The staging folder of an upload of ``key``; StorageError if it is gone."""
        validate_key(key)
        if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
            raise _upload_gone()
        folder = self._multipart / upload_id
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise _upload_gone() from None
        if meta.get("key") != key:
            raise _upload_gone()
        return folder

    def local_path(self, key: str) -> Path:
        """The file holding the object (for ffprobe); StorageError if it does not exist."""
        path = self._object_path(key)
        if not path.is_file():
            raise not_found_error()
        return path

    def _write_json(self, destination: Path, data: dict) -> None:
        temp = _TempFile(self._tmp)
        try:
            temp.write(json.dumps(data).encode("utf-8"))
            temp.publish(destination)
        finally:
            temp.discard()

    # Upload protocol ---------------------------------------------------------------------

    def start_upload(self, key: str, *, content_type: str) -> str:
        validate_key(key)
        upload_id = os.urandom(16).hex()
        meta = {"key": key, "content_type": content_type, "created": datetime.now(UTC).isoformat()}
        with _disk_errors():
            # Build the folder aside and rename it in, so no upload is ever seen without meta.
            building = Path(tempfile.mkdtemp(dir=self._tmp, prefix=".upload-"))
            try:
                (building / "meta.json").write_text(json.dumps(meta), "utf-8")
                os.replace(building, self._multipart / upload_id)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
        return upload_id

    def sign_part(self, key: str, upload_id: str, part_number: int, *, expires_in=3600) -> str:
        """Return the app's URL for this part, carrying an HMAC token valid ``expires_in``
        seconds; the token is the only authorisation the PUT needs."""
        self._upload_dir(key, upload_id)
        check_part_number(part_number)
        token = self._serializer.dumps(
            {"k": key, "u": upload_id, "p": part_number, "e": int(expires_in)}
        )
        return self._url_for_part(token)

    def _read_token(self, token: str, max_age: int | None) -> tuple[str, str, int]:
        try:
            payload, signed_at = self._serializer.loads(token, return_timestamp=True)
            key, upload_id, number, lifetime = (
                payload["k"],
                payload["u"],
                payload["p"],
                payload["e"],
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            raise StorageError(
                _l("This upload link is invalid. Please reload the page and try again."),
                status=403,
            ) from None
        limit = lifetime if max_age is None else min(lifetime, max_age)
        if time.time() - signed_at.timestamp() > limit:
            raise StorageError(
                _l("This upload link has expired. Reload the page to resume the upload."),
                status=403,
            )
        return key, upload_id, number

    def receive_part(
        self, token: str, stream: BinaryIO, *, max_age: int | None = None
    ) -> UploadedPart:
        """Verify ``token`` and stream ``stream`` to disk as that part (1 MiB at a time).

        Raises StorageError: 403 for an invalid or expired token, 413 for a part over
        ``max_part_size``, 507 when the disk is full; nothing partial is left behind.
        """
        key, upload_id, number = self._read_token(token, max_age)
        folder = self._upload_dir(key, upload_id)
        check_part_number(number)
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        with _disk_errors():
            temp = _TempFile(self._tmp)
            try:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_part_size:
                        raise StorageError(
                            _l(
                                "A part of the upload is larger than %(limit)s MB.",
                                limit=self.max_part_size // (1024 * 1024),
                            ),
                            status=413,
                        )
                    md5.update(chunk)
                    temp.write(chunk)
                etag = md5.hexdigest()
                # The ETag goes in first: a part file is never visible without its ETag.
                self._write_json(folder / f"part-{number:05d}.json", {"etag": etag, "size": size})
                try:
                    temp.publish(folder / f"part-{number:05d}")
                except FileNotFoundError:
                    raise _upload_gone() from None  # aborted while this part was arriving
            finally:
                temp.discard()
        return UploadedPart(number=number, size=size, etag=etag)

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        folder = self._upload_dir(key, upload_id)
        parts = []
        with _disk_errors():
            for path in folder.iterdir():
                match = _PART_FILE.fullmatch(path.name)
                if not match:
                    continue
                try:
                    etag = json.loads(path.with_name(path.name + ".json").read_text())["etag"]
                except (OSError, ValueError, KeyError):
                    continue  # a part whose ETag never landed counts as not received
                parts.append(
                    UploadedPart(number=int(match[1]), size=path.stat().st_size, etag=etag)
                )
        return sorted(parts, key=lambda part: part.number)

    def complete(self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> ObjectInfo:
        folder = self._upload_dir(key, upload_id)
        content_type = json.loads((folder / "meta.json").read_text("utf-8"))["content_type"]
        wanted = check_completion_list(parts)
        check_parts_received(
            wanted, {part.number: part for part in self.list_parts(key, upload_id)}
        )
        sha256 = hashlib.sha256()
        part_digests = b""
        size = 0
        with _disk_errors():
            temp = _TempFile(self._tmp)
            try:
                for number, etag in wanted:
                    md5 = hashlib.md5(usedforsecurity=False)
                    with open(folder / f"part-{number:05d}", "rb") as part:
                        while chunk := part.read(CHUNK):
                            temp.write(chunk)
                            sha256.update(chunk)
                            md5.update(chunk)
                            size += len(chunk)
                    # Re-check while copying: a retried PUT may have replaced the part.
                    if md5.hexdigest() != etag:
                        raise missing_part_error(number)
                    part_digests += md5.digest()
                # The same ETag S3 gives a multipart object: md5 of the part md5s, "-count".
                object_etag = (
                    f"{hashlib.md5(part_digests, usedforsecurity=False).hexdigest()}-{len(wanted)}"
                )
                info = ObjectInfo(
                    key=key,
                    size=size,
                    etag=object_etag,
                    sha256=sha256.hexdigest(),
                    content_type=content_type,
                )
                self._publish(temp, info)
            finally:
                temp.discard()
        shutil.rmtree(folder, ignore_errors=True)
        return info

    def _publish(self, temp: _TempFile, info: ObjectInfo) -> None:
        """Move a finished temp file to the object's path with its meta, or leave neither."""
        destination = self._object_path(info.key)
        meta_path = self._meta_path(info.key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        # Meta first: head() ignores meta whose size disagrees, so a stale one is harmless.
        self._write_json(
            meta_path,
            {
                "size": info.size,
                "etag": info.etag,
                "sha256": info.sha256,
                "content_type": info.content_type,
            },
        )
        try:
            temp.publish(destination)
        except BaseException:
            meta_path.unlink(missing_ok=True)
            raise

    def abort(self, key: str, upload_id: str) -> None:
        try:
            folder = self._upload_dir(key, upload_id)
        except StorageError:
            return
        # Rename first so a part arriving now fails cleanly instead of recreating files.
        doomed = self._tmp / f".aborted-{upload_id}"
        with _disk_errors():
            try:
                os.replace(folder, doomed)
            except FileNotFoundError:
                return  # a concurrent abort or complete got there first
            shutil.rmtree(doomed, ignore_errors=True)

    # Objects -----------------------------------------------------------------------------

    def head(self, key: str) -> ObjectInfo:
        path = self._object_path(key)
        try:
            size = path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            raise not_found_error() from None
        if not path.is_file():
            raise not_found_error()
        try:
            meta = json.loads(self._meta_path(key).read_text("utf-8"))
        except (OSError, ValueError):
            meta = {}
        if meta.get("size") != size:
            meta = {}
        return ObjectInfo(
            key=key,
            size=size,
            etag=meta.get("etag", ""),
            sha256=meta.get("sha256"),
            content_type=meta.get("content_type"),
        )

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if start < 0 or length < 0:
            raise ValueError("start and length must not be negative")
        try:
            with open(self.local_path(key), "rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except OSError as exc:
            raise not_found_error() from exc

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        try:
            handle = open(self.local_path(key), "rb")  # noqa: SIM115 - closed by the generator
        except OSError as exc:
            raise not_found_error() from exc
        return self._stream(handle, chunk_size)

    @staticmethod
    def _stream(handle, chunk_size: int) -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def put_file(self, key: str, fileobj: BinaryIO, *, content_type: str) -> ObjectInfo:
        validate_key(key)
        sha256 = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        with _disk_errors():
            temp = _TempFile(self._tmp)
            try:
                while chunk := fileobj.read(CHUNK):
                    temp.write(chunk)
                    sha256.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
                info = ObjectInfo(
                    key=key,
                    size=size,
                    etag=md5.hexdigest(),
                    sha256=sha256.hexdigest(),
                    content_type=content_type,
                )
                self._publish(temp, info)
            finally:
                temp.discard()
        return info

    def sha256(self, key: str) -> str:
        """The sha256 recorded when the object was written, else computed by streaming."""
        return self.head(key).sha256 or super().sha256(key)

    def download_response(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        inline: bool,
        expires_in: int = 300,
    ) -> flask.Response:
        """Stream the file with Range support (so audio and video can seek), nosniff and
        the Content-Disposition; ``expires_in`` has no meaning here."""
        info = self.head(key)
        response = flask.send_file(
            self.local_path(key),
            mimetype=content_type or "application/octet-stream",
            conditional=True,
            etag=info.etag or True,
            max_age=None,
        )
        response.headers["Content-Disposition"] = self._disposition(filename, content_type, inline)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    def delete(self, key: str) -> None:
        with _disk_errors():
            self._object_path(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        for folder, subfolders, files in os.walk(self._objects):
            subfolders.sort()
            relative = Path(folder).relative_to(self._objects).as_posix()
            for name in sorted(files):
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix):
                    try:
                        yield self.head(key)
                    except StorageError:
                        continue  # deleted while we walked

    def list_multipart_uploads(self) -> list[tuple[str, str, datetime]]:
        uploads = []
        for folder in sorted(self._multipart.iterdir()):
            try:
                meta = json.loads((folder / "meta.json").read_text("utf-8"))
                created = datetime.fromisoformat(meta["created"]).astimezone(UTC)
            except (OSError, ValueError, KeyError):
                continue
            uploads.append((meta["key"], folder.name, created))
        return uploads
