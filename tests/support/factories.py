"""Factories: real rows through the models, no mocks."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from portal.extensions import db
from portal.models import (
    Contest,
    Criterion,
    Entry,
    EntryAuthor,
    EntryFile,
    EntryPart,
    FileSlot,
    Genre,
    Membership,
    Panel,
    PrizeLevel,
    PrizeQuota,
    Round,
    Score,
    ScoreSheet,
    User,
)
from portal.passwords import hash_password

PASSWORD = "secret-pass-1"
_seq = itertools.count(1)
_HASH = None


def _password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)  # hashing is slow on purpose: do it once
    return _HASH


def make_user(email: str | None = None, **kw) -> User:
    n = next(_seq)
    user = User(
        email=email or f"user{n}@example.vn",
        password_hash=_password_hash(),
        full_name=kw.pop("full_name", f"Nguyễn Văn Người {n}"),
        pen_name=kw.pop("pen_name", f"Bút danh {n}"),
        year_of_birth=kw.pop("year_of_birth", 1980 + n % 20),
        workplace=kw.pop("workplace", f"Báo Tỉnh Số {n}"),
        phone=kw.pop("phone", f"09{n:08d}"),
        email_confirmed_at=kw.pop("email_confirmed_at", datetime.now(UTC)),
        **kw,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_contest(*, slug: str | None = None, now: datetime | None = None, **kw) -> Contest:
    """An open edition with genres BI (print), DT (online, URLs), TH (TV), AB (photo)."""
    now = now or datetime.now(UTC)
    n = next(_seq)
    contest = Contest(
        slug=slug or f"ed-{n}",
        name=kw.pop("name", f"Giải Búa liềm vàng tỉnh Thử {n}"),
        year=kw.pop("year", 2026),
        number=kw.pop("number", 1),
        organizing_body=kw.pop("organizing_body", "Ban Tổ chức Tỉnh ủy"),
        province=kw.pop("province", "Thử"),
        ref_prefix=kw.pop("ref_prefix", "BLV2026"),
        publication_start=kw.pop("publication_start", date(2025, 11, 1)),
        publication_end=kw.pop("publication_end", date(2026, 10, 31)),
        submission_opens=kw.pop("submission_opens", now - timedelta(days=30)),
        submission_closes=kw.pop("submission_closes", now + timedelta(days=30)),
        per_author_cap=kw.pop("per_author_cap", 2),
        max_authors=kw.pop("max_authors", 5),
        max_parts=kw.pop("max_parts", 5),
        status=kw.pop("status", Contest.OPEN),
        **kw,
    )
    db.session.add(contest)
    specs = [
        ("BI", "Báo in", "Print", False, [("work", "pdf", 50, 1, 5, True, True)]),
        ("DT", "Báo điện tử", "Online", True, [("capture", "pdf", 50, 1, 5, True, True)]),
        ("TH", "Truyền hình", "Television", False,
         [("work", "mp4", 4096, 1, 5, True, True), ("script", "pdf", 20, 1, 5, True, False)]),
        ("AB", "Ảnh báo chí", "Press photo", False, [("photo", "jpg", 30, 1, 10, True, False)]),
    ]
    for pos, (code, vi, en, url, slots) in enumerate(specs):
        genre = Genre(code=code, name_vi=vi, name_en=en, requires_url=url, position=pos)
        for spos, (kind, fmt, mb, mn, mx, req, per_part) in enumerate(slots):
            genre.slots.append(FileSlot(kind=kind, label_vi=f"Tệp {kind}", label_en=f"{kind} file",
                                        formats=fmt, max_size=mb * 1024 * 1024, min_count=mn,
                                        max_count=mx, required=req, per_part=per_part,
                                        position=spos))
        contest.genres.append(genre)
    db.session.flush()
    for pos, (code, vi, en, minimum, quota) in enumerate(
        [("A", "Giải A", "A prize", 85, 1), ("B", "Giải B", "B prize", 80, 2),
         ("C", "Giải C", "C prize", 75, 3), ("KK", "Giải Khuyến khích", "Encouragement", 70, 4)]
    ):
        level = PrizeLevel(code=code, name_vi=vi, name_en=en, position=pos,
                           min_score=Decimal(minimum))
        for genre in contest.genres:
            level.quotas.append(PrizeQuota(genre=genre, quota=quota))
        contest.prize_levels.append(level)
    db.session.flush()
    return contest


def genre(contest: Contest, code: str) -> Genre:
    return next(g for g in contest.genres if g.code == code)


def grant(user: User, contest: Contest, role: str) -> Membership:
    m = Membership(user=user, contest=contest, role=role)
    db.session.add(m)
    db.session.flush()
    return m


def make_entry(contest: Contest, owner: User, *, genre_code: str = "BI", parts: int = 1,
               status: str = Entry.DRAFT, title: str | None = None, authors=None,
               published_on: date = date(2026, 5, 1), **kw) -> Entry:
    n = next(_seq)
    entry = Entry(
        contest=contest, genre=genre(contest, genre_code), owner=owner,
        title=title or f"Tác phẩm số {n}", form=Entry.SERIES if parts > 1 else Entry.SINGLE,
        parts_count=parts, summary="Tóm tắt", status=status, accepted_rules=True,
        not_national_award=True, **kw,
    )
    for i in range(1, parts + 1):
        entry.parts.append(EntryPart(number=i, title=f"Kỳ {i}", published_on=published_on,
                                     outlet=owner.workplace or "Báo Hà Tĩnh",
                                     url="https://baohatinh.vn/bai-viet" if genre_code == "DT"
                                     else ""))
    authors = authors if authors is not None else [owner]
    for pos, a in enumerate(authors):
        if isinstance(a, User):
            # A User given here is a linked author: named by the owner and accepted.
            entry.authors.append(EntryAuthor(user_id=a.id, position=pos, full_name=a.full_name,
                                             pen_name=a.pen_name, year_of_birth=a.year_of_birth,
                                             workplace=a.workplace, phone=a.phone, email=a.email,
                                             role=EntryAuthor.LEAD if pos == 0 else EntryAuthor.CO,
                                             accepted_at=datetime.now(UTC),
                                             can_manage_files=a.id == owner.id))
        else:
            entry.authors.append(EntryAuthor(position=pos, role=EntryAuthor.CO, **a))
    db.session.add(entry)
    db.session.flush()
    return entry


RUBRIC = [
    ("truthful", "Chân thực, chính xác, khách quan", "Truthful, accurate, objective", 25),
    ("orientation", "Định hướng chính trị đúng đắn", "Correct political orientation", 20),
    ("discovery", "Vấn đề mới, có tính phát hiện", "New issues and discovery", 20),
    ("effect", "Hiệu quả xã hội", "Social effect", 20),
    ("presentation", "Hình thức thể hiện hấp dẫn", "Attractive presentation", 15),
]


def make_round(contest: Contest, *, position: int = 1, now: datetime | None = None,
               judges=(), genres=None, **kw) -> Round:
    """A round open now, with the 100-point rubric and one panel over the given genres."""
    now = now or datetime.now(UTC)
    rnd = Round(
        contest=contest, position=position,
        name_vi=kw.pop("name_vi", "Vòng sơ khảo" if position == 1 else "Vòng chung khảo"),
        name_en=kw.pop("name_en", "Preliminary round" if position == 1 else "Final round"),
        opens_at=kw.pop("opens_at", now - timedelta(days=1)),
        closes_at=kw.pop("closes_at", now + timedelta(days=10)),
        status=kw.pop("status", Round.OPEN),
        judges_per_entry=kw.pop("judges_per_entry", 2),
        **kw,
    )
    for pos, (code, vi, en, mx) in enumerate(RUBRIC):
        rnd.criteria.append(Criterion(code=code, name_vi=vi, name_en=en, position=pos,
                                      max_score=Decimal(mx), step=Decimal("0.5")))
    panel = Panel(name="Tiểu ban 1")
    panel.genres = list(genres if genres is not None else contest.genres)
    panel.judges = list(judges)
    rnd.panels.append(panel)
    db.session.add(rnd)
    db.session.flush()
    return rnd


def add_verified_files(entry: Entry, count: int | None = None) -> None:
    """Verified files for every required slot of the entry's genre."""
    for slot in entry.genre.slots:
        n = count if count is not None else max(slot.min_count,
                                                entry.parts_count if slot.per_part else 0)
        for i in range(n):
            db.session.add(EntryFile(
                entry=entry, slot=slot, part_number=i + 1 if slot.per_part else None,
                key=f"test/{entry.id}/{uuid.uuid4().hex}",
                original_filename=f"trang-bao-ky-{i + 1}.{slot.format_list[0]}",
                content_type="application/pdf", size=1234 + i, sha256="ab" * 32,
                status=EntryFile.VERIFIED,
            ))
    db.session.flush()


