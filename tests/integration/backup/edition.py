"""A seeded edition touching every table, and helpers to read a database and a backup."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import (
    Agency,
    AgencyDossier,
    AgencyFocalPoint,
    Assignment,
    Award,
    CategoryAward,
    ConflictDeclaration,
    Entry,
    EntryFile,
    Membership,
    NationalDossier,
    OutboxMail,
    PrizeCategory,
    ReferenceCounter,
    ResultSnapshot,
    RoundEntry,
)
from tests.support.factories import (
    grant,
    make_contest,
    make_entry,
    make_round,
    make_sheet,
    make_user,
)

NOW = datetime(2026, 10, 20, 3, 4, 5, 678901, tzinfo=UTC)


def put_object(storage, contest, entry, data: bytes, content_type: str) -> str:
    key = f"{contest.slug}/{entry.id}/{uuid.uuid4().hex}"
    storage.put_file(key, io.BytesIO(data), content_type=content_type)
    return key


def seed_edition(storage, *, slug: str = "ha-tinh-2026", prefix: str = "") -> dict:
    """An edition with users, memberships, 3 entries with parts, authors and files (real
    objects), reference counters, a round with rubric, panel, assignments, a conflict, score
    sheets and scores, an award, a result snapshot and audit events. Commits."""
    organizer = make_user(f"{prefix}bantochuc@example.vn")
    judges = [make_user(f"{prefix}giamkhao{i}@example.vn") for i in (1, 2)]
    owners = [make_user(f"{prefix}tacgia{i}@example.vn") for i in (1, 2, 3)]
    coauthor = make_user(f"{prefix}dongtacgia@example.vn")
    contest = make_contest(slug=slug, now=NOW)
    grant(organizer, contest, Membership.ORGANIZER)
    for judge in judges:
        grant(judge, contest, Membership.JUDGE)
    audit.record("contest.settings_updated", actor=organizer, contest=contest, obj=contest,
                 before={"status": "draft"}, after={"status": "open", "at": NOW})

    entries, keys = [], []
    for i, (owner, code) in enumerate(zip(owners, ("BI", "TH", "AB"), strict=True)):
        entry = make_entry(
            contest, owner, genre_code=code, parts=2 if i == 0 else 1,
            status=Entry.SUBMITTED, authors=[owner, coauthor] if i == 0 else [owner],
            title=f"Tác phẩm “Đảng trong lòng dân” số {i + 1}", reference=f"{slug}-{code}-001",
            seq=1, submitted_at=NOW - timedelta(days=3 - i), eligibility=Entry.ELIGIBLE,
            ruled_at=NOW, ruled_by_id=organizer.id,
        )
        slot = entry.genre.slots[0]
        payload = f"%PDF-1.7 tác phẩm {i} ".encode() * (1000 * (i + 1))
        key = put_object(storage, contest, entry, payload, "application/pdf")
        keys.append(key)
        db.session.add(EntryFile(
            entry=entry, slot=slot, part_number=1, key=key, original_filename=f"bài {i}.pdf",
            declared_type="application/pdf", content_type="application/pdf",
            size=len(payload), declared_size=len(payload),
            # One file without a recorded sha256: the export computes it from the store.
            sha256=None if i == 1 else hashlib.sha256(payload).hexdigest(),
            status=EntryFile.VERIFIED, page_count=3, duration_seconds=12.5 if i == 1 else None,
            uploaded_by_id=owner.id, created_at=NOW, verified_at=NOW,
        ))
        db.session.add(ReferenceCounter(contest_id=contest.id, genre_id=entry.genre_id,
                                        next_seq=2))
        audit.record("entry.submit", actor=owner, entry=entry, obj=entry,
                     before={"status": "draft"}, after={"status": "submitted"})
        entries.append(entry)
    # An agency sends the second entry in its dossier, confirmed by its focal point.
    agency = Agency(contest_id=contest.id, name="Đài PT-TH Hà Tĩnh",
                    name_key="dai pt-th ha tinh", created_at=NOW)
    agency.focal_points.append(AgencyFocalPoint(user_id=owners[1].id, created_at=NOW))
    dossier = AgencyDossier(agency=agency, number=1, submitted_at=NOW,
                            submitted_by_id=owners[1].id)
    db.session.add_all([agency, dossier])
    db.session.flush()
    entries[1].agency_id, entries[1].dossier_id = agency.id, dossier.id
    entries[1].agency_confirmed_at, entries[1].agency_confirmed_by_id = NOW, owners[1].id
    # An upload still in progress: its row exists, its object does not yet.
    db.session.add(EntryFile(
        entry=entries[0], slot=entries[0].genre.slots[0], part_number=2,
        key=f"{slug}/{entries[0].id}/{uuid.uuid4().hex}", upload_id="upload-1",
        original_filename="kỳ 2.pdf", declared_size=4096, status=EntryFile.UPLOADING,
    ))

    rnd = make_round(contest, now=NOW, judges=judges, tiebreak_criteria="truthful")
    for entry in entries:
        db.session.add(RoundEntry(round=rnd, entry=entry, advance_reason="Đủ điều kiện"))
    db.session.add(ConflictDeclaration(judge_id=judges[1].id, entry_id=entries[2].id,
                                       reason="Cùng cơ quan báo chí", created_at=NOW))
    pairs = [(e, j) for e in entries for j in judges if (e, j) != (entries[2], judges[1])]
    for n, (entry, judge) in enumerate(pairs):
        assignment = Assignment(round=rnd, entry=entry, judge=judge, created_at=NOW)
        values = [Decimal(c.max_score) - Decimal("0.5") * ((n + k) % 3)
                  for k, c in enumerate(rnd.criteria)]
        sheet = make_sheet(assignment, values=values, comment="Bài viết sâu sắc", at=NOW,
                           criteria=rnd.criteria)
        db.session.add_all([assignment, sheet])
        db.session.flush()
        audit.record("score.submitted", actor=judge, entry=entry, obj=sheet,
                     after={"total": sheet.total})
    award = Award(contest_id=contest.id, entry=entries[0], proposed_level="A", level="A",
                  forwarded=True, forward_reason="Điểm cao nhất", updated_at=NOW)
    db.session.add(award)
    db.session.flush()
    audit.record("result.level_changed", actor=organizer, contest=contest, entry=entries[0],
                 obj=award, before={"level": None}, after={"level": "A"})
    payload = json.dumps({"winners": [entries[0].reference]}, sort_keys=True)
    snapshot = ResultSnapshot(
        contest_id=contest.id, version=1, published_at=NOW, published_by_id=organizer.id,
        decision_number="123/QĐ-BTC", decision_date="2026-10-20", payload=payload,
        sha256=hashlib.sha256(payload.encode()).hexdigest(), audit_head=audit.head_hash(),
    )
    db.session.add(snapshot)
    category = PrizeCategory(contest_id=contest.id, code="CAO", name_vi="Tác giả cao tuổi nhất",
                             name_en="Oldest author", recipient="author", count=1,
                             decided_by="ranking", rule="oldest_author", position=0)
    category.awards.append(CategoryAward(entry_id=entries[0].id, recipient_name="Cao Niên",
                                         reason="", from_proposal=True, updated_at=NOW))
    db.session.add(category)
    db.session.add(NationalDossier(contest_id=contest.id, sha256="cd" * 32, province="Hà Tĩnh",
                                   source_edition="Giải tỉnh 2026", decision_number="1-QĐ/TU",
                                   works=1, imported_at=NOW, imported_by_id=organizer.id))
    db.session.flush()
    audit.record("result.published", actor=organizer, contest=contest, obj=snapshot,
                 after={"version": 1})
    # The outbox: a receipt that was sent (what was sent to whom and when is edition data).
    db.session.add(OutboxMail(
        kind="receipt", contest_id=contest.id, user_id=owners[0].id,
        to_address=owners[0].email, subject=f"Biên nhận {entries[0].reference}",
        body="Nội dung biên nhận.", message_id=f"<outbox.{prefix}1@example.vn>",
        created_at=NOW, sent_at=NOW, sent_via="smtp", claimed_at=NOW, claimed_by="w:1"))
    db.session.commit()
    return {"contest": contest, "keys": keys, "users": [organizer, *judges, *owners, coauthor]}


def dump_all() -> dict[str, list[dict]]:
    """Every row of every table that holds edition data (not those declared in
    NOT_EDITION_DATA), as dicts, in primary-key order."""
    from portal.backup.services import NOT_EDITION_DATA

    return {
        table.name: [
            dict(row) for row in db.session.execute(
                sa.select(table).order_by(*table.primary_key.columns)
            ).mappings()
        ]
        for table in db.metadata.sorted_tables if table.name not in NOT_EDITION_DATA
    }


def read_zip_json(path, name: str):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(name))


def rewrite_zip(source, target, replace: dict[str, bytes]) -> None:
    """Copy a zip, replacing the named members' bytes (with a correct CRC: a careful
    tamperer, not a damaged file)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = replace.get(info.filename)
            zout.writestr(info, data if data is not None else zin.read(info.filename))
