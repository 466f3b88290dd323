"""The copy of a file a judge of a blind round receives: metadata stripped, cached in storage.

The clean copy is made once, on the first judge's request, and stored under a key derived
from the original's generated key (``portal.storage.base.derived_key``); the original is
never touched and organizers and authors keep getting it. Both copies are streamed through
temporary files, so memory does not grow with the file (pypdf keeps a PDF's streams
compressed while it copies them).
"""

from __future__ import annotations

import tempfile

from portal.files.sanitize import can_clean, clean
from portal.models import EntryFile
from portal.storage import Storage, StorageError
from portal.storage.base import derived_key

# Bump when the cleaner changes, so copies made by an older one are made again.
CLEAN_COPY = "judge-clean-1"
_SPOOL = 8 * 1024 * 1024  # bytes kept in memory before a temporary file spills to disk


def clean_copy_key(file: EntryFile) -> str:
    return derived_key(file.key, CLEAN_COPY)


def needs_clean_copy(file: EntryFile) -> bool:
    """PDFs and JPEG/PNG/WebP images are cleaned; audio and video are served as they are."""
    return can_clean(file.content_type)


def ensure_clean_copy(*, file: EntryFile, storage: Storage) -> str:
    """Return the key of the file's clean copy, making and storing it if it is not there
    yet. Raises StorageError when the store fails and portal.files.sanitize.SanitizeError
    when the file cannot be cleaned (the caller must then serve nothing)."""
    key = clean_copy_key(file)
    try:
        storage.head(key)
        return key
    except StorageError as exc:
        if exc.status != 404:
            raise
    with (tempfile.SpooledTemporaryFile(_SPOOL) as src,
          tempfile.SpooledTemporaryFile(_SPOOL) as dst):
        for chunk in storage.iter_chunks(file.key):
            src.write(chunk)
        src.seek(0)
        clean(src, dst, content_type=file.content_type)
        dst.seek(0)
        storage.put_file(key, dst, content_type=file.content_type)
    return key
