"""Safe names for the files of an entry inside a ZIP (used by the national dossier)."""

from __future__ import annotations

import re

from portal.models import EntryFile

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTENT_EXT = {"application/pdf": "pdf", "image/jpeg": "jpg", "audio/mpeg": "mp3",
                "video/mp4": "mp4", "image/png": "png"}


def safe_part(text: str) -> str:
    """A path component made of ASCII letters, digits, dot, dash and underscore only."""
    cleaned = _SAFE.sub("-", text or "").strip(".-")
    return cleaned or "x"


def _ext(f: EntryFile) -> str:
    allowed = f.slot.format_list if f.slot else ()
    own = f.original_filename.rsplit(".", 1)[-1].lower() if "." in f.original_filename else ""
    if own and own in allowed:
        return safe_part(own)
    return _CONTENT_EXT.get(f.content_type, allowed[0] if allowed else "bin")


def archive_names(files: list[EntryFile], reference: str) -> list[str]:
    """`<ref>/<part or kind>-<n>.<ext>` per file, unique within the entry."""
    folder = safe_part(reference)
    counters: dict[str, int] = {}
    used: set[str] = set()
    names = []
    for f in files:
        kind = f.slot.kind if f.slot else "file"
        if f.slot is not None and f.slot.per_part and f.part_number and kind == "work":
            stem = f"part-{f.part_number}"
        else:
            counters[kind] = counters.get(kind, 0) + 1
            stem = f"{safe_part(kind)}-{counters[kind]}"
        name, n = f"{folder}/{stem}.{_ext(f)}", 2
        while name in used:
            name, n = f"{folder}/{stem}-{n}.{_ext(f)}", n + 1
        used.add(name)
        names.append(name)
    return names
