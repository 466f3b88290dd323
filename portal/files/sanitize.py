"""Copies of PDFs and images without the metadata that can name an author (blind rounds).

Pure functions from a readable binary stream to a writable one: no Flask, no database, no
storage. A PDF loses its document information dictionary (/Author, /Creator, /Title…) and
every XMP packet (the catalog's and the pages'); a JPEG, PNG or WebP is decoded, turned
upright by its EXIF orientation, and written afresh without EXIF, XMP, IPTC, comments or
text chunks (only the colour profile and PNG transparency are kept). The pages and the
pixels are what a judge reads; everything else stays with the original.
"""

from __future__ import annotations

from typing import BinaryIO

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject

PDF = "application/pdf"
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
CLEANED_TYPES = frozenset({PDF, *IMAGE_FORMATS})
JPEG_QUALITY = 95  # re-encoding is unavoidable once the orientation is applied

_PDF_PAGE_KEYS = ("/Metadata", "/PieceInfo")


class SanitizeError(Exception):
    """The file could not be read well enough to write a clean copy."""


def can_clean(content_type: str | None) -> bool:
    """Whether ``clean`` handles this type (audio and video are served as they are)."""
    return (content_type or "").split(";", 1)[0].strip().lower() in CLEANED_TYPES


def clean(src: BinaryIO, dst: BinaryIO, *, content_type: str) -> None:
    """Write to ``dst`` a copy of ``src`` without identifying metadata. Raises ValueError
    for a type ``can_clean`` refuses, SanitizeError for a file that cannot be parsed."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == PDF:
        clean_pdf(src, dst)
    elif mime in IMAGE_FORMATS:
        clean_image(src, dst, fmt=IMAGE_FORMATS[mime])
    else:
        raise ValueError(f"no cleaner for {content_type!r}")


def clean_pdf(src: BinaryIO, dst: BinaryIO) -> None:
    """Rewrite the PDF without its information dictionary and XMP metadata.

    ``src`` should be a seekable file (a temporary file for a big PDF): pypdf reads its
    objects from it as it copies them, keeping streams compressed.
    """
    try:
        reader = PdfReader(src)
        if reader.is_encrypted and not reader.decrypt(""):
            raise SanitizeError("the PDF is encrypted")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # no /Info in the trailer
        root = writer._root_object
        if "/Metadata" in root:
            del root[NameObject("/Metadata")]
        for page in writer.pages:
            for key in _PDF_PAGE_KEYS:
                if key in page:
                    del page[NameObject(key)]
        # The removed objects are still in the writer's table: write only what is reachable.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        writer.write(dst)
    except SanitizeError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SanitizeError(f"the PDF could not be rewritten: {exc}") from exc


def clean_image(src: BinaryIO, dst: BinaryIO, *, fmt: str) -> None:
    """Decode, apply the EXIF orientation, and encode a fresh image in ``fmt`` (JPEG, PNG
    or WEBP) that carries the pixels, the colour profile and PNG transparency only."""
    try:
        with Image.open(src) as image:
            image.load()
            icc = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise SanitizeError(f"the image could not be read: {exc}") from exc
    upright.info = {}  # nothing of the original's metadata may reach the encoder
    params: dict = {}
    if icc:
        params["icc_profile"] = icc
    if fmt == "JPEG":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        params.update(quality=JPEG_QUALITY, exif=b"")
    elif fmt == "PNG":
        if transparency is not None:
            params["transparency"] = transparency
    elif fmt == "WEBP":
        params.update(quality=JPEG_QUALITY, exif=b"", xmp=b"")
    try:
        upright.save(dst, format=fmt, **params)
    except (OSError, ValueError) as exc:
        raise SanitizeError(f"the image could not be written: {exc}") from exc