def make_sheet(assignment, *, status: str = ScoreSheet.SUBMITTED, values=None, total=...,
               comment: str = "", at: datetime | None = None, criteria=None) -> ScoreSheet:
    """The one way tests make a score sheet: a ScoreSheet of the assignment, added to the
    session, with a Score per value.

    values: {criterion code: value}, or values in the criteria's order (the round's
    criteria unless `criteria` is given; extra criteria get no score). total: the sum of
    the values by default (None without values); pass a number, or None, to set it.
    at: updated_at and, when submitted, submitted_at (default: now).
    """
    at = at or datetime.now(UTC)
    sheet = ScoreSheet(assignment=assignment, status=status, comment=comment, updated_at=at,
                       submitted_at=at if status == ScoreSheet.SUBMITTED else None)
    if values:
        crits = list(criteria if criteria is not None else assignment.round.criteria)
        if isinstance(values, dict):
            by_code = {c.code: c for c in crits}
            pairs = [(by_code[code], value) for code, value in values.items()]
        else:
            pairs = list(zip(crits, values, strict=False))
        for criterion, value in pairs:
            sheet.scores.append(Score(criterion=criterion, value=Decimal(str(value))))
    if total is ...:
        total = sum(score.value for score in sheet.scores) if sheet.scores else None
    sheet.total = Decimal(str(total)) if total is not None else None
    db.session.add(sheet)
    return sheet
