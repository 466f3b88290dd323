"""Checks a completed upload against its slot's rules (SlotPolicy) from the stored bytes
alone, through the Storage interface only.

What a completion reads: the object's head (real size, the store's ETag), its first 8 KB
(the real type), the last KB of a PDF, and then: a PDF or image whole (pypdf and Pillow
need a file; on S3 a temp copy, whose bytes also give the sha256); audio and video only
through ffprobe (the local file, or a presigned URL it reads by range). The sha256 is the
one the store recorded (LocalStorage records one for every object), else from that same
read, else streamed if the object is at most SHA256_INLINE_MAX bytes; a larger object on
S3 is verified with sha256 None and its ETag, and ``flask storage checksums`` records the
sha256 later, outside any request (docs/deploy.md, "Checksums of large files").
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import filetype
from flask_babel import lazy_gettext as _l
from PIL import Image
from pypdf import PdfReader

from portal.files.formats import canonical, is_media, name
from portal.storage import Storage

log = logging.getLogger(__name__)

MiB = 1024 * 1024
SNIFF_BYTES = 8 * 1024
FFPROBE_TIMEOUT = 120
# Objects up to this size are read whole (on S3) for their sha256 inside the completion
# request; larger ones keep sha256 None, to be filled by `flask storage checksums`.
SHA256_INLINE_MAX = 64 * MiB

class VerificationError(Exception):
    """The upload breaks a rule of its slot; ``str()`` is a translated reason for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class SlotPolicy:
    kind: str  # e.g. "article", "audio", "video", "photo"
    formats: tuple[str, ...]  # e.g. ("pdf",), ("mp4", "mov"), ("jpg",), ("mp3",)
    max_size: int  # bytes


@dataclass(frozen=True)
class FileFacts:
    size: int
    content_type: str  # the sniffed type, never the browser's claim
    extension: str  # canonical: "jpg", "mp4", …
    sha256: str | None  # None: a large object on a store that records none (see module doc)
    etag: str = ""  # the store's checksum of the object (S3: the multipart ETag)
    page_count: int | None = None
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None


def _mb(size: int) -> str:
    return f"{size / MiB:,.1f}"


def verify_object(
    storage: Storage,
    key: str,
    policy: SlotPolicy,
    *,
    ffprobe_path: str | None = shutil.which("ffprobe"),
    sha256_inline_max: int = SHA256_INLINE_MAX,
) -> FileFacts:
    """Check the stored object ``key`` against ``policy`` and return what it really is.

    Reads only the head and byte ranges of audio and video (ffprobe fetches what it
    needs); PDFs and images are read whole for pypdf/Pillow, and that read yields their
    sha256. The sha256 is otherwise the one the store recorded (LocalStorage always
    does), else streamed from a local file or from an object of at most
    ``sha256_inline_max`` bytes; for a larger object on S3 it is None and the caller
    records the ETag instead (``flask storage checksums`` fills it in later).

    Raises VerificationError with the reason when the file is empty, too large, of another
    real type than the slot accepts, or a damaged PDF, image or audio/video file.
    StorageError passes through when the object cannot be read.
    """
    info = storage.head(key)
    if info.size == 0:
        raise VerificationError(_l("The file is empty (0 bytes). Please upload it again."))
    if info.size > policy.max_size:
        size, limit = _mb(info.size), _mb(policy.max_size)
        if size == limit:  # 1 byte over would otherwise read "10.0 MB; the limit is 10.0 MB"
            size, limit = f"{info.size:,} bytes", f"{policy.max_size:,} bytes"
        else:
            size, limit = f"{size} MB", f"{limit} MB"
        raise VerificationError(
            _l(
                "The file is %(size)s; the limit for this slot is %(limit)s.",
                size=size,
                limit=limit,
            )
        )

    with _Source(storage, key, info.size, sha256_inline_max) as source:
        return _check(source, info, policy, ffprobe_path, sha256_inline_max)


def _check(source, info, policy, ffprobe_path, sha256_inline_max) -> FileFacts:
    storage, key = source.storage, source.key
    allowed = tuple(dict.fromkeys(canonical(fmt) for fmt in policy.formats))
    accepted = ", ".join(name(fmt) for fmt in allowed)
    kind = filetype.guess(source.read_range(0, SNIFF_BYTES))
    if kind is None:
        raise VerificationError(
            _l(
                "We could not recognise this file's type. This slot accepts: %(formats)s.",
                formats=accepted,
            )
        )
    extension = canonical(kind.extension)
    if extension not in allowed:
        raise VerificationError(
            _l(
                "This file is really %(actual)s, whatever its name says. "
                "This slot accepts: %(formats)s.",
                actual=name(extension),
                formats=accepted,
            )
        )

    facts = {}
    digest = source.digest
    if extension == "pdf":
        facts["page_count"] = _pdf_pages(source, info.size)
    elif kind.mime.startswith("image/"):
        facts["width"], facts["height"] = _image_size(source)
    elif is_media(extension):
        facts["duration_seconds"] = _duration(source, ffprobe_path)

    sha256 = info.sha256 or digest.hexdigest()
    if sha256 is None and (source.local is not None or info.size <= sha256_inline_max):
        sha256 = storage.sha256(key)
    return FileFacts(
        size=info.size,
        content_type=kind.mime,
        extension=extension,
        sha256=sha256,
        etag=info.etag,
        **facts,
    )


