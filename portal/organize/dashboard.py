"""The secretariat's home: counts per edition."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Entry,
)


def dashboard_counts(contest_ids) -> dict[int, dict[str, int]]:
    """Per edition: drafts, submitted, eligible, ineligible, pending (one query)."""
    out = {cid: {"drafts": 0, "submitted": 0, "eligible": 0, "ineligible": 0, "pending": 0}
           for cid in contest_ids}
    if not contest_ids:
        return out
    rows = db.session.execute(
        sa.select(Entry.contest_id, Entry.status, Entry.eligibility, sa.func.count(Entry.id))
        .where(Entry.contest_id.in_(contest_ids))
        .group_by(Entry.contest_id, Entry.status, Entry.eligibility)
    )
    for cid, status, eligibility, n in rows:
        c = out[cid]
        if status == Entry.DRAFT:
            c["drafts"] += n
        elif status == Entry.SUBMITTED:
            c["submitted"] += n
            c[eligibility] = c.get(eligibility, 0) + n
    return out
