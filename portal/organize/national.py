"""A national edition imports the dossiers provinces send it: every checksum verified, the
works created as submitted entries under the province's name, their files copied into this
portal's store, all or nothing."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from portal import audit
from portal.entries.services import take_reference
from portal.errors import DomainError
from portal.exports.national_dossier import DECISION, FORMAT, FORMAT_VERSION, INDEX, MANIFEST
from portal.extensions import db
from portal.models import (
    Contest,
    Entry,
    EntryAuthor,
    EntryFile,
    EntryPart,
    FileSlot,
    Genre,
    NationalDossier,
    User,
)
from portal.storage import HashingReader, Storage, StorageError, file_sha256

CHUNK = 1 << 20


class DossierError(DomainError):
    """The dossier is damaged, altered or does not fit this edition; nothing was imported."""

    status = 422


@dataclass
class DossierImport:
    dossier: NationalDossier
    entries: list[Entry] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)




def _read_json(zf: zipfile.ZipFile, name: str):
    try:
        return json.loads(zf.read(name).decode("utf-8"))
    except KeyError:
        raise DossierError(f"The dossier has no {name}.") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise DossierError(f"{name} in the dossier is damaged ({exc}).") from exc


def _verify(zf: zipfile.ZipFile) -> dict[str, dict]:
    """Check that the members are exactly the manifest's and each has its size and sha256."""
    manifest = _read_json(zf, MANIFEST)
    items = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("format") != FORMAT or not isinstance(items, list):
        raise DossierError("manifest.json does not describe a national dossier.")
    listed: dict[str, dict] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise DossierError("manifest.json lists a file without a name.")
        listed[item["name"]] = item
    members = [n for n in zf.namelist() if n != MANIFEST]
    if len(members) != len(set(members)):
        raise DossierError("The dossier holds the same file twice.")
    extra, missing = set(members) - set(listed), set(listed) - set(members)
    if extra:
        raise DossierError("The dossier holds files its manifest does not list: "
                           + ", ".join(sorted(extra)) + ".")
    if missing:
        raise DossierError("The dossier lacks files its manifest lists: "
                           + ", ".join(sorted(missing)) + ".")
    for name in members:
        digest, size = hashlib.sha256(), 0
        try:
            with zf.open(name) as member:
                while chunk := member.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DossierError(f"{name} in the dossier is damaged ({exc}).") from exc
        item = listed[name]
        if digest.hexdigest() != item.get("sha256") or size != item.get("size"):
            raise DossierError(
                f"{name} does not match the manifest (sha256 {digest.hexdigest()}, {size} "
                f"bytes; the manifest says {item.get('sha256')}, {item.get('size')} bytes): "
                "the dossier was damaged or altered.")
    return listed