class _Digest:
    """The sha256 of the object, when a temp copy already streamed every byte of it."""

    def __init__(self):
        self.hash = hashlib.sha256()
        self.complete = False

    def hexdigest(self) -> str | None:
        return self.hash.hexdigest() if self.complete else None


class _Source:
    """The object being verified, read through as few store requests as possible.

    A local file is read in place. A remote object small enough to hash inline is copied
    once to a temp file (feeding its sha256) and every later read comes from that copy:
    one GET instead of a GET per range, which matters when the store answers a range
    request by reading the whole object (moto does). Larger remote objects are read by
    byte ranges and never copied, except by ``path()`` for PDFs and images.
    """

    def __init__(self, storage: Storage, key: str, size: int, inline_max: int):
        self.storage, self.key, self.size = storage, key, size
        self.digest = _Digest()
        media = storage.media_source(key, expires_in=FFPROBE_TIMEOUT + 60)
        # A local file is read in place; a remote object through its presigned URL.
        self.local = media.location if media.local else None
        self.media = media
        self._copy = None
        self._eager = self.local is None and size <= inline_max

    def __enter__(self) -> _Source:
        if self._eager:
            self._fill()
        return self

    def __exit__(self, *exc) -> None:
        if self._copy is not None:
            self._copy.close()

    def _fill(self) -> None:
        self._copy = tempfile.NamedTemporaryFile(prefix="verify-")
        for chunk in self.storage.iter_chunks(self.key):
            self._copy.write(chunk)
            self.digest.hash.update(chunk)
        self._copy.flush()
        self.digest.complete = True

    def read_range(self, start: int, length: int) -> bytes:
        if self._copy is None:
            return self.storage.read_range(self.key, start, length)
        self._copy.seek(start)
        return self._copy.read(length)

    def path(self) -> str:
        """A filesystem path holding the whole object (a temp copy for remote objects)."""
        if self.local is not None:
            return self.local
        if self._copy is None:
            self._fill()  # a PDF or image too large to copy eagerly is still read whole
        return self._copy.name


def _pdf_pages(source: _Source, size: int) -> int:
    damaged = VerificationError(
        _l("The PDF is damaged or incomplete. Export it again and upload the new file.")
    )
    # pypdf rebuilds a missing cross-reference table and would happily count the pages of
    # a cut-off file, so first insist on the end-of-file marker a complete PDF carries.
    if b"%%EOF" not in source.read_range(max(0, size - 1024), 1024):
        raise damaged
    try:
        reader = PdfReader(source.path())
        if reader.is_encrypted and not reader.decrypt(""):
            raise VerificationError(
                _l("The PDF is password-protected. Upload it without a password.")
            )
        pages = len(reader.pages)
    except VerificationError:
        raise
    except Exception as exc:  # pypdf raises many types for broken files
        log.info("PDF %s refused: %s", source.key, exc)
        raise damaged from exc
    if pages < 1:
        raise damaged
    return pages


def _image_size(source: _Source) -> tuple[int, int]:
    try:
        with Image.open(source.path()) as image:
            width, height = image.size
            image.verify()  # walks the file structure without decoding every pixel
    except Exception as exc:  # Pillow raises OSError, SyntaxError, DecompressionBomb…
        log.info("image %s refused: %s", source.key, exc)
        raise VerificationError(
            _l("The image is damaged or incomplete. Export it again and upload the new file.")
        ) from exc
    return width, height


def _duration(source: _Source, ffprobe_path: str | None) -> float | None:
    key = source.key
    if not ffprobe_path:
        log.warning("ffprobe not found; the duration of %s is not checked", key)
        return None
    # ffprobe reads a local file in place, or HTTP ranges of a presigned URL itself, so
    # nothing is copied through the app.
    media = source.media
    source, protocols = media.location, media.protocols
    command = [
        ffprobe_path,
        "-v",
        "error",
        # The file is untrusted: let ffprobe open only the source, never what it references.
        "-protocol_whitelist",
        protocols,
        "-show_entries",
        "format=duration",
        "-of",
        "default=nw=1:nk=1",
        source,
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=FFPROBE_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("ffprobe failed on %s: %s", key, exc)
        return None
    output = result.stdout.decode("ascii", "replace").strip()
    try:
        duration = float(output.splitlines()[0])
    except (IndexError, ValueError):
        duration = 0.0
    if result.returncode != 0 or not duration > 0:
        log.info("ffprobe refused %s: %s", key, result.stderr[-500:])
        raise VerificationError(
            _l(
                "The audio or video file is damaged or incomplete. Export it again and "
                "upload the new file."
            )
        )
    return duration


__all__ = ["FileFacts", "SlotPolicy", "VerificationError", "verify_object"]
