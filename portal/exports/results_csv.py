"""CSV of the prize list or the forwarded list: UTF-8 with a BOM so Excel reads diacritics."""

from __future__ import annotations

from portal.exports.cells import csv_bytes
from portal.exports.results_lists import DRAFT_MARK, HEADERS, lists


def build(contest, *, which: str) -> bytes:
    """which: "prizes" or "forwarded". A draft's first line is DRAFT_MARK, before the
    headers, so no one files it as the published list."""
    found = lists(contest)
    rows = found.prizes if which == "prizes" else found.forwarded
    if found.draft:
        return csv_bytes([DRAFT_MARK], [HEADERS, *rows])
    return csv_bytes(HEADERS, rows)
