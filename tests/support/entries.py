"""Entry form posts and the counts the entries tests check, shared with the fault tests."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Entry


def genre_id(contest, code="BI") -> int:
    return next(g.id for g in contest.genres if g.code == code)


def entry_form(contest, *, genre="BI", parts=None, authors=None, **overrides) -> dict:
    """A complete, valid entry form post (without the CSRF token)."""
    parts = parts if parts is not None else [
        {"title": "Kỳ 1", "published_on": "15/05/2026", "outlet": "Báo Hà Tĩnh",
         "section": "Xây dựng Đảng", "url": ""}
    ]
    authors = authors if authors is not None else [
        {"full_name": "Nguyễn Thị Hồng", "pen_name": "Hồng Nhung", "year_of_birth": "1985",
         "workplace": "Báo Hà Tĩnh", "title": "Phóng viên", "phone": "0912345678",
         "email": "", "role": "lead"}
    ]
    data = {
        "genre_id": str(genre_id(contest, genre)),
        "title": "Giữ vững kỷ cương trong công tác cán bộ",
        "form": "series" if len(parts) > 1 else "single",
        "parts_count": str(len(parts)),
        "summary": "Loạt bài về công tác cán bộ ở cơ sở.",
        "language": "Tiếng Việt",
        "not_national_award": "y",
        "accepted_rules": "y",
        "save": "1",
    }
    for i, part in enumerate(parts):
        for key, value in part.items():
            data[f"parts-{i}-{key}"] = value
    for i, author in enumerate(authors):
        for key, value in author.items():
            data[f"authors-{i}-{key}"] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Entry))


def audit_actions(entry_id: int | None = None) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if entry_id is not None:
        query = query.where(AuditEvent.entry_id == entry_id)
    return list(db.session.scalars(query))
