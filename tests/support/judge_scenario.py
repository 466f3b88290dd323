"""A judging scenario with distinctive personal data, so tests can grep for leaks.

Shared by the judge and fault tests; their fixtures are in tests/integration/judge/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from portal.extensions import db
from portal.models import (
    Assignment,
    Contest,
    Entry,
    EntryFile,
    Membership,
    Round,
    RoundEntry,
    User,
)
from tests.support.factories import genre, grant, make_contest, make_entry, make_round, make_user

AUTHOR = {
    "full_name": "Trần Thị Bímật",
    "pen_name": "Hoa Sen Độc Nhất",
    "phone": "0987654321",
    "email": "tacgia.bimat@example.vn",
    "year_of_birth": 1957,
    "workplace": "Báo Đặc Biệt Sông Lam",
}
CO_AUTHOR = {
    "full_name": "Lê Văn Phụtá",
    "pen_name": "Gió Lào Xứ Nghệ",
    "phone": "0911222333",
    "email": "dongtacgia@example.vn",
    "year_of_birth": 1949,
    "workplace": "Đài Phát thanh Hồng Lĩnh",
}
SECRETS_ALWAYS = [AUTHOR["phone"], AUTHOR["email"], str(AUTHOR["year_of_birth"]),
                  CO_AUTHOR["phone"], CO_AUTHOR["email"], str(CO_AUTHOR["year_of_birth"])]
SECRETS_BLIND = SECRETS_ALWAYS + [
    AUTHOR["full_name"], AUTHOR["pen_name"], AUTHOR["workplace"],
    CO_AUTHOR["full_name"], CO_AUTHOR["pen_name"], CO_AUTHOR["workplace"],
    "Tran_Thi_Bimat", "Bímật", "Bimat",
]


@dataclass
class Scenario:
    contest: Contest
    round: Round
    judge: User
    other_judge: User
    organizer: User
    author: User
    entries: list[Entry] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    other_assignments: list[Assignment] = field(default_factory=list)

    @property
    def first(self) -> Assignment:
        return self.assignments[0]


def _file(entry: Entry, kind: str, content_type: str, n: int, **kw) -> EntryFile:
    slot = next(s for g in entry.contest.genres for s in g.slots if s.kind == kind)
    f = EntryFile(
        entry=entry, slot=slot, key=f"{entry.contest.slug}/{entry.id}/{kind}-{n}",
        original_filename=f"Tran_Thi_Bimat_{kind}_{n}.bin", content_type=content_type,
        declared_type=content_type, size=1000 + n, status=EntryFile.VERIFIED,
        verified_at=datetime.now(UTC), **kw,
    )
    db.session.add(f)
    return f


def build(*, blind: bool = True, count: int = 3, other_count: int = 2, with_files: bool = True,
          **round_kw) -> Scenario:
    """An open round; the judge has `count` active assignments, another judge shares the
    first `other_count` works. Entries carry the distinctive AUTHOR and CO_AUTHOR."""
    contest = make_contest()
    organizer = make_user(email="btc@example.vn")
    grant(organizer, contest, Membership.ORGANIZER)
    judge = make_user(email="giamkhao@example.vn", full_name="Giám Khảo Một", pen_name="")
    grant(judge, contest, Membership.JUDGE)
    other = make_user(email="giamkhao2@example.vn", full_name="Giám Khảo Hai", pen_name="")
    grant(other, contest, Membership.JUDGE)
    author = make_user(email=AUTHOR["email"], **{k: v for k, v in AUTHOR.items() if k != "email"})
    rnd = make_round(contest, judges=[judge, other], blind=blind, **round_kw)
    scenario = Scenario(contest, rnd, judge, other, organizer, author)
    codes = ["BI", "DT", "TH", "AB"]  # the genres' queue order
    for i in range(count):
        code = codes[i % len(codes)] if with_files else "BI"
        entry = make_entry(contest, author, genre_code=code, status=Entry.SUBMITTED,
                           title=f"Tác phẩm {i + 1:03d}", parts=2 if i == 0 else 1,
                           authors=[author, CO_AUTHOR], seq=i + 1,
                           reference=f"BLV2026-{code}-{i + 1:03d}",
                           eligibility=Entry.ELIGIBLE)
        scenario.entries.append(entry)
        db.session.add(RoundEntry(round=rnd, entry=entry))
        a = Assignment(round=rnd, entry=entry, judge=judge)
        db.session.add(a)
        scenario.assignments.append(a)
        if i < other_count:
            b = Assignment(round=rnd, entry=entry, judge=other)
            db.session.add(b)
            scenario.other_assignments.append(b)
    db.session.flush()
    if with_files and count:
        first = scenario.entries[0]
        _file(first, "work", "application/pdf", 1, part_number=1, page_count=12)
        _file(first, "work", "application/pdf", 2, part_number=2, page_count=7)
        if count > 2:
            tv = scenario.entries[2]
            _file(tv, "work", "video/mp4", 3, part_number=1, duration_seconds=754.4)
            _file(tv, "script", "application/pdf", 4, page_count=3)
        if count > 3:
            photo = scenario.entries[3]
            _file(photo, "photo", "image/jpeg", 5, caption="Ánh bình minh trên cánh đồng")
            _file(photo, "photo", "image/jpeg", 6, caption="Người nông dân gặt lúa")
    db.session.commit()
    return scenario


def values(**kw) -> dict[str, str]:
    base = {"truthful": "20", "orientation": "18", "discovery": "15.5", "effect": "16",
            "presentation": "12"}
    base.update(kw)
    return {f"score-{k}": v for k, v in base.items()}


def set_genre(entry: Entry, code: str) -> None:
    entry.genre = genre(entry.contest, code)
