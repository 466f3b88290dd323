"""LocalStorage: objects on the app server's disk, parts PUT to the app with signed URLs.

Parts written in place. The uploader cuts a file into parts of one fixed size and the
portal passes that size to ``start_upload``. Part n is then written straight into one
sparse file, ``multipart/<upload>/data``, at offset (n-1) * part_size (os.pwrite, 1 MiB at
a time, fdatasync before the 200), and its ETag and size go to ``part-<n>.json``, which is
removed while the part's bytes change, so a part counts as received only once all its
bytes are on disk. Completion checks that the listed parts arrived with their ETags and
sizes (all but the last exactly part_size), reads the file once for its sha256 (still in
the page cache), fsyncs it and renames it into ``objects/``: every byte is written to
disk once, and a 4 GB upload completes in seconds. Without a part size (tests, old
callers) each part is a file of its own and completion concatenates them.

Concurrency: parts hold a shared flock on the assembly file while they write and
completion an exclusive one, so no byte lands after the sha256 is taken (completion
waits COMPLETE_WAIT_SECONDS for a part still arriving, then answers 503); two copies of
one part never write at once (a per-part flock; the later copy gets 503 and the browser
retries it). flock needs the storage root on a local file system, not NFS.

ETags. A part's ETag is the hex sha256 of its bytes, not md5 as on S3: it only has to
match a retried or resumed part to the bytes stored, and sha256 is both collision-safe
and, on CPUs with SHA extensions (SHA-NI on x86 since ~2017, ARMv8 crypto), about twice as
fast as md5 (1.5 vs 0.7 GB/s on the bench machine). An object's ETag follows S3's
multipart scheme with sha256 for md5: sha256 of the parts' digests, "-<count>"; a file
stored with ``put_file`` has its sha256 as ETag. Every object's sha256 is recorded in
``meta/<key>.json`` when it is written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
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
    SIGNED_OPERATIONS,
    MediaSource,
    ObjectInfo,
    Storage,
    StorageError,
    UploadedPart,
    check_completion_list,
    check_part_number,
    check_parts_received,
    check_served_etag,
    missing_part_error,
    not_found_error,
    validate_key,
    validate_prefix,
)

CHUNK = 1 << 20
READ_CHUNK = 4 << 20
ASSEMBLY = "data"
# How long completion waits for a part still arriving before answering "try again".
COMPLETE_WAIT_SECONDS = 10.0
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_PART_FILE = re.compile(r"part-(\d{5})")
_SIDECAR = re.compile(r"part-(\d{5})\.json")
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


def _part_busy() -> StorageError:
    # 503, not 409: the browser retries it, by which time the earlier copy has finished.
    return StorageError(
        _l("An earlier copy of this part is still arriving. It will be sent again in a moment."),
        status=503,
    )


def _still_arriving() -> StorageError:
    return StorageError(
        _l("A part of the file is still arriving. Please try again in a moment."), status=503
    )


def _same_file(fd: int, path: Path) -> bool:
    """True while ``path`` still names the file open as ``fd`` (not renamed or removed)."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _lock_exclusive(fd: int) -> None:
    """flock(LOCK_EX) on the assembly file, waiting a little for parts still arriving."""
    deadline = time.monotonic() + COMPLETE_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise _still_arriving() from None
            time.sleep(0.05)


def _sha256_of(fd: int, size: int) -> str:
    """The sha256 of the first ``size`` bytes of ``fd``, read into one reused buffer (an
    mmap would copy nothing, but counts every page it touches in the worker's RSS)."""
    digest = hashlib.sha256()
    os.posix_fadvise(fd, 0, size, os.POSIX_FADV_SEQUENTIAL)
    buffer = bytearray(READ_CHUNK)
    view = memoryview(buffer)
    position = 0
    while position < size:
        got = os.preadv(fd, [view[: min(READ_CHUNK, size - position)]], position)
        if not got:
            raise OSError(errno.EIO, "the assembled file is shorter than its parts")
        digest.update(view[:got])  # releases the GIL
        position += got
    return digest.hexdigest()


