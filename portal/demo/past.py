"""The 2025 edition replayed from start to finish through the areas' services.

Entries are created, given files and submitted by their authors; the secretariat closes
submissions and screens; two rounds are assigned, scored and closed; the best advance;
the results are reviewed, a decision recorded and the prize list published. Every step
is the service a screen would call, at the simulated date it happened, so references,
audit events, search text and rankings are what the real flow produces. Scores come from
a seeded random generator: the same database gets the same demo.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from judging.text import search_key
from portal.demo import media
from portal.demo.common import AuditClock, ensure_user, store_file, vn
from portal.entries.services import AuthorData, EntryData, PartData, create_entry, submit_entry
from portal.extensions import db
from portal.judge.services import submit_sheet
from portal.models import Assignment, Contest, Entry, EntryAuthor, Round, User
from portal.organize.edition import settings_snapshot, update_settings
from portal.organize.rulings import rule_entries
from portal.results.services import (
    publish,
    record_decision,
    review_results,
    set_forwarded,
)
from portal.rounds.services import (
    advancement_proposal,
    confirm_advancement,
    default_seed,
    populate_first_round,
    run_assignment,
    set_round_status,
)
from portal.storage import Storage

SEED = 2025
# How many works of each genre the demo province sends to the national award (its choice:
# the selection has no quota).
SENT_TO_NATIONAL = {"BI": 2, "DT": 2, "PT": 1, "TH": 1, "AB": 1}
DECISION_NUMBER = "125-QĐ/TU"
DECISION_DATE = date(2025, 11, 20)


@dataclass(frozen=True)
class Person:
    full_name: str
    pen_name: str
    year_of_birth: int
    title: str
    workplace: str


BHT, DAI, TCVH = "Báo Hà Tĩnh", "Đài PT-TH Hà Tĩnh", "Tạp chí Văn hóa Hà Tĩnh"

# Journalists of the province's press agencies (invented people). "tacgia1" and "tacgia2"
# are the demo entrants' own accounts; every other lead author gets an account too,
# because an entry is always submitted by an account.
PEOPLE: dict[str, Person] = {
    "tacgia1": Person("Phạm Quốc Hùng", "Quốc Hùng", 1985, "Phóng viên", BHT),
    "thang": Person("Nguyễn Văn Thắng", "Văn Thắng", 1976, "Trưởng ban Xây dựng Đảng", BHT),
    "huong": Person("Trần Thị Thu Hương", "Thu Hương", 1990, "Phóng viên", BHT),
    "khanh": Person("Lê Đình Khánh", "Đình Khánh", 1983, "Phóng viên ảnh", BHT),
    "hoa": Person("Hoàng Thị Mai Hoa", "Mai Hoa", 1994, "Phóng viên", BHT),
    "nhat": Person("Võ Quang Nhật", "Quang Nhật", 1988, "Biên tập viên", BHT),
    "tung": Person("Phan Thanh Tùng", "Thanh Tùng", 1992, "Phóng viên", BHT),
    "anh": Person("Đinh Thị Ngọc Ánh", "Ngọc Ánh", 1996, "Phóng viên", BHT),
    "long": Person("Trần Hữu Long", "Hữu Long", 1980, "Phóng viên ảnh", BHT),
    "duc": Person("Nguyễn Minh Đức", "Minh Đức", 1987, "Phóng viên", BHT),
    "tacgia2": Person("Đặng Thị Lan Anh", "Lan Anh", 1985, "Phóng viên", DAI),
    "thinh": Person("Nguyễn Đức Thịnh", "Đức Thịnh", 1981, "Biên tập viên", DAI),
    "thuy": Person("Bùi Thị Thanh Thủy", "Thanh Thủy", 1987, "Phóng viên", DAI),
    "hieu": Person("Trương Công Hiếu", "Công Hiếu", 1991, "Quay phim", DAI),
    "ngoc": Person("Lê Thị Bích Ngọc", "Bích Ngọc", 1993, "Biên tập viên", DAI),
    "tuan": Person("Ngô Văn Tuấn", "Văn Tuấn", 1986, "Phóng viên", DAI),
    "yen": Person("Dương Thị Hải Yến", "Hải Yến", 1995, "Phóng viên", DAI),
    "quang": Person("Lê Văn Quang", "Văn Quang", 1982, "Quay phim", DAI),
    "phuong": Person("Nguyễn Thị Phương", "Phương Nguyễn", 1989, "Phóng viên", DAI),
    "hoa2": Person("Thái Văn Hòa", "Thái Hòa", 1975, "Biên tập viên", TCVH),
    "tam": Person("Nguyễn Thị Thanh Tâm", "Thanh Tâm", 1984, "Phóng viên", TCVH),
    "son": Person("Hồ Xuân Sơn", "Xuân Sơn", 1979, "Phóng viên", TCVH),
}


@dataclass(frozen=True)
class Work:
    genre: str
    title: str
    authors: tuple[str, ...]  # PEOPLE keys, the first submits the entry
    quality: float  # the score the judges gravitate to
    parts: int = 1  # more than one: a series
    photos: int = 1
    outlet: str = ""
    ineligible: str = ""


WORKS: list[Work] = [
    Work("BI", "Siết chặt kỷ luật, kỷ cương trong thực thi công vụ", ("thang", "huong"), 92.5,
         parts=3),
    Work("BI", "Chi bộ thôn - hạt nhân chính trị ở cơ sở", ("tacgia1",), 87),
    Work("BI", "Người đứng đầu dám nghĩ, dám làm, dám chịu trách nhiệm", ("nhat",), 82.5,
         parts=2),
    Work("BI", "Phát triển đảng viên trong doanh nghiệp ngoài nhà nước: Khó nhưng không "
               "thể chậm", ("hoa",), 79),
    Work("BI", "Sắp xếp đơn vị hành chính cấp xã: Lòng dân là thước đo", ("hoa2", "tam"), 76,
         outlet=TCVH),
    Work("BI", "Đảng viên trẻ khởi nghiệp trên quê hương Nghi Xuân", ("anh",), 72),
    Work("BI", "Từ Nghị quyết đến cuộc sống: Chuyện ở Hương Khê", ("son",), 70, outlet=TCVH),
    Work("BI", "Phòng, chống “tự diễn biến”, “tự chuyển hóa” từ những điều nhỏ nhất",
         ("tam",), 74, outlet=TCVH,
         ineligible="Bài nghiên cứu lý luận, không phải tác phẩm báo chí theo Điều 3 của "
                    "Thể lệ giải."),
    Work("DT", "Chuyển đổi số trong công tác Đảng: Hà Tĩnh đi trước một bước",
         ("tung", "duc"), 88, parts=3),
    Work("DT", "Lấy phiếu tín nhiệm: Để không còn “dĩ hòa vi quý”", ("huong",), 84),
    Work("DT", "Bí thư chi bộ 9X và hành trình đưa thôn nghèo về đích nông thôn mới",
         ("duc",), 80),
    Work("DT", "Kỳ họp chi bộ trực tuyến ở vùng biên Hương Sơn", ("anh", "tacgia1"), 77.5),
    Work("DT", "Học và làm theo Bác: Những tấm gương bình dị", ("ngoc",), 73,
         outlet="Trang tin điện tử Đài PT-TH Hà Tĩnh"),
    Work("DT", "Tinh gọn bộ máy: Sẵn sàng vận hành chính quyền địa phương hai cấp",
         ("nhat", "tung"), 69, parts=2),
    Work("DT", "Kiểm tra, giám sát - “thanh bảo kiếm” chống suy thoái", ("hoa",), 75,
         ineligible="Bản chụp trang báo điện tử không thể hiện ngày đăng; cơ quan báo chí "
                    "không xác nhận được thời điểm xuất bản."),
    Work("PT", "Tiếng nói từ chi bộ cơ sở", ("thinh", "ngoc"), 86, parts=2),
    Work("PT", "Dân vận khéo ở xã biên giới Sơn Kim", ("thuy",), 81),
    Work("PT", "Phát huy vai trò giám sát của nhân dân đối với cán bộ, đảng viên",
         ("yen",), 78),
    Work("PT", "Những đảng viên “cõng” chữ lên non", ("phuong",), 74.5),
    Work("PT", "Đối thoại với người đứng đầu: Nghe dân nói để làm", ("thinh",), 71),
    Work("TH", "Hà Tĩnh - Vững bước trên hành trình xây dựng Đảng", ("tuan", "quang"), 89.5,
         parts=2),
    Work("TH", "Cán bộ “dám” - chuyện không dễ", ("thuy", "hieu"), 84.5),
    Work("TH", "Điểm sáng dân vận ở Kỳ Anh", ("tacgia2", "hieu"), 80.5),
    Work("TH", "Sau sáp nhập: Bộ máy mới, tinh thần mới", ("phuong", "quang"), 76.5),
    Work("TH", "Giữ lửa truyền thống ở quê hương Xô viết Nghệ Tĩnh", ("yen", "tuan"), 72),
    Work("AB", "Đảng viên trên công trường cao tốc Bắc - Nam", ("khanh",), 87.5, photos=4),
    Work("AB", "Bí thư chi bộ giữa mùa lũ", ("long",), 82),
    Work("AB", "Lễ kết nạp đảng viên tại Ngã ba Đồng Lộc", ("khanh", "long"), 78.5,
         photos=3),
    Work("AB", "Những bàn tay giữ rừng", ("son",), 75, photos=3, outlet=TCVH),
    Work("AB", "Phiên chợ 0 đồng của chi bộ thôn", ("hoa2",), 70.5, outlet=TCVH),
]

DEFAULT_OUTLETS = {"BI": BHT, "DT": "Báo Hà Tĩnh điện tử", "PT": DAI, "TH": DAI, "AB": BHT}
FILE_LABELS = {"BI": "trang-bao", "DT": "ban-chup", "PT": "am-thanh", "TH": "video"}
COMMENTS = [
    "Đề tài có tính thời sự, lập luận chặt chẽ.",
    "Phát hiện vấn đề mới, cách thể hiện sinh động.",
    "Tư liệu phong phú; phần kết còn dàn trải.",
    "Hình thức hấp dẫn, hiệu quả xã hội rõ.",
    "Cần thêm số liệu để tăng sức thuyết phục.",
    "",
    "",
]


def entrant_emails() -> dict[str, str]:
    """The account email of every lead author: tacgia1, tacgia2, then tacgia03, tacgia04…"""
    emails = {"tacgia1": "tacgia1@demo.vn", "tacgia2": "tacgia2@demo.vn"}
    n = 3
    for work in WORKS:
        lead = work.authors[0]
        if lead not in emails:
            emails[lead] = f"tacgia{n:02d}@demo.vn"
            n += 1
    return emails


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", search_key(text).replace("đ", "d")).strip("-")


@dataclass
class _Played:
    work: Work
    entry: Entry
    submitted_at: datetime


class PastEdition:
    """Replays one edition; `play()` runs the whole story in date order."""

    def __init__(self, contest: Contest, *, organizer: User, password_hash: str,
                 storage: Storage, clock: AuditClock):
        self.contest = contest
        self.organizer = organizer
        self.password_hash = password_hash
        self.storage = storage
        self.clock = clock
        self.rng = random.Random(SEED)
        self.with_media = media.FFMPEG is not None
        self.played: list[_Played] = []

    def at(self, moment: datetime) -> datetime:
        self.clock.now = moment
        return moment

    # ------------------------------------------------------------------ the story

    def play(self) -> None:
        # The edition was set up in the spring and opened for submissions.
        self.contest.status = Contest.OPEN
        db.session.flush()
        self.submit_entries()
        self.set_status(Contest.CLOSED, vn(2025, 10, 1, 8, 0))
        self.screen(vn(2025, 10, 2, 14, 0))
        self.set_status(Contest.JUDGING, vn(2025, 10, 3, 8, 0))
        first, final = db.session.scalars(
            sa.select(Round).where(Round.contest_id == self.contest.id).order_by(Round.position)
        ).all()
        self.at(vn(2025, 10, 3, 9, 0))
        populate_first_round(rnd=first, actor=self.organizer)
        self.judge_round(first, spread=0.0, noise=2.5, outlier=None)
        chosen = {row.entry.id for row in advancement_proposal(first).rows if row.proposed}
        self.at(vn(2025, 10, 20, 9, 0))
        confirm_advancement(rnd=first, chosen=chosen, reasons={}, actor=self.organizer)
        outlier = next(p.entry.id for p in self.played if p.work.title.startswith("Lấy phiếu"))
        self.judge_round(final, spread=1.5, noise=2.0, outlier=outlier)
        self.results()

    def set_status(self, status: str, moment: datetime) -> None:
        self.at(moment)
        values = settings_snapshot(self.contest) | {"status": status}
        update_settings(contest=self.contest, values=values, actor=self.organizer)

    # ------------------------------------------------------------------ entries

    def _owners(self) -> dict[str, User]:
        owners = {}
        for key, email in entrant_emails().items():
            p = PEOPLE[key]
            owners[key] = ensure_user(
                email=email, full_name=p.full_name, pen_name=p.pen_name, workplace=p.workplace,
                title=p.title, year_of_birth=p.year_of_birth,
                phone=f"09{len(owners) + 12:02d}{p.year_of_birth * 37 % 1000000:06d}",
                password_hash=self.password_hash)
        return owners

    def _submission_time(self) -> datetime:
        # Most entries arrive in the last days before the deadline, as by post.
        if self.rng.random() < 0.4:
            day = datetime(2025, 9, 27) + timedelta(days=self.rng.randint(0, 3))
            hour = self.rng.randint(8, 16 if day.day == 30 else 22)
        else:
            day = datetime(2025, 6, 2) + timedelta(days=self.rng.randint(0, 110))
            hour = self.rng.randint(8, 21)
        return vn(day.year, day.month, day.day, hour, self.rng.randint(0, 59))

    def _parts(self, work: Work, submitted: datetime) -> list[PartData]:
        latest = min(date(2025, 9, 15), submitted.date() - timedelta(days=3))
        span = (latest - date(2024, 10, 1)).days - 14 * work.parts
        first = date(2024, 10, 1) + timedelta(days=self.rng.randint(0, span))
        outlet = work.outlet or DEFAULT_OUTLETS[work.genre]
        parts = []
        for n in range(1, work.parts + 1):
            published = first + timedelta(days=7 * (n - 1))
            url = ""
            if work.genre == "DT":
                site = "hatinhtv.vn" if "Đài" in outlet else "baohatinh.vn"
                url = f"https://{site}/{_slug(work.title)}-ky-{n}-{published:%Y%m%d}.html"
            parts.append(PartData(
                title=f"Kỳ {n}" if work.parts > 1 else "", published_on=published,
                outlet=outlet, section="Xây dựng Đảng", url=url))
        return parts

    def _authors(self, work: Work, emails: dict[str, str]) -> list[AuthorData]:
        out = []
        for i, key in enumerate(work.authors):
            p = PEOPLE[key]
            out.append(AuthorData(
                full_name=p.full_name, pen_name=p.pen_name, year_of_birth=p.year_of_birth,
                workplace=p.workplace, title=p.title, email=emails.get(key, ""),
                phone=f"09{i + 80:02d}{p.year_of_birth * 53 % 1000000:06d}",
                role=EntryAuthor.LEAD if i == 0 else EntryAuthor.CO))
        return out

    def submit_entries(self) -> None:
        owners = self._owners()
        emails = entrant_emails()
        works = [w for w in WORKS if self.with_media or w.genre not in ("PT", "TH")]
        timed = sorted(((self._submission_time(), i, w) for i, w in enumerate(works)),
                       key=lambda t: t[0])
        clips = self._clips([w for _t, _i, w in timed])
        previous = self.contest.submission_opens
        for submitted, _i, work in timed:
            owner = owners[work.authors[0]]
            # Each author's session (create, upload, submit) ends before the next begins,
            # so the audit log reads in date order.
            created = self.at(max(submitted - timedelta(minutes=40),
                                  previous + timedelta(minutes=1)))
            submitted = previous = max(submitted, created + timedelta(minutes=4))
            genre = next(g for g in self.contest.genres if g.code == work.genre)
            data = EntryData(
                genre_id=genre.id, title=work.title,
                form=Entry.SERIES if work.parts > 1 else Entry.SINGLE, parts_count=work.parts,
                summary=f"Tác phẩm viết về {work.title[0].lower() + work.title[1:]}.",
                parts=self._parts(work, submitted), authors=self._authors(work, emails),
                not_national_award=True, accepted_rules=True)
            entry = create_entry(contest=self.contest, owner=owner, data=data, now=created)
            for author in entry.authors:  # the demo's co-authors accepted their invitations
                if author.invitation_pending:
                    author.accepted_at = created
            self._attach_files(work, entry, owner, clips, self.at(created + timedelta(minutes=2)))
            self.at(submitted)
            submit_entry(entry, actor=owner, expected_version=None, now=submitted,
                         storage=self.storage)
            self.played.append(_Played(work, entry, submitted))

    def _clips(self, works: list[Work]) -> dict[str, Iterator[bytes]]:
        """Every video and audio part's clip, made by two ffmpeg runs, in `works` order."""
        if not self.with_media:
            return {}
        return {kind: iter(media.media_files(kind, [f"{w.title} {n}" for w in works
                                                    if w.genre == genre
                                                    for n in range(w.parts)]))
                for kind, genre in (("mp4", "TH"), ("mp3", "PT"))}

    def _attach_files(self, work: Work, entry: Entry, owner: User,
                      clips: dict[str, Iterator[bytes]], moment: datetime) -> None:
        lead = PEOPLE[work.authors[0]]
        byline = ", ".join(PEOPLE[k].pen_name for k in work.authors)

        def put(kind, name, data, part=None, caption=""):
            store_file(storage=self.storage, entry=entry, kind=kind, filename=name, data=data,
                       actor=owner, now=moment, part_number=part, caption=caption)

        for part in entry.parts:
            stem = f"{FILE_LABELS.get(work.genre, 'anh')}-ky-{part.number}"
            if work.genre in ("BI", "DT"):
                put("work" if work.genre == "BI" else "capture", f"{stem}.pdf",
                    media.page_pdf(masthead=part.outlet, title=work.title, byline=byline,
                                   dateline=f"Ngày {part.published_on:%d/%m/%Y}",
                                   pages=1 + (part.number == 1)),
                    part.number)
            elif work.genre == "TH":
                put("work", f"{stem}.mp4", next(clips["mp4"]), part.number)
            elif work.genre == "PT":
                put("work", f"{stem}.mp3", next(clips["mp3"]), part.number)
        if work.genre in ("PT", "TH"):
            put("script", "kich-ban.pdf", media.script_pdf(
                title=work.title, outlet=lead.workplace,
                lines=[f"Tác giả: {byline}", "PV: Thưa quý thính giả, quý khán giả…",
                       "Nhân vật: Chi bộ chúng tôi họp đều đặn mỗi tháng một lần…",
                       "PV: Câu chuyện ở đây cho thấy…"]))
        if work.genre == "AB":
            for n in range(1, work.photos + 1):
                caption = work.title if work.photos == 1 else f"{work.title} ({n})"
                put("photo", f"anh-{n}.jpg",
                    media.photo_jpeg(caption=caption, seed=entry.id * 10 + n), caption=caption)

    # ------------------------------------------------------------------ screening

    def screen(self, moment: datetime) -> None:
        self.at(moment)
        bad = [p for p in self.played if p.work.ineligible]
        good = [p.entry for p in self.played if not p.work.ineligible]
        rule_entries(entries=good, ruling=Entry.ELIGIBLE, reason="", actor=self.organizer,
                     now=moment)
        for p in bad:
            self.at(moment + timedelta(minutes=20))
            rule_entries(entries=[p.entry], ruling=Entry.INELIGIBLE, reason=p.work.ineligible,
                         actor=self.organizer, now=moment + timedelta(minutes=20))

    # ------------------------------------------------------------------ judging

    def _values(self, rnd: Round, target: float) -> dict[str, Decimal]:
        top = sum(float(c.max_score) for c in rnd.criteria)
        values = {}
        for c in rnd.criteria:
            share = float(c.max_score) * target / top + self.rng.uniform(-0.8, 0.8)
            values[c.code] = min(Decimal(c.max_score),
                                 max(Decimal(0), Decimal(round(share * 2)) / 2))
        return values

    def _nudge(self, rnd: Round, sheets: list[dict[str, Decimal]], used: set[Decimal]) -> None:
        """Half a point more (or less) on one criterion until the entry's sum of totals
        differs from every other entry's: rankings and prize lists then have no ties."""
        maxima = {c.code: Decimal(c.max_score) for c in rnd.criteria}
        step = Decimal("0.5")
        while sum(sum(s.values()) for s in sheets) in used:
            sheet = sheets[0]
            code = next((c for c in sheet if sheet[c] + step <= maxima[c]), None)
            if code is not None:
                sheet[code] += step
            else:
                code = next(iter(sheet))
                sheet[code] -= step
        used.add(sum(sum(s.values()) for s in sheets))

    def judge_round(self, rnd: Round, *, spread: float, noise: float,
                    outlier: int | None) -> None:
        quality = {p.entry.id: p.work.quality for p in self.played}
        self.at(rnd.opens_at - timedelta(hours=1))
        run_assignment(rnd=rnd, seed=default_seed(rnd), actor=self.organizer)
        self.at(rnd.opens_at)
        set_round_status(rnd=rnd, status=Round.OPEN, actor=self.organizer, now=rnd.opens_at)
        assignments = db.session.scalars(
            sa.select(Assignment).where(Assignment.round_id == rnd.id)
            .order_by(Assignment.entry_id, Assignment.judge_id)
            .options(so.selectinload(Assignment.judge), so.selectinload(Assignment.entry))
        ).all()
        by_entry: dict[int, list[Assignment]] = {}
        for a in assignments:
            by_entry.setdefault(a.entry_id, []).append(a)
        used: set[Decimal] = set()
        window = (rnd.closes_at - rnd.opens_at).total_seconds() - 3600
        planned = []
        for entry_id, group in by_entry.items():
            centre = quality[entry_id] + self.rng.uniform(-spread, spread)
            sheets = []
            for i, _a in enumerate(group):
                target = centre + self.rng.gauss(0, noise)
                if entry_id == outlier and i == 0:
                    target -= 15  # far from the other judges: the council discusses it
                sheets.append(self._values(rnd, min(99.0, target)))
            self._nudge(rnd, sheets, used)
            for a, values in zip(group, sheets, strict=True):
                moment = rnd.opens_at + timedelta(seconds=int(self.rng.uniform(0, window)))
                planned.append((moment, a.id, a, values))
        planned.sort(key=lambda t: (t[0], t[1]))
        for moment, _id, a, values in planned:
            self.at(moment)
            submit_sheet(assignment=a, judge=a.judge,
                         values={code: str(v) for code, v in values.items()},
                         comment=self.rng.choice(COMMENTS), expected_version=None, now=moment)
        close = self.at(rnd.closes_at + timedelta(minutes=30))
        set_round_status(rnd=rnd, status=Round.CLOSED, actor=self.organizer, now=close)

    # ------------------------------------------------------------------ results

    def results(self) -> None:
        self.at(vn(2025, 11, 12, 9, 0))
        review = review_results(self.contest, with_agreement=False)
        entries = {p.entry.id: p.entry for p in self.played}
        for genre, rows in review.results.by_genre(review.genres):
            best = [r for r in rows if r.proposed][:SENT_TO_NATIONAL.get(genre.code, 0)]
            for row in best:
                set_forwarded(self.contest, entries[row.entry_id], forwarded=True,
                              reason="Tác phẩm đạt giải cao của loại hình, đề nghị gửi dự "
                                     "Giải Búa liềm vàng toàn quốc.",
                              actor=self.organizer, now=self.clock.now)
        self.at(vn(2025, 11, 20, 15, 0))
        record_decision(self.contest, number=DECISION_NUMBER, decided_on=DECISION_DATE,
                        actor=self.organizer)
        published = self.at(vn(2025, 11, 21, 9, 0))
        publish(self.contest, actor=self.organizer, now=published)
