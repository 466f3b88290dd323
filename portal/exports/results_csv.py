"""CSV of the prize list or the forwarded list: UTF-8 with a BOM so Excel reads diacritics."""

from __future__ import annotations

from portal.exports.cells import csv_bytes
from portal.exports.results_lists import HEADERS, lists


def build(contest, *, which: str) -> bytes:
    """which: "prizes" or "forwarded"."""
    _review, prizes, forwarded = lists(contest)
    return csv_bytes(HEADERS, prizes if which == "prizes" else forwarded)