def _date(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DossierError(f"{where}: {value!r} is not a date.") from None


def _text(data: dict, key: str, where: str, *, required: bool = False, limit: int = 1000) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise DossierError(f"{where}: {key} is missing or invalid.")
    return value


def _put(storage: Storage, zf: zipfile.ZipFile, name: str, key: str, item: dict,
         content_type: str, uploaded: list[str]) -> None:
    try:
        with zf.open(name) as member:
            reader = HashingReader(member)
            uploaded.append(key)
            storage.put_file(key, reader, content_type=content_type)
    except (StorageError, OSError, zipfile.BadZipFile) as exc:
        raise DossierError(f"Could not store {name}: {exc}") from exc
    if reader.digest.hexdigest() != item["sha256"] or reader.size != item["size"]:
        raise DossierError(f"{name} changed while it was read.")


def import_dossier(path: Path, *, contest: Contest, actor: User, storage: Storage,
                   now: datetime) -> DossierImport:
    """Import the province's dossier at ``path`` into the national edition ``contest``.

    Every member is checked against the manifest before anything is written. Each work
    becomes a submitted entry (eligibility pending) owned by ``actor``, sent by the
    province, with a new reference of this edition; its files and the decision PDF are
    copied into ``storage`` and recorded as verified with their sha256. Flushes, never
    commits. Raises DossierError (a clear reason) when the zip is damaged, altered, already
    imported, or names a medium or file kind this edition lacks; on any error the objects
    this call stored are deleted and the caller must roll back.
    """
    uploaded: list[str] = []
    try:
        return _import(path, contest=contest, actor=actor, storage=storage, now=now,
                       uploaded=uploaded)
    except BaseException:
        discard_objects(storage, uploaded)
        raise


def discard_objects(storage: Storage, keys: list[str]) -> None:
    """Delete the objects of an unfinished import (best effort: the store may be down)."""
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            pass


def _import(path: Path, *, contest: Contest, actor: User, storage: Storage, now: datetime,
            uploaded: list[str]) -> DossierImport:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DossierError(f"The dossier is not a readable zip file ({exc}).") from exc
    with zf:
        listed = _verify(zf)
        index = _read_json(zf, INDEX)
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise DossierError("dossier.json does not describe a national dossier.")
        if index.get("format_version") != FORMAT_VERSION:
            raise DossierError(f"The dossier has format version {index.get('format_version')}"
                               f"; this portal reads version {FORMAT_VERSION}.")
        province = _text(index, "province", "dossier.json", required=True, limit=255)
        sha = file_sha256(path)
        if db.session.scalar(sa.select(NationalDossier.id).where(
                NationalDossier.contest_id == contest.id, NationalDossier.sha256 == sha)):
            raise DossierError(f"This dossier from {province} was already imported into "
                               f"{contest.slug}; nothing was imported again.")
        edition = index.get("edition") if isinstance(index.get("edition"), dict) else {}
        decision = index.get("decision") if isinstance(index.get("decision"), dict) else {}
        works = index.get("works")
        if not isinstance(works, list) or not all(isinstance(w, str) for w in works):
            raise DossierError("dossier.json has no list of works.")
        missing = [w for w in works if w not in listed]
        if missing:
            raise DossierError("dossier.json names works the dossier lacks: "
                               + ", ".join(missing) + ".")
        genres = {g.code: g for g in db.session.scalars(
            sa.select(Genre).where(Genre.contest_id == contest.id))}
        slots = {(s.genre_id, s.kind): s for s in db.session.scalars(
            sa.select(FileSlot).join(Genre).where(Genre.contest_id == contest.id))}
        dossier = NationalDossier(
            contest_id=contest.id, sha256=sha, province=province,
            source_edition=_text(edition, "name", "dossier.json edition", limit=255),
            decision_number=_text(decision, "number", "dossier.json decision", limit=120),
            works=len(works), imported_at=now, imported_by_id=actor.id)
        db.session.add(dossier)
        db.session.flush()
        result = DossierImport(dossier=dossier, uploaded=uploaded)
        if DECISION in listed:
            key = f"{contest.slug}/dossiers/{dossier.id}-{uuid.uuid4().hex}"
            _put(storage, zf, DECISION, key, listed[DECISION], "application/pdf", uploaded)
            dossier.decision_key = key
        for name in works:
            data = _read_json(zf, name)
            if not isinstance(data, dict):
                raise DossierError(f"{name} is not a work's data.")
            result.entries.append(_import_work(
                zf, name, data, listed=listed, contest=contest, dossier=dossier,
                genres=genres, slots=slots, actor=actor, storage=storage, now=now,
                uploaded=uploaded))
        audit.record("dossier.imported", actor=actor, contest=contest, obj=dossier,
                     after={"province": province, "sha256": sha, "works": len(works),
                            "references": [e.reference for e in result.entries]})
        return result


def _import_work(zf, name: str, data: dict, *, listed, contest: Contest,
                 dossier: NationalDossier, genres, slots, actor: User, storage: Storage,
                 now: datetime, uploaded: list[str]) -> Entry:
    medium = data.get("medium") if isinstance(data.get("medium"), dict) else {}
    genre = genres.get(medium.get("code"))
    if genre is None:
        raise DossierError(f"{name}: this edition has no medium {medium.get('code')!r} "
                           f"({medium.get('name_vi', '')}).")
    source_ref = _text(data, "reference", name, limit=40)
    entry = Entry(
        contest_id=contest.id, genre_id=genre.id, owner_id=actor.id,
        title=_text(data, "title", name, required=True, limit=300),
        form=Entry.SERIES if data.get("form") == Entry.SERIES else Entry.SINGLE,
        parts_count=max(1, int(data.get("parts_count") or 1)),
        summary=_text(data, "summary", name, limit=20000),
        language=_text(data, "language", name, limit=60) or "Tiếng Việt",
        status=Entry.SUBMITTED, submitted_at=now, accepted_rules=True,
        sent_by=dossier.province, source_reference=source_ref, national_dossier_id=dossier.id,
        created_at=now, updated_at=now,
    )
    prior = data.get("prior_prize") if isinstance(data.get("prior_prize"), dict) else {}
    entry.prior_prize = bool(prior.get("declared"))
    entry.prior_prize_name = _text(prior, "name", name, limit=255)
    entry.prior_prize_level = _text(prior, "level", name, limit=120)
    entry.prior_prize_giver = _text(prior, "giver", name, limit=255)
    for i, part in enumerate(data.get("parts") or [], start=1):
        where = f"{name}, part {i}"
        entry.parts.append(EntryPart(
            number=int(part.get("number") or i), title=_text(part, "title", where, limit=300),
            published_on=_date(part.get("published_on"), where),
            outlet=_text(part, "outlet", where, limit=200),
            section=_text(part, "section", where, limit=200),
            url=_text(part, "url", where, limit=1000)))
    authors = data.get("authors") or []
    if not authors:
        raise DossierError(f"{name}: the work names no author.")
    for i, author in enumerate(authors):
        where = f"{name}, author {i + 1}"
        year = author.get("year_of_birth")
        if year is not None and not isinstance(year, int):
            raise DossierError(f"{where}: year_of_birth is not a year.")
        entry.authors.append(EntryAuthor(
            position=i, role=EntryAuthor.LEAD if author.get("role") == EntryAuthor.LEAD
            else EntryAuthor.CO,
            full_name=_text(author, "full_name", where, required=True, limit=120),
            pen_name=_text(author, "pen_name", where, limit=120), year_of_birth=year,
            workplace=_text(author, "agency", where, limit=200),
            title=_text(author, "title", where, limit=120)))
    entry.seq, entry.reference = take_reference(contest, genre)
    db.session.add(entry)
    db.session.flush()
    for item in data.get("files") or []:
        member = item.get("name") if isinstance(item, dict) else None
        if member not in listed:
            raise DossierError(f"{name}: the file {member!r} is not in the dossier.")
        slot = slots.get((genre.id, item.get("kind")))
        if slot is None:
            raise DossierError(f"{name}: the medium {genre.code} of this edition takes no "
                               f"file of kind {item.get('kind')!r}.")
        checked = listed[member]
        if item.get("sha256") not in (None, checked.get("sha256")):
            raise DossierError(f"{name}: the file {member} has sha256 {checked.get('sha256')}"
                               f" but the work's data says {item.get('sha256')}.")
        key = f"{contest.slug}/{entry.id}/{uuid.uuid4().hex}"
        content_type = _text(item, "content_type", name, limit=120) or "application/octet-stream"
        _put(storage, zf, member, key, checked, content_type, uploaded)
        part = item.get("part_number")
        db.session.add(EntryFile(
            entry_id=entry.id, slot_id=slot.id,
            part_number=part if isinstance(part, int) else None, key=key,
            original_filename=_text(item, "original_filename", name, limit=255) or member,
            content_type=content_type, declared_type=content_type,
            size=checked["size"], declared_size=checked["size"], sha256=checked["sha256"],
            status=EntryFile.VERIFIED, caption=_text(item, "caption", name, limit=5000),
            uploaded_by_id=actor.id, created_at=now, verified_at=now))
    db.session.flush()
    audit.record("entry.imported", actor=actor, contest=contest, entry=entry, obj=entry,
                 after={"reference": entry.reference, "sent_by": dossier.province,
                        "source_reference": source_ref})
    return entry
