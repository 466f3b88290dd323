"""CSV of the prize list or the forwarded list: UTF-8 with a BOM so Excel reads diacritics."""

from __future__ import annotations

import csv
import io

from portal.exports.results_lists import HEADERS, lists


def build(contest, *, which: str) -> bytes:
    """which: "prizes" or "forwarded"."""
    _review, prizes, forwarded = lists(contest)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(prizes if which == "prizes" else forwarded)
    return out.getvalue().encode("utf-8-sig")
