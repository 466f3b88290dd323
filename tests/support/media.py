"""Real files for tests: plain PDFs and MP4s of a given size, PDFs and images that carry an
author's name in their metadata, and readers that report what metadata a file still carries
(for the blind-round tests)."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

ARTIST_TAG, ORIENTATION_TAG, IMAGE_DESCRIPTION_TAG = 0x013B, 0x0112, 0x010E
MiB = 1024 * 1024


def _xmp(creator: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def pdf_with_author(author: str, *, pages: int = 2, text: str = "") -> bytes:
    """A PDF whose /Info names ``author`` (Author, Creator) and whose catalog and first
    page carry an XMP packet naming them too."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": author, "/Creator": f"Máy của {author}",
                         "/Title": text or "Bài dự thi"})
    xmp = StreamObject()
    xmp.set_data(_xmp(author))
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    ref = writer._add_object(xmp)
    writer._root_object[NameObject("/Metadata")] = ref
    writer.pages[0][NameObject("/Metadata")] = ref
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_with_artist(artist: str, *, fmt: str = "JPEG", size=(64, 32),
                      orientation: int = 6) -> bytes:
    """An image whose EXIF names ``artist`` (Artist, ImageDescription) and sets an
    orientation; a JPEG also carries a comment, a PNG a text chunk, both naming them."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((0, 0, 255), (0, 0, 12, 12))  # top-left marker, to check the rotation
    exif = image.getexif()
    exif[ARTIST_TAG] = artist
    exif[IMAGE_DESCRIPTION_TAG] = f"Ảnh của {artist}"
    exif[ORIENTATION_TAG] = orientation
    out = io.BytesIO()
    params = {"exif": exif.tobytes()}
    if fmt == "JPEG":
        params["comment"] = f"by {artist}".encode()
    elif fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_itxt("Author", artist)
        params["pnginfo"] = info
    image.save(out, format=fmt, **params)
    return out.getvalue()


def pdf_metadata(data: bytes) -> dict:
    """What pypdf reads of a PDF's metadata: the /Info entries and any XMP creator."""
    reader = PdfReader(io.BytesIO(data))
    info = dict(reader.metadata or {})
    xmp = reader.xmp_metadata
    if xmp is not None:
        info["xmp"] = list(xmp.dc_creator or [])
    for page in reader.pages:
        if "/Metadata" in page:
            info["page_xmp"] = True
    return info


def image_metadata(data: bytes) -> dict:
    """EXIF tags and info entries Pillow reads back from an image."""
    with Image.open(io.BytesIO(data)) as image:
        found = {f"exif:{tag}": value for tag, value in image.getexif().items()}
        found.update({k: v for k, v in image.info.items()
                      if k in ("comment", "xmp", "exif", "Author", "XML:com.adobe.xmp")})
        return found


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
