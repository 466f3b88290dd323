"""Driving the upload protocol the way uploader.js does, through the test client."""

from __future__ import annotations

import io

from pypdf import PdfWriter

from portal.extensions import db
from portal.models import EntryFile
from portal.storage import get_storage
from tests.support.uploader import Uploader, csrf_token, over_http  # noqa: F401

MiB = 1024 * 1024


def make_pdf(pages: int = 2, pad: int = 0) -> bytes:
    """A valid PDF of `pages` blank pages, padded with an attachment of `pad` random-ish bytes."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if pad:
        writer.add_attachment("pad.bin", bytes(range(256)) * (pad // 256) + b"x" * (pad % 256))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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


def make_mp4(size: int) -> bytes:
    """A valid 2 s MP4 (moov first, so ffprobe reads only its head) padded to ``size``
    bytes with an MP4 'free' box, which ffprobe skips."""
    import shutil
    import struct
    import subprocess
    import tempfile

    import pytest

    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed; cannot make a test video")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/clip.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=64x48:rate=10",
             "-c:v", "mpeg4", "-pix_fmt", "yuv420p", "-movflags", "+faststart", path],
            check=True, timeout=60,
        )
        with open(path, "rb") as fh:
            head = fh.read()
    pad = size - len(head) - 16
    assert pad >= 0
    body = (bytes(range(256)) * (pad // 256 + 1))[:pad]
    return head + struct.pack(">I4sQ", 1, b"free", pad + 16) + body
