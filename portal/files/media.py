"""Derived media for judges: web-playable proxies, poster frames and PDF thumbnails.

A derivative is derived data: it is stored under ``derived_key(file.key, name)`` beside
the original (so the garbage collector keeps it with its source, and deleting it loses
nothing), made by the "media.build" job after a file is verified (when MEDIA_DERIVATIVES
is on) and remade by ``flask media rebuild``. The original is never changed; organizers
and authors download it, judges stream the proxy when there is one.

- video: H.264/AAC MP4, at most 1280×720, ``+faststart`` (the index first, so a browser
  starts playing before the whole file arrived), and a JPEG poster frame;
- audio: AAC in MP4 (M4A), ``+faststart``;
- PDF: a PNG thumbnail of the first page (for the screening overview).

ffmpeg drops the source's metadata (``-map_metadata -1``): a proxy carries no author or
software name, which blind rounds need anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from portal import jobs
from portal.extensions import db
from portal.models import EntryFile
from portal.storage import Storage, StorageError, get_storage
from portal.storage.base import derived_key

PROXY, POSTER, THUMB = "proxy-1", "poster-1", "thumb-1"
FFMPEG_TIMEOUT = 3600


class MediaError(Exception):
    """ffmpeg or pdftoppm failed, or is not installed."""


def kind(file: EntryFile) -> str | None:
    """"video", "audio", "pdf", or None when the file gets no derivative."""
    content_type = file.content_type or ""
    if content_type.startswith("video/"):
        return "video"
    if content_type.startswith("audio/"):
        return "audio"
    if content_type == "application/pdf":
        return "pdf"
    return None


def derivatives(file: EntryFile) -> dict[str, tuple[str, str]]:
    """name -> (key, content type) of the derivatives this file should have."""
    found = kind(file)
    if found == "video":
        return {PROXY: (derived_key(file.key, PROXY), "video/mp4"),
                POSTER: (derived_key(file.key, POSTER), "image/jpeg")}
    if found == "audio":
        return {PROXY: (derived_key(file.key, PROXY), "audio/mp4")}
    if found == "pdf":
        return {THUMB: (derived_key(file.key, THUMB), "image/png")}
    return {}


def proxy_key(file: EntryFile, storage: Storage) -> str | None:
    """The key of the file's proxy when it has been made, else None."""
    wanted = derivatives(file).get(PROXY)
    if wanted is None:
        return None
    try:
        storage.head(wanted[0])
    except StorageError as exc:
        if exc.status != 404:
            raise
        return None
    return wanted[0]


def _run(args: list[str]) -> None:
    if shutil.which(args[0]) is None:
        raise MediaError(f"{args[0]} is not installed")
    try:
        done = subprocess.run(args, capture_output=True, timeout=FFMPEG_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{args[0]} took longer than {FFMPEG_TIMEOUT} s") from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise MediaError(f"{args[0]} failed: {' | '.join(tail)}")


_SCALE_720 = ("scale='min(1280,iw)':'min(720,ih)':force_original_aspect_ratio=decrease,"
              "scale=trunc(iw/2)*2:trunc(ih/2)*2")


def _make(name: str, source: Path, out: Path) -> None:
    ff = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
          "-map_metadata", "-1", "-map_chapters", "-1"]
    if name == PROXY and out.suffix == ".mp4":
        _run(ff + ["-map", "0:v:0", "-map", "0:a:0?", "-vf", _SCALE_720, "-c:v", "libx264",
                   "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac",
                   "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", str(out)])
    elif name == PROXY:
        _run(ff + ["-vn", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart",
                   "-f", "mp4", str(out)])
    elif name == POSTER:
        _run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", "1",
              "-i", str(source), "-map_metadata", "-1", "-frames:v", "1", "-vf", _SCALE_720,
              "-f", "image2", "-c:v", "mjpeg", str(out)])
        if not out.exists() or out.stat().st_size == 0:  # shorter than 1 s: the first frame
            _run(ff + ["-frames:v", "1", "-vf", _SCALE_720, "-f", "image2", "-c:v", "mjpeg",
                       str(out)])
    elif name == THUMB:
        _run(["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to", "400",
              str(source), str(out.with_suffix(""))])


def build(file: EntryFile, storage: Storage, *, force: bool = False) -> list[str]:
    """Make the file's missing derivatives (all of them with ``force``); return the names
    made. Raises MediaError or StorageError; a derivative is stored only once complete."""
    wanted = derivatives(file)
    if not force:
        for name, (key, _type) in list(wanted.items()):
            try:
                storage.head(key)
                del wanted[name]
            except StorageError as exc:
                if exc.status != 404:
                    raise
    if not wanted:
        return []
    made = []
    with tempfile.TemporaryDirectory(prefix="portal-media-") as tmp:
        source = Path(tmp) / "source"
        with source.open("wb") as out:
            for chunk in storage.iter_chunks(file.key):
                out.write(chunk)
        for name, (key, content_type) in wanted.items():
            suffix = {"video/mp4": ".mp4", "audio/mp4": ".m4a", "image/jpeg": ".jpg",
                      "image/png": ".png"}[content_type]
            out = Path(tmp) / f"{name}{suffix}"
            _make(name, source, out)
            with out.open("rb") as fileobj:
                storage.put_file(key, fileobj, content_type=content_type)
            made.append(name)
    return made


def enqueue_after_commit(file: EntryFile, *, enabled: bool) -> None:
    """Ask for the file's derivatives once the current transaction commits."""
    if enabled and derivatives(file):
        jobs.enqueue_after_commit("media.build", contest_id=file.entry.contest_id,
                                  job_id=f"media-{file.id}", file_id=file.id)


@jobs.job("media.build")
def build_job(*, file_id: int, force: bool = False) -> list[str]:
    """Make a verified file's missing derivatives; nothing for any other file."""
    file = db.session.get(EntryFile, file_id)
    if file is None or file.status != EntryFile.VERIFIED:
        return []
    return build(file, get_storage(), force=force)
