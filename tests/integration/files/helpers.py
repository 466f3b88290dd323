"""Driving the upload protocol the way uploader.js does, through the test client."""

from __future__ import annotations

import io
import re

from pypdf import PdfWriter

from portal.extensions import db
from portal.models import EntryFile
from portal.storage import get_storage

MiB = 1024 * 1024
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')


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
    page = client.get(f"/files/entries/{entry_id}/slots").get_data(as_text=True)
    match = DATA_CSRF.search(page)
    assert match, page[:500]
    return match.group(1)


class Uploader:
    """The JSON protocol with the session's CSRF token in X-CSRFToken."""

    def __init__(self, client, entry_id: int, *, put=None):
        self.client = client
        self.entry_id = entry_id
        self.token = csrf(client, entry_id)
        self._put = put  # None: the local part endpoint through the test client

    def headers(self):
        return {"X-CSRFToken": self.token, "Accept": "application/json"}

    def start(self, slot_id, filename, size, *, part=None, type_="application/pdf"):
        return self.client.post(
            f"/files/entries/{self.entry_id}/uploads",
            json={"slot_id": slot_id, "part_number": part, "filename": filename, "size": size,
                  "type": type_},
            headers=self.headers(),
        )

    def sign(self, file_id: int, number: int):
        return self.client.post(f"/files/uploads/{file_id}/parts/{number}",
                                headers=self.headers())

    def put(self, url: str, data: bytes):
        """PUT a part to its signed URL; returns (status, etag, body)."""
        if self._put is not None:
            return self._put(url, data)
        response = self.client.put(url, data=data)
        return response.status_code, response.headers.get("ETag"), response.get_json()

    def send_part(self, file_id: int, number: int, data: bytes) -> str:
        signed = self.sign(file_id, number)
        assert signed.status_code == 200, signed.get_json()
        status, etag, body = self.put(signed.get_json()["url"], data)
        assert status == 200, body
        return etag

    def list_parts(self, file_id: int):
        return self.client.get(f"/files/uploads/{file_id}/parts", headers=self.headers())

    def complete(self, file_id: int, parts):
        return self.client.post(
            f"/files/uploads/{file_id}/complete",
            json={"parts": [{"number": n, "etag": e} for n, e in parts]},
            headers=self.headers(),
        )

    def abort(self, file_id: int):
        return self.client.post(f"/files/uploads/{file_id}/abort", headers=self.headers())

    def upload(self, slot_id, filename, data: bytes, *, part=None, part_size=None):
        """The whole protocol; returns the completion response."""
        started = self.start(slot_id, filename, len(data), part=part)
        assert started.status_code == 201, started.get_json()
        body = started.get_json()
        size = body["part_size"] if part_size is None else part_size
        chunks = [data] if body["parts"] == 1 else [
            data[i:i + size] for i in range(0, len(data), size)
        ]
        parts = [(n, self.send_part(body["file_id"], n, chunk))
                 for n, chunk in enumerate(chunks, start=1)]
        return self.complete(body["file_id"], parts)


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
