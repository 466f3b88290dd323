"""verify_object: the real size, type, pages, dimensions and duration of an upload."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfWriter

from portal.files.verify import FileFacts, SlotPolicy, VerificationError, verify_object
from portal.storage import MediaSource

KEY = "2025/entry-5/file"
MiB = 1024 * 1024
PDF_SLOT = SlotPolicy(kind="article", formats=("pdf",), max_size=10 * MiB)


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_bytes(width=320, height=200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", quality=80)
    return out.getvalue()


def store(storage, data: bytes, content_type="application/octet-stream"):
    storage.put_file(KEY, io.BytesIO(data), content_type=content_type)


def refused(storage, policy=PDF_SLOT) -> str:
    with pytest.raises(VerificationError) as caught:
        verify_object(storage, KEY, policy)
    return str(caught.value)


def test_valid_pdf_gives_page_count_and_sha256(harness, storage):
    data = pdf_bytes(2)
    store(storage, data, "application/pdf")
    # put_file's ETag: md5 of the bytes on S3 (one part), their sha256 on local storage
    etag = (hashlib.md5 if harness.backend == "s3" else hashlib.sha256)(data).hexdigest()
    assert verify_object(storage, KEY, PDF_SLOT) == FileFacts(
        size=len(data),
        content_type="application/pdf",
        extension="pdf",
        sha256=hashlib.sha256(data).hexdigest(),
        etag=etag,
        page_count=2,
    )


class CountingStore:
    """The store under test, counting the reads verify_object makes of it."""

    def __init__(self, storage):
        self._storage = storage
        self.reads: list[str] = []

    def __getattr__(self, name):
        return getattr(self._storage, name)

    def media_source(self, key, *, expires_in):
        # Stand in for a remote store even on the local backend: never a local file.
        real = self._storage.media_source(key, expires_in=expires_in)
        return MediaSource(location=real.location, protocols=real.protocols, local=False)

    def read_range(self, key, start, length):
        self.reads.append(f"range {start}+{length}")
        return self._storage.read_range(key, start, length)

    def iter_chunks(self, key, chunk_size=1 << 20):
        self.reads.append("whole")
        return self._storage.iter_chunks(key, chunk_size)

    def sha256(self, key):
        self.reads.append("sha256")
        return self._storage.sha256(key)


def test_small_remote_pdf_is_read_once_for_type_pages_and_sha256(storage):
    data = pdf_bytes(2)
    store(storage, data, "application/pdf")
    counting = CountingStore(storage)
    facts = verify_object(counting, KEY, PDF_SLOT)
    assert (facts.page_count, facts.sha256) == (2, hashlib.sha256(data).hexdigest())
    assert counting.reads == ["whole"]


def test_large_remote_pdf_is_sniffed_by_ranges_then_read_once(storage):
    data = pdf_bytes(2)
    store(storage, data, "application/pdf")
    counting = CountingStore(storage)
    facts = verify_object(counting, KEY, PDF_SLOT, sha256_inline_max=10)
    assert facts.page_count == 2
    assert counting.reads == ["range 0+8192", f"range {max(0, len(data) - 1024)}+1024", "whole"]


def test_pdf_over_the_inline_limit_still_gets_sha256_from_its_one_read(storage):
    data = pdf_bytes(3)
    store(storage, data, "application/pdf")
    facts = verify_object(storage, KEY, PDF_SLOT, sha256_inline_max=10)
    assert (facts.page_count, facts.sha256) == (3, hashlib.sha256(data).hexdigest())


def test_renamed_windows_program_is_refused(storage):
    store(storage, b"MZ" + b"\x90\x00" * 500, "application/pdf")
    assert refused(storage) == (
        "This file is really a Windows program (EXE), whatever its name says. "
        "This slot accepts: PDF."
    )


def test_unrecognised_bytes_are_refused(storage):
    store(storage, b"just some text, not a PDF\n" * 10)
    assert refused(storage) == ("We could not recognise this file's type. This slot accepts: PDF.")


def test_empty_file_is_refused(storage):
    store(storage, b"")
    assert refused(storage) == "The file is empty (0 bytes). Please upload it again."


def test_file_of_exactly_the_limit_is_accepted_and_one_byte_over_is_refused(storage):
    data = pdf_bytes(1)
    exact = SlotPolicy(kind="article", formats=("pdf",), max_size=len(data))
    store(storage, data)
    assert verify_object(storage, KEY, exact).page_count == 1

    tight = SlotPolicy(kind="article", formats=("pdf",), max_size=len(data) - 1)
    assert refused(storage, tight) == (
        f"The file is {len(data):,} bytes; the limit for this slot is {len(data) - 1:,} bytes."
    )


def test_oversized_file_message_gives_both_sizes_in_mb(storage):
    store(storage, b"%PDF-" + b"0" * (3 * MiB))
    policy = SlotPolicy(kind="article", formats=("pdf",), max_size=2 * MiB)
    assert refused(storage, policy) == "The file is 3.0 MB; the limit for this slot is 2.0 MB."


def test_truncated_pdf_is_refused(storage):
    data = pdf_bytes(2)
    store(storage, data[: len(data) // 2])
    assert refused(storage) == (
        "The PDF is damaged or incomplete. Export it again and upload the new file."
    )


def test_pdf_with_broken_body_is_refused(storage):
    store(storage, b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n")
    assert refused(storage) == (
        "The PDF is damaged or incomplete. Export it again and upload the new file."
    )


def test_jpeg_gives_its_dimensions(storage):
    data = jpeg_bytes(320, 200)
    store(storage, data, "image/jpeg")
    facts = verify_object(storage, KEY, SlotPolicy("photo", ("jpeg",), 20 * MiB))
    assert (facts.extension, facts.content_type, facts.width, facts.height) == (
        "jpg",
        "image/jpeg",
        320,
        200,
    )
    assert facts.sha256 == hashlib.sha256(data).hexdigest()


def test_jpeg_in_a_pdf_slot_is_refused(storage):
    store(storage, jpeg_bytes())
    assert refused(storage) == (
        "This file is really JPEG, whatever its name says. This slot accepts: PDF."
    )


FFMPEG = shutil.which("ffmpeg")


@pytest.fixture(scope="module")
def mp4_bytes(tmp_path_factory):
    if not FFMPEG:
        pytest.skip("ffmpeg is not installed; cannot make a test video")
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=64x48:rate=10",
            "-c:v",
            "mpeg4",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def test_mp4_gives_its_duration(storage, mp4_bytes):
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe is not installed")
    store(storage, mp4_bytes, "video/mp4")
    facts = verify_object(storage, KEY, SlotPolicy("video", ("mp4", "mov"), 4 * 1024 * MiB))
    assert (facts.extension, facts.content_type) == ("mp4", "video/mp4")
    assert facts.duration_seconds == pytest.approx(2.0, abs=0.15)


def test_truncated_mp4_is_refused(storage, mp4_bytes):
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe is not installed")
    store(storage, mp4_bytes[:200])
    assert refused(storage, SlotPolicy("video", ("mp4",), 4 * 1024 * MiB)) == (
        "The audio or video file is damaged or incomplete. Export it again and upload the new file."
    )


def test_without_ffprobe_duration_is_left_unknown(storage, mp4_bytes, caplog):
    store(storage, mp4_bytes, "video/mp4")
    facts = verify_object(
        storage, KEY, SlotPolicy("video", ("mp4",), 4 * 1024 * MiB), ffprobe_path=None
    )
    assert facts.duration_seconds is None
    assert "ffprobe not found" in caplog.text


def _forbid_whole_reads(storage, monkeypatch):
    """Make any read of the whole object fail the test (ranges stay allowed)."""

    def whole(*args, **kwargs):
        raise AssertionError("the whole object was read")

    monkeypatch.setattr(storage, "iter_chunks", whole)
    monkeypatch.setattr(storage, "sha256", whole)


def test_large_media_on_s3_is_verified_without_a_whole_read(s3, mp4_bytes, monkeypatch):
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe is not installed")
    storage = s3.storage
    store(storage, mp4_bytes, "video/mp4")
    _forbid_whole_reads(storage, monkeypatch)

    facts = verify_object(storage, KEY, SlotPolicy("video", ("mp4",), 4 * 1024 * MiB),
                          sha256_inline_max=len(mp4_bytes) - 1)

    assert (facts.size, facts.extension, facts.sha256, facts.etag) == (
        len(mp4_bytes), "mp4", None, hashlib.md5(mp4_bytes).hexdigest())
    assert facts.duration_seconds == pytest.approx(2.0, abs=0.15)


def test_media_at_the_inline_limit_on_s3_gets_its_sha256(s3, mp4_bytes):
    store(s3.storage, mp4_bytes, "video/mp4")
    facts = verify_object(s3.storage, KEY, SlotPolicy("video", ("mp4",), 4 * 1024 * MiB),
                          sha256_inline_max=len(mp4_bytes), ffprobe_path=None)
    assert facts.sha256 == hashlib.sha256(mp4_bytes).hexdigest()


def test_large_media_on_local_storage_has_the_sha256_recorded_at_write(
    local, mp4_bytes, monkeypatch
):
    store(local.storage, mp4_bytes, "video/mp4")
    _forbid_whole_reads(local.storage, monkeypatch)
    facts = verify_object(local.storage, KEY, SlotPolicy("video", ("mp4",), 4 * 1024 * MiB),
                          sha256_inline_max=1, ffprobe_path=None)
    assert (facts.sha256, facts.etag) == (hashlib.sha256(mp4_bytes).hexdigest(),) * 2