def multipart_etag(part_etags: Sequence[str]) -> str:
    """The object's ETag: sha256 of the parts' sha256 digests, then "-<count>" (S3's
    multipart scheme with sha256 for md5). Equal content uploaded with equal part sizes
    gets equal ETags."""
    joined = b"".join(bytes.fromhex(etag) for etag in part_etags)
    return f"{hashlib.sha256(joined).hexdigest()}-{len(part_etags)}"


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    written = os.pwrite(fd, data, offset)
    if written < len(data):
        view = memoryview(data)
        while written < len(data):
            written += os.pwrite(fd, view[written:], offset + written)


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
        url_for_request: Callable[[str, dict], str],
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
        self._signer = URLSafeTimedSerializer(secret_key, salt="local-s3-request")
        # (key, query) -> the URL of the app's S3-compatible endpoint; injected by the app
        # factory so the backend never needs a request or url_for.
        self._url_for_request = url_for_request

    # Paths -------------------------------------------------------------------------------

    def _object_path(self, key: str) -> Path:
        return self._objects / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self._meta / (validate_key(key) + ".json")

    def _upload_dir(self, key: str, upload_id: str) -> Path:
        """The staging folder of an upload of ``key``; StorageError if it is gone."""
        return self._upload(key, upload_id)[0]

    def _upload(self, key: str, upload_id: str) -> tuple[Path, dict]:
        """The staging folder of an upload of ``key`` and its meta; StorageError if gone."""
        validate_key(key)
        if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
            raise _upload_gone()
        folder = self._multipart / upload_id
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise _upload_gone() from None
        if not isinstance(meta, dict) or meta.get("key") != key:
            raise _upload_gone()
        return folder, meta

    def _path(self, key: str) -> Path:
        """The file holding the object; StorageError if it does not exist."""
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

    def start_upload(self, key: str, *, content_type: str, part_size: int | None = None) -> str:
        """Open an upload; with ``part_size`` its parts are written in place into one
        sparse file (see the module docstring), else each into a file of its own."""
        validate_key(key)
        if part_size is not None and (
            not isinstance(part_size, int) or isinstance(part_size, bool) or part_size < 1
        ):
            raise ValueError("part_size must be a positive int or None")
        upload_id = os.urandom(16).hex()
        meta = {
            "key": key,
            "content_type": content_type,
            "created": datetime.now(UTC).isoformat(),
            "part_size": part_size,
        }
        with _disk_errors():
            # Build the folder aside and rename it in, so no upload is ever seen without meta.
            building = Path(tempfile.mkdtemp(dir=self._tmp, prefix=".upload-"))
            try:
                (building / "meta.json").write_text(json.dumps(meta), "utf-8")
                if part_size is not None:
                    (building / ASSEMBLY).touch()
                os.replace(building, self._multipart / upload_id)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
        return upload_id

    # The S3-compatible endpoint (for Uppy's AwsS3 plugin) ---------------------------------

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
        """The app's URL (``/storage/s3/<key>``) for one S3 request on an open upload, with
        an HMAC token naming exactly that operation, key, upload, part and body length;
        valid ``expires_in`` seconds, and dead as soon as the upload is completed or
        aborted (the endpoint finds no upload)."""
        if operation not in SIGNED_OPERATIONS:
            raise ValueError(f"cannot sign {operation!r}")
        self._upload(key, upload_id)  # 404 for an upload that is gone
        query: dict = {"uploadId": upload_id}
        if operation == "upload_part":
            query["partNumber"] = check_part_number(part_number)
            content_length = int(content_length)
        else:
            content_length = None
        query["token"] = self._signer.dumps({
            "o": operation, "k": key, "u": upload_id, "p": query.get("partNumber"),
            "n": content_length, "e": int(expires_in),
        })
        return self._url_for_request(key, query)

    def read_request_token(self, token: str) -> dict:
        """The payload of a ``sign_request`` token; StorageError 403 when it is forged,
        damaged or expired."""
        try:
            payload, signed_at = self._signer.loads(token, return_timestamp=True)
            lifetime = int(payload["e"])
        except (BadSignature, KeyError, TypeError, ValueError):
            raise StorageError(
                _l("This upload link is invalid. Please reload the page and try again."),
                status=403,
            ) from None
        if time.time() - signed_at.timestamp() > lifetime:
            raise StorageError(
                _l("This upload link has expired. Reload the page to resume the upload."),
                status=403,
            )
        return payload

    def _too_large(self, limit: int) -> StorageError:
        return StorageError(
            _l(
                "A part of the upload is larger than %(limit)s MB.",
                limit=limit // (1024 * 1024) if limit >= 1024 * 1024 else f"{limit / 2**20:.2f}",
            ),
            status=413,
        )

    def receive_part(
        self, key: str, upload_id: str, number: int, stream: BinaryIO
    ) -> UploadedPart:
        """Stream ``stream`` to disk as part ``number`` (1 MiB at a time), for a caller that
        has checked the request's token (the S3-compatible endpoint, see
        ``sign_request``). The ETag is the hex sha256 of the part. Raises StorageError:
        404 when the upload is gone, 413 for a part over ``max_part_size`` (or the
        upload's part size), 503 while an earlier copy of the same part is still
        arriving, 507 when the disk is full; a part that fails is not listed as received.
        """
        folder, meta = self._upload(key, upload_id)
        check_part_number(number)
        part_size = meta.get("part_size")
        if part_size is None:
            return self._receive_part_file(folder, number, stream)
        return self._receive_in_place(folder, number, stream, part_size)

    def _receive_part_file(self, folder: Path, number: int, stream: BinaryIO) -> UploadedPart:
        digest = hashlib.sha256()
        size = 0
        with _disk_errors():
            temp = _TempFile(self._tmp)
            try:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_part_size:
                        raise self._too_large(self.max_part_size)
                    digest.update(chunk)
                    temp.write(chunk)
                etag = digest.hexdigest()
                # The ETag goes in first: a part file is never visible without its ETag.
                self._write_json(folder / f"part-{number:05d}.json", {"etag": etag, "size": size})
                try:
                    temp.publish(folder / f"part-{number:05d}")
                except FileNotFoundError:
                    raise _upload_gone() from None  # aborted while this part was arriving
            finally:
                temp.discard()
        return UploadedPart(number=number, size=size, etag=etag)

    def _receive_in_place(
        self, folder: Path, number: int, stream: BinaryIO, part_size: int
    ) -> UploadedPart:
        limit = min(self.max_part_size, part_size)
        offset = (number - 1) * part_size
        sidecar = folder / f"part-{number:05d}.json"
        with _disk_errors():
            try:
                fd = os.open(folder / ASSEMBLY, os.O_WRONLY)
            except FileNotFoundError:
                raise _upload_gone() from None
            try:
                # Shared: parts arrive side by side; completion takes it exclusively, so no
                # byte lands in the file once completion has started hashing it.
                fcntl.flock(fd, fcntl.LOCK_SH)
                if not _same_file(fd, folder / ASSEMBLY):
                    raise _upload_gone()  # completed or aborted while we waited
                try:
                    lock = os.open(folder / f"part-{number:05d}.lock", os.O_WRONLY | os.O_CREAT)
                except FileNotFoundError:
                    raise _upload_gone() from None
                try:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        raise _part_busy() from None
                    # The part counts as not received while its bytes change.
                    sidecar.unlink(missing_ok=True)
                    digest = hashlib.sha256()
                    size = 0
                    while chunk := stream.read(CHUNK):
                        if size + len(chunk) > limit:
                            raise self._too_large(limit)  # nothing written past the part
                        digest.update(chunk)
                        _pwrite_all(fd, chunk, offset + size)
                        size += len(chunk)
                    os.fdatasync(fd)  # a 200 means the part survives a crash, as on S3
                    etag = digest.hexdigest()
                    try:
                        self._write_json(sidecar, {"etag": etag, "size": size})
                    except FileNotFoundError:
                        raise _upload_gone() from None  # aborted while this part was arriving
                finally:
                    os.close(lock)
            finally:
                os.close(fd)
        return UploadedPart(number=number, size=size, etag=etag)

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        folder, meta = self._upload(key, upload_id)
        with _disk_errors():
            if meta.get("part_size") is not None:
                return self._sidecars(folder)
            parts = []
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

    @staticmethod
    def _sidecars(folder: Path) -> list[UploadedPart]:
        parts = []
        for path in folder.iterdir():
            match = _SIDECAR.fullmatch(path.name)
            if not match:
                continue
            try:
                data = json.loads(path.read_text("utf-8"))
                parts.append(
                    UploadedPart(number=int(match[1]), size=int(data["size"]), etag=data["etag"])
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue  # removed while we listed: that part is arriving again
        return sorted(parts, key=lambda part: part.number)

    def complete(self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> ObjectInfo:
        folder, meta = self._upload(key, upload_id)
        wanted = check_completion_list(parts)
        if meta.get("part_size") is not None:
            info = self._complete_in_place(key, folder, meta, wanted)
        else:
            info = self._complete_part_files(key, upload_id, folder, meta, wanted)
        shutil.rmtree(folder, ignore_errors=True)
        return info

    def _complete_in_place(
        self, key: str, folder: Path, meta: dict, wanted: list[tuple[int, str]]
    ) -> ObjectInfo:
        part_size = meta["part_size"]
        with _disk_errors():
            try:
                fd = os.open(folder / ASSEMBLY, os.O_RDWR)
            except FileNotFoundError:
                raise _upload_gone() from None
            try:
                _lock_exclusive(fd)
                if not _same_file(fd, folder / ASSEMBLY):
                    raise _upload_gone()  # another completion or an abort got there first
                received = {part.number: part for part in self._sidecars(folder)}
                check_parts_received(wanted, received, part_size=part_size)
                size = (len(wanted) - 1) * part_size + received[len(wanted)].size
                # Parts past the last listed one are cut off: forget them before their
                # bytes go, so a later completion cannot count them as received.
                for number in received:
                    if number > len(wanted):
                        (folder / f"part-{number:05d}.json").unlink(missing_ok=True)
                os.ftruncate(fd, size)
                # One read of the file, from the page cache while it is fresh.
                digest = _sha256_of(fd, size)
                os.fsync(fd)
                info = ObjectInfo(
                    key=key,
                    size=size,
                    etag=multipart_etag([etag for _number, etag in wanted]),
                    sha256=digest,
                    content_type=meta["content_type"],
                )
                self._publish(info, lambda destination: os.replace(folder / ASSEMBLY, destination))
            finally:
                os.close(fd)
        return info

    def _complete_part_files(
        self, key: str, upload_id: str, folder: Path, meta: dict, wanted: list[tuple[int, str]]
    ) -> ObjectInfo:
        check_parts_received(
            wanted, {part.number: part for part in self.list_parts(key, upload_id)}
        )
        sha256 = hashlib.sha256()
        size = 0
        with _disk_errors():
            temp = _TempFile(self._tmp)
            try:
                for number, etag in wanted:
                    digest = hashlib.sha256()
                    with open(folder / f"part-{number:05d}", "rb") as part:
                        while chunk := part.read(CHUNK):
                            temp.write(chunk)
                            sha256.update(chunk)
                            digest.update(chunk)
                            size += len(chunk)
                    # Re-check while copying: a retried PUT may have replaced the part.
                    if digest.hexdigest() != etag:
                        raise missing_part_error(number)
                info = ObjectInfo(
                    key=key,
                    size=size,
                    etag=multipart_etag([etag for _number, etag in wanted]),
                    sha256=sha256.hexdigest(),
                    content_type=meta["content_type"],
                )
                self._publish(info, temp.publish)
            finally:
                temp.discard()
        return info

    def _publish(self, info: ObjectInfo, move: Callable[[Path], None]) -> None:
        """Record the object's meta, then ``move(destination)`` its finished bytes into
        place (an atomic rename); leave neither when that fails."""
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
            move(destination)
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
            with open(self._path(key), "rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except OSError as exc:
            raise not_found_error() from exc

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 - closed by the generator
        except OSError as exc:
            raise not_found_error() from exc
        return self._stream(handle, chunk_size)

    @staticmethod
    def _stream(handle, chunk_size: int) -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def put_file(self, key: str, fileobj: BinaryIO, *, content_type: str) -> ObjectInfo:
        """Store ``fileobj`` as ``key``; its ETag is its sha256, like a part's."""
        validate_key(key)
        sha256 = hashlib.sha256()
        size = 0
        with _disk_errors():
            temp = _TempFile(self._tmp)
            try:
                while chunk := fileobj.read(CHUNK):
                    temp.write(chunk)
                    sha256.update(chunk)
                    size += len(chunk)
                info = ObjectInfo(
                    key=key,
                    size=size,
                    etag=sha256.hexdigest(),
                    sha256=sha256.hexdigest(),
                    content_type=content_type,
                )
                self._publish(info, temp.publish)
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
        etag: str | None = None,
        expires_in: int = 300,
    ) -> flask.Response:
        """Stream the file with Range support (so audio and video can seek), nosniff and
        the Content-Disposition, after checking it still carries ``etag``; ``expires_in``
        has no meaning here."""
        info = self.head(key)
        check_served_etag(info, etag)
        response = flask.send_file(
            self._path(key),
            mimetype=content_type or "application/octet-stream",
            conditional=True,
            etag=info.etag or True,
            max_age=None,
        )
        response.headers["Content-Disposition"] = self._disposition(filename, content_type, inline)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    def media_source(self, key: str, *, expires_in: int) -> MediaSource:
        """The object's own file: nothing is copied."""
        return MediaSource(location=str(self._path(key)), protocols="file", local=True)

    def browser_origin(self) -> None:
        """None: the portal itself serves the files and receives the parts."""
        return None

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
