"""Page numbers from the query string: the one parser every paginated page uses."""

from __future__ import annotations

from flask import request

# No list in the portal comes near this many pages; a larger number is clamped to it, so
# the row offset (page - 1) * per_page always fits a 64-bit integer on both databases.
MAX_PAGE = 100_000


def requested_page(arg: str = "page") -> int:
    """The page the query string asks for, between 1 and MAX_PAGE.

    Missing, non-numeric (``abc``, ``1e3``, ``١``), zero or negative values give page 1;
    values above MAX_PAGE (``99999999999999999999``) give MAX_PAGE, which is past the end
    of every list and so shows an empty page with links back.
    """
    raw = request.args.get(arg, "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(raw), 1), MAX_PAGE)


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill, at least one (an empty list has one empty page)."""
    return max((total + per_page - 1) // per_page, 1)
