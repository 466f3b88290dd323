"""portal.files.sanitize: real PDFs and images naming their author come out without it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from portal.files.sanitize import SanitizeError, can_clean, clean
from tests.support.media import (
    ARTIST_TAG,
    image_metadata,
    image_with_artist,
    pdf_metadata,
    pdf_with_author,
)

AUTHOR = "Nguyễn Thị Riêng Tư"
ASCII_AUTHOR = "Hong Lam Tac Gia"


def _clean(data: bytes, content_type: str) -> bytes:
    out = io.BytesIO()
    clean(io.BytesIO(data), out, content_type=content_type)
    return out.getvalue()


def test_pdf_author_and_xmp_are_removed_and_pages_kept():
    original = pdf_with_author(ASCII_AUTHOR, pages=3)
    assert pdf_metadata(original)["/Author"] == ASCII_AUTHOR  # the fixture does carry it
    assert pdf_metadata(original)["xmp"] == [ASCII_AUTHOR]
    cleaned = _clean(original, "application/pdf")
    assert pdf_metadata(cleaned) == {}
    assert ASCII_AUTHOR.encode() not in cleaned
    assert len(PdfReader(io.BytesIO(cleaned)).pages) == 3


def test_pdf_with_vietnamese_author_keeps_no_trace_of_it():
    cleaned = _clean(pdf_with_author(AUTHOR), "application/pdf")
    assert pdf_metadata(cleaned) == {}
    assert b"Author" not in cleaned and b"xmpmeta" not in cleaned


@pytest.mark.parametrize("fmt, mime", [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                       ("WEBP", "image/webp")])
def test_image_exif_artist_comment_and_text_are_removed(fmt, mime):
    original = image_with_artist(ASCII_AUTHOR, fmt=fmt)
    assert image_metadata(original)[f"exif:{ARTIST_TAG}"] == ASCII_AUTHOR
    cleaned = _clean(original, mime)
    assert image_metadata(cleaned) == {}
    assert ASCII_AUTHOR.encode() not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == fmt


def test_image_orientation_is_applied():
    original = image_with_artist(ASCII_AUTHOR, size=(64, 32), orientation=6)
    with Image.open(io.BytesIO(_clean(original, "image/jpeg"))) as image:
        assert image.size == (32, 64)  # turned upright: 90° clockwise
        r, g, b = image.getpixel((27, 4))[:3]  # the blue top-left marker is now top-right
        assert b > 150 and r < 120


def test_audio_and_video_are_not_cleaned():
    assert [can_clean(t) for t in ("application/pdf", "image/jpeg", "image/png",
                                   "image/webp", "audio/mpeg", "video/mp4")] == [
        True, True, True, True, False, False]
    with pytest.raises(ValueError):
        clean(io.BytesIO(b"ID3"), io.BytesIO(), content_type="audio/mpeg")


def test_broken_files_raise_sanitize_error():
    with pytest.raises(SanitizeError):
        clean(io.BytesIO(b"%PDF-1.4 broken"), io.BytesIO(), content_type="application/pdf")
    with pytest.raises(SanitizeError):
        clean(io.BytesIO(b"\xff\xd8\xff broken"), io.BytesIO(), content_type="image/jpeg")
