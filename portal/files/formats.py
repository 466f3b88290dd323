"""The one table of file formats: canonical extension, the aliases that mean it, the name an
entrant reads, and the MIME types the sniffer reports for it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Format:
    extension: str  # canonical spelling, as a slot lists it: "jpg", "mp4"
    name: object  # str, or a lazy translation for what is not a plain format name
    mimes: tuple[str, ...] = ()  # what filetype reports; the first names a download
    aliases: tuple[str, ...] = ()  # other extensions meaning the same format
    media: bool = False  # audio or video: verified with ffprobe


FORMATS: dict[str, Format] = {f.extension: f for f in (
    Format("pdf", "PDF", ("application/pdf",)),
    Format("jpg", "JPEG", ("image/jpeg",), ("jpeg", "jpe")),
    Format("png", "PNG", ("image/png",)),
    Format("webp", "WebP", ("image/webp",)),
    Format("gif", "GIF", ("image/gif",)),
    Format("tiff", "TIFF", ("image/tiff",), ("tif",)),
    # An .m4v is the same brand family as MP4: a slot that accepts mp4 accepts it.
    Format("mp4", "MP4", ("video/mp4", "video/x-m4v"), ("m4v",), media=True),
    Format("mov", "MOV (QuickTime)", ("video/quicktime",), media=True),
    Format("mp3", "MP3", ("audio/mpeg",), media=True),
    Format("m4a", "M4A", ("audio/mp4",), media=True),
    Format("wav", "WAV", ("audio/x-wav",), media=True),
    Format("ogg", "OGG", ("audio/ogg",), media=True),
    Format("webm", "WEBM", ("video/webm",), media=True),
    Format("mkv", "MKV", ("video/x-matroska",), media=True),
    Format("avi", "AVI", ("video/x-msvideo",), media=True),
    Format("flac", "FLAC", ("audio/x-flac",), media=True),
    Format("aac", "AAC", ("audio/aac",), media=True),
    # Never accepted by a slot; named so a refusal says what the file really is.
    Format("exe", _l("a Windows program (EXE)"), ("application/x-msdownload",)),
    Format("zip", _l("a ZIP archive"), ("application/zip",)),
    Format("rar", _l("a RAR archive"), ("application/x-rar-compressed",)),
    Format("7z", _l("a 7-Zip archive"), ("application/x-7z-compressed",)),
    Format("elf", _l("a Linux program"), ("application/x-executable",)),
)}

_BY_ALIAS = {alias: f.extension for f in FORMATS.values() for alias in f.aliases}
_BY_MIME = {mime: f.extension for f in FORMATS.values() for mime in f.mimes}


def canonical(extension: str) -> str:
    """The format's one spelling: ".JPEG" -> "jpg", "tif" -> "tiff"; unknown ones lowercased."""
    extension = extension.lower().lstrip(".")
    return _BY_ALIAS.get(extension, extension)


def name(extension: str) -> str:
    """What the entrant reads: "JPEG", "MOV (QuickTime)"; an unknown format in capitals."""
    fmt = FORMATS.get(canonical(extension))
    return str(fmt.name) if fmt else extension.upper()


def is_media(extension: str) -> bool:
    """Audio or video (its duration is read with ffprobe)."""
    fmt = FORMATS.get(canonical(extension))
    return bool(fmt and fmt.media)


def aliases(extension: str) -> tuple[str, ...]:
    """The other extensions a file of this format may carry ("jpg" -> "jpeg", "jpe")."""
    fmt = FORMATS.get(canonical(extension))
    return fmt.aliases if fmt else ()


def extension_for_mime(mime: str, default: str = "bin") -> str:
    """The canonical extension of a sniffed MIME type, `default` for one not in the table."""
    return _BY_MIME.get((mime or "").split(";", 1)[0].strip().lower(), default)
