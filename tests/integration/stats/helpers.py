"""An edition with a previous one, entries over time from several agencies, rulings,
two rounds, awards and files: the world the statistics tests count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models import Award, Entry, EntryFile, Membership, RoundEntry
from tests.support.factories import grant, make_contest, make_entry, make_round, make_user

CLOSES = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)  # 17:00 in Hà Nội


def build(n_extra: int = 0):
    """Returns (contest, entries by name). 9 + n_extra received entries in the edition."""
    org = make_user("org@example.vn", full_name="Lê Thư Ký")
    prev = make_contest(slug="ha-tinh-2025", year=2025, province="Hà Tĩnh",
                        name="Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ V",
                        submission_opens=CLOSES - timedelta(days=375),
                        submission_closes=CLOSES - timedelta(days=365), status="published")
    contest = make_contest(slug="ha-tinh", year=2026, province="Hà Tĩnh",
                           name="Giải Búa liềm vàng tỉnh Hà Tĩnh lần thứ VI",
                           organizing_body="Ban Tuyên giáo và Dân vận Tỉnh ủy",
                           submission_opens=CLOSES - timedelta(days=10),
                           submission_closes=CLOSES, status="judging")
    grant(org, contest, Membership.ORGANIZER)
    ht = make_user(workplace="Báo Hà Tĩnh", email="a@example.vn")
    dai = make_user(workplace="Đài PT-TH Hà Tĩnh", email="b@example.vn")
    free = make_user(workplace="", email="c@example.vn")
    es: dict[str, Entry] = {}

    def sub(name, owner, code, days_before, *, parts=1, eligibility=Entry.ELIGIBLE,
            reason="", status=Entry.SUBMITTED, edition=contest):
        e = make_entry(edition, owner, genre_code=code, parts=parts, status=status)
        if status != Entry.DRAFT:
            # 03:00 UTC = 10:00 in Hà Nội: the same local day as the UTC day
            e.submitted_at = CLOSES.replace(hour=3) - timedelta(days=days_before)
            e.reference = f"{code}-{e.id:04d}"
        e.eligibility = eligibility
        e.eligibility_reason = reason
        es[name] = e
        return e

    sub("p1", ht, "BI", 5, parts=3)
    sub("p2", ht, "BI", 1)
    sub("p3", ht, "AB", 1)
    sub("p4", dai, "TH", 0)
    sub("p5", dai, "TH", 0, eligibility=Entry.INELIGIBLE, reason="Đăng ngoài thời gian quy định.")
    sub("p6", dai, "BI", 0, eligibility=Entry.INELIGIBLE, reason="đăng ngoài  thời gian quy định")
    sub("p7", free, "AB", 2, eligibility=Entry.INELIGIBLE, reason="Thiếu xác nhận của cơ quan")
    sub("p8", free, "DT", 0, eligibility=Entry.PENDING)
    sub("p9", free, "DT", 3)
    for i in range(n_extra):
        sub(f"x{i}", ht, "BI", i % 4)
    sub("w1", ht, "BI", 2, status=Entry.WITHDRAWN)
    sub("d1", ht, "BI", 0, status=Entry.DRAFT)
    sub("d2", dai, "TH", 0, status=Entry.DRAFT)
    # the previous edition: 3 entries, 2 of them on the last day
    for i, days in enumerate((0, 0, 4)):
        sub(f"old{i}", ht, "BI", days, edition=prev)
        es[f"old{i}"].submitted_at -= timedelta(days=365)
    r1 = make_round(contest, position=1)
    r2 = make_round(contest, position=2)
    for name in ("p1", "p2", "p3", "p4", "p9"):
        db.session.add(RoundEntry(round_id=r1.id, entry_id=es[name].id))
    for name in ("p1", "p4", "p9"):
        db.session.add(RoundEntry(round_id=r2.id, entry_id=es[name].id))
    db.session.add_all([
        Award(contest_id=contest.id, entry_id=es["p1"].id, level="A", forwarded=True),
        Award(contest_id=contest.id, entry_id=es["p4"].id, level="B", forwarded=False),
        Award(contest_id=contest.id, entry_id=es["p9"].id, level=None, forwarded=True),
    ])
    slot = es["p1"].genre.slots[0]
    for i, (status, size) in enumerate([(EntryFile.VERIFIED, 3 * 1024**2),
                                        (EntryFile.VERIFIED, 2 * 1024**2),
                                        (EntryFile.UPLOADING, None),
                                        (EntryFile.REJECTED, 10)]):
        db.session.add(EntryFile(entry_id=es["p1"].id, slot_id=slot.id, key=f"k/{i}",
                                 original_filename=f"f{i}.pdf", status=status, size=size))
    db.session.commit()
    return contest, es, (r1, r2)
