"""The demo entrants' entries in the open edition: a submitted print work with its scan, a
withdrawn online work and a television series still in draft."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.demo import media
from portal.demo.common import AuditClock, store_file
from portal.entries.services import (
    AuthorData,
    EntryData,
    PartData,
    create_entry,
    submit_entry,
    withdraw_entry,
)
from portal.models import Contest, Entry, EntryAuthor, User
from portal.storage import Storage

SUBMITTED_TITLE = "Đưa Nghị quyết vào cuộc sống: Bắt đầu từ chi bộ"
WITHDRAWN_TITLE = "Cải cách hành chính trong cơ quan Đảng: Nhanh hơn, gần dân hơn"
DRAFT_TITLE = "Chính quyền địa phương hai cấp: Gần dân, sát dân"


def demo_moment(contest: Contest, now: datetime) -> datetime:
    """Two days ago, kept inside the submission window so the demo loads on any date."""
    earliest = contest.submission_opens + timedelta(days=1)
    latest = contest.submission_closes - timedelta(days=3)
    return min(max(now - timedelta(days=2), earliest), latest)


def _author(user: User, role: str) -> AuthorData:
    return AuthorData(full_name=user.full_name, pen_name=user.pen_name,
                      year_of_birth=user.year_of_birth, workplace=user.workplace,
                      title=user.title, phone=user.phone, email=user.email, role=role)


def _genre_id(contest: Contest, code: str) -> int:
    return next(g.id for g in contest.genres if g.code == code)


def _published(contest: Contest, moment: datetime, days_before: int) -> date:
    return max(contest.publication_start,
               min(contest.publication_end, moment.date() - timedelta(days=days_before)))


def load_current_entries(contest: Contest, *, hung: User, lan_anh: User, storage: Storage,
                         clock: AuditClock, now: datetime) -> list[Entry]:
    """Create the three entries; returns them (submitted, withdrawn, draft)."""
    moment = clock.now = demo_moment(contest, now)

    printed = create_entry(contest=contest, owner=hung, now=moment, data=EntryData(
        genre_id=_genre_id(contest, "BI"), title=SUBMITTED_TITLE,
        summary="Phóng sự về cách các chi bộ ở Cẩm Xuyên đưa nghị quyết vào việc làm cụ thể.",
        parts=[PartData(published_on=_published(contest, moment, 40), outlet="Báo Hà Tĩnh",
                        section="Xây dựng Đảng")],
        authors=[_author(hung, EntryAuthor.LEAD)], not_national_award=True,
        accepted_rules=True))
    part = printed.parts[0]
    store_file(storage=storage, entry=printed, kind="work", filename="trang-bao-ky-1.pdf",
               part_number=1, actor=hung, now=moment, data=media.page_pdf(
                   masthead="Báo Hà Tĩnh", title=SUBMITTED_TITLE, byline=hung.pen_name,
                   dateline=f"Ngày {part.published_on:%d/%m/%Y}", pages=2))
    moment = clock.now = moment + timedelta(minutes=25)
    submit_entry(printed, actor=hung, expected_version=None, now=moment, storage=storage)

    moment = clock.now = moment + timedelta(hours=3)
    online = create_entry(contest=contest, owner=hung, now=moment, data=EntryData(
        genre_id=_genre_id(contest, "DT"), title=WITHDRAWN_TITLE,
        parts=[PartData(published_on=_published(contest, moment, 75),
                        outlet="Báo Hà Tĩnh điện tử", section="Xây dựng Đảng",
                        url="https://baohatinh.vn/cai-cach-hanh-chinh-trong-co-quan-dang.html")],
        authors=[_author(hung, EntryAuthor.LEAD)], not_national_award=True,
        accepted_rules=True))
    store_file(storage=storage, entry=online, kind="capture", filename="ban-chup-ky-1.pdf",
               part_number=1, actor=hung, now=moment, data=media.page_pdf(
                   masthead="baohatinh.vn", title=WITHDRAWN_TITLE, byline=hung.pen_name,
                   dateline=f"Ngày {online.parts[0].published_on:%d/%m/%Y}"))
    moment = clock.now = moment + timedelta(minutes=10)
    submit_entry(online, actor=hung, expected_version=None, now=moment, storage=storage)
    moment = clock.now = moment + timedelta(hours=20)
    withdraw_entry(online, actor=hung, expected_version=None, now=moment)

    # Lan Anh's series with a cameraman colleague: part 1 has its video, part 2 not yet.
    moment = clock.now = moment + timedelta(hours=2)
    series = create_entry(contest=contest, owner=lan_anh, now=moment, data=EntryData(
        genre_id=_genre_id(contest, "TH"), title=DRAFT_TITLE, form=Entry.SERIES,
        parts_count=2,
        summary="Phóng sự 2 kỳ về những tháng đầu vận hành chính quyền địa phương hai cấp.",
        parts=[PartData(title="Kỳ 1: Ngày đầu ở xã mới",
                        published_on=_published(contest, moment, 30),
                        outlet="Đài PT-TH Hà Tĩnh", section="Thời sự"),
               PartData(title="Kỳ 2: Nghe dân nói",
                        published_on=_published(contest, moment, 23),
                        outlet="Đài PT-TH Hà Tĩnh", section="Thời sự")],
        authors=[_author(lan_anh, EntryAuthor.LEAD),
                 AuthorData(full_name="Trương Công Hiếu", pen_name="Công Hiếu",
                            year_of_birth=1991, workplace="Đài PT-TH Hà Tĩnh",
                            title="Quay phim", role=EntryAuthor.CO)],
        accepted_rules=False))
    if media.FFMPEG:
        store_file(storage=storage, entry=series, kind="work", filename="video-ky-1.mp4",
                   part_number=1, actor=lan_anh, now=moment,
                   data=media.media_files("mp4", [DRAFT_TITLE])[0])
    return [printed, online, series]
