"""Export one edition (its rows and files) to a zip, and restore such a zip into an empty portal.

The zip holds ``meta.json``, ``manifest.json`` (one line per EntryFile: key, size, sha256),
``tables/<table>.json`` (a JSON list of row objects, one row per line so it can be read as a
stream) and, with files, ``objects/<key>``. Which rows belong to an edition is decided from
the foreign keys in ``db.metadata``: a row belongs when one of its foreign keys points at a
row that belongs, starting from the ``contests`` row; users are exported when an edition row
points at them. A table the walk cannot place stops the export (see ``edition_filters``).

An import restores into an EMPTY database only (schema present, no rows): it refuses, and
changes nothing, when the edition's slug or any of its users' emails exists, or any table
holds a row. Merging into a live portal would mean remapping every id and re-chaining the
audit log, which a restore should not do silently. Rows keep their primary keys.

The audit log is one hash chain across all editions. When the exported edition's events are
the whole chain (a one-edition portal), the import verifies the restored chain from genesis
and refuses a broken one. When other editions' events are interleaved, an edition's events
cannot verify from genesis on their own: the import then checks each event against its own
hash and says so; ``flask audit verify`` on such a restored portal reports the first gap.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa

from portal.audit import event_digest, verify_chain
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Contest, EntryFile, User, normalize_email
from portal.storage import HashingReader, Storage, StorageError

FORMAT = "portal-edition-backup"
FORMAT_VERSION = 1
ROOT_TABLE = "contests"
# Not owned by an edition, but exported when an edition row points at them. Users keep their
# password hashes, so logins survive a restore.
REFERENCED_TABLES = ("users",)
# Tables that never hold edition data, each with the reason. A table that is neither reachable
# from `contests` through foreign keys, nor referenced, nor listed here stops the export: a
# backup that silently leaves a table out is worse than none.
NOT_EDITION_DATA: dict[str, str] = {
    "user_sessions": "logged-in browsers of accounts; a restored account logs in again",
}
BATCH = 500
CHUNK = 1 << 20
_LISTED = 20  # at most this many keys named in one message


class BackupError(DomainError):
    """The export or import cannot go on; the message says why and what was (not) changed."""


# ---------------------------------------------------------------------------------------
# Which rows belong to an edition


def edition_filters(metadata: sa.MetaData, contest_id: int) -> dict[str, sa.ColumnElement]:
    """For every table holding data of the edition, the condition selecting its rows.

    Raises BackupError naming every table that is not reachable from ``contests`` through
    foreign keys and is neither in REFERENCED_TABLES nor in NOT_EDITION_DATA.
    """
    where: dict[str, sa.ColumnElement] = {}
    for table in metadata.sorted_tables:
        if table.name == ROOT_TABLE:
            where[table.name] = table.c.id == contest_id
        elif table.name not in REFERENCED_TABLES and table.name not in NOT_EDITION_DATA:
            owned = [
                fk.parent.in_(sa.select(fk.column).where(where[fk.column.table.name]))
                for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name)
                if fk.column.table.name in where and fk.column.table is not table
            ]
            if owned:
                where[table.name] = sa.or_(*owned)
    owned_tables = [t for t in metadata.sorted_tables if t.name in where]
    for name in REFERENCED_TABLES:
        target = metadata.tables[name]
        pointers = [
            fk.column.in_(sa.select(fk.parent).where(where[table.name]))
            for table in owned_tables
            for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name)
            if fk.column.table is target
        ]
        where[name] = sa.or_(*pointers) if pointers else sa.false()
    uncovered = [
        t.name for t in metadata.sorted_tables if t.name not in where
        and t.name not in NOT_EDITION_DATA
    ]
    if uncovered:
        raise BackupError(
            "The backup does not know which rows of these tables belong to an edition: "
            + ", ".join(uncovered)
            + ". Give each a foreign key to edition data, or list it in "
            "portal.backup.services.NOT_EDITION_DATA with the reason."
        )
    return where


def exported_table_names(metadata: sa.MetaData) -> list[str]:
    """The tables an export writes, in dependency order."""
    return [t.name for t in metadata.sorted_tables if t.name not in NOT_EDITION_DATA]


# ---------------------------------------------------------------------------------------
# Values to and from JSON


def _place(table: sa.Table, row) -> str:
    return f"{table.name} row " + ", ".join(f"{c.name}={row[c.name]}" for c in table.primary_key)


def _encode(value, where):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()  # an aware UTC datetime keeps its "+00:00"
    raise BackupError(f"{where()}: cannot export a value of type {type(value).__name__}.")


def _python_type(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _decode(value, kind, where: str):
    if value is None:
        return None
    try:
        if kind is Decimal:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise ValueError("expected a decimal number written as a string")
            return Decimal(value)
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
        if kind is time:
            return time.fromisoformat(value)
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("expected a number")
            return float(value)
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("expected an integer")
        if kind is bool and not isinstance(value, bool):
            raise ValueError("expected true or false")
        if kind is str and not isinstance(value, str):
            raise ValueError("expected a string")
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise BackupError(f"{where}: {value!r} is not valid ({exc}).") from None
    return value


# ---------------------------------------------------------------------------------------
# Export


@dataclass
class ExportReport:
    slug: str
    path: Path
    rows: dict[str, int]
    files: int = 0
    objects_written: int = 0
    bytes_written: int = 0
    # Keys of verified files whose object is not in the file store.
    missing: list[str] = field(default_factory=list)
    # Keys whose stored bytes differ from the sha256 recorded on the EntryFile row.
    mismatched: list[str] = field(default_factory=list)
    audit_chain_complete: bool = False


def _zip_info(name: str, when: datetime, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    return info


def _alembic_revision() -> str | None:
    connection = db.session.connection()
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def export_edition(
    slug: str, out: Path, *, storage: Storage, with_files: bool, now: datetime
) -> ExportReport:
    """Write every row of edition ``slug`` (and, ``with_files``, every stored object of its
    files) to the zip ``out``; objects are streamed chunk by chunk, never held whole.

    The zip is written next to ``out`` under a temporary name and renamed when complete.
    Raises BackupError if ``out`` exists, the edition is unknown, a table is not covered, a
    row points outside the edition or the file store fails. Reads only; never commits.
    """
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists; choose another file name.")
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        # One consistent snapshot of every table, even while the portal is in use.
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
    if contest is None:
        raise BackupError(f"There is no edition with the slug {slug!r}.")
    where = edition_filters(db.metadata, contest.id)
    tables = [t for t in db.metadata.sorted_tables if t.name in where]
    report = ExportReport(slug=slug, path=out, rows={})
    partial = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            keysets = {
                (fk.column.table.name, fk.column.name): set()
                for table in tables
                for fk in table.foreign_keys
            }
            for table in tables:
                report.rows[table.name] = _write_table(
                    zf, table, where[table.name], keysets, now=now
                )
            manifest = _write_objects(zf, where["entry_files"], storage, with_files, report,
                                      now=now)
            report.files = len(manifest)
            total_events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            report.audit_chain_complete = total_events == report.rows.get("audit_events", 0)
            meta = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "edition": slug,
                "exported_at": now.isoformat(),
                "alembic_revision": _alembic_revision(),
                "database": db.engine.dialect.name,
                "with_files": with_files,
                "tables": report.rows,
                "audit": {
                    "exported": report.rows.get("audit_events", 0),
                    "in_database": total_events,
                    # True when the export holds the whole chain from genesis, so the
                    # restored chain must verify; otherwise each event's own hash is checked.
                    "chain_complete": report.audit_chain_complete,
                },
            }
            _write_json(zf, "manifest.json", {"files": manifest}, now)
            _write_json(zf, "meta.json", meta, now)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def _write_json(zf: zipfile.ZipFile, name: str, data, now: datetime) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    zf.writestr(_zip_info(name, now, zipfile.ZIP_DEFLATED), text.encode("utf-8"))


def _write_table(zf, table: sa.Table, condition, keysets, *, now: datetime) -> int:
    """Stream the table's rows into tables/<name>.json and check each foreign key points at
    an exported row; return the row count."""
    own_keys = [(column, keys) for (name, column), keys in keysets.items() if name == table.name]
    checks = [
        (fk.parent.name, keysets[(fk.column.table.name, fk.column.name)], fk.column)
        for fk in table.foreign_keys
    ]
    statement = (
        sa.select(table).where(condition).order_by(*table.primary_key.columns)
        .execution_options(yield_per=1000)
    )
    count = 0
    info = _zip_info(f"tables/{table.name}.json", now, zipfile.ZIP_DEFLATED)
    with io.TextIOWrapper(zf.open(info, "w", force_zip64=True), "utf-8", newline="\n") as out:
        out.write("[")
        for row in db.session.execute(statement).mappings():
            for column, keys, target in checks:
                value = row[column]
                if value is not None and value not in keys:
                    raise BackupError(
                        f"{_place(table, row)}: {column}={value} points at a row of "
                        f"{target.table.name} that is not part of this edition."
                    )
            for column, keys in own_keys:
                keys.add(row[column])
            encoded = {
                c.name: _encode(row[c.name], lambda c=c, row=row: f"{_place(table, row)}, {c.name}")
                for c in table.columns
            }
            out.write(("\n" if count == 0 else ",\n") + json.dumps(encoded, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    return count


def _write_objects(zf, condition, storage: Storage, with_files: bool, report: ExportReport,
                   *, now: datetime) -> list[dict]:
    entries = []
    table = EntryFile.__table__
    rows = db.session.execute(sa.select(table).where(condition).order_by(table.c.id)).mappings()
    for row in rows.all():
        key = row["key"]
        item = {
            "entry_file_id": row["id"],
            "key": key,
            "status": row["status"],
            "content_type": row["content_type"],
            "recorded_sha256": row["sha256"],
            "present": True,
            "size": None,
            "sha256": None,
        }
        try:
            if with_files:
                item["size"], item["sha256"] = _copy_object(zf, storage, key, now)
                report.objects_written += 1
                report.bytes_written += item["size"]
            else:
                info = storage.head(key)
                item["size"] = info.size
                item["sha256"] = row["sha256"] or info.sha256 or storage.sha256(key)
        except StorageError as exc:
            if exc.status != 404:
                raise BackupError(f"File store error on {key}: {exc}") from exc
            item["present"] = False
            if row["status"] == EntryFile.VERIFIED:
                report.missing.append(key)
        if item["present"] and row["sha256"] and item["sha256"] != row["sha256"]:
            report.mismatched.append(key)
        entries.append(item)
    return entries


def _copy_object(zf: zipfile.ZipFile, storage: Storage, key: str, now) -> tuple[int, str]:
    """Stream one object into objects/<key>; return its size and sha256."""
    chunks = storage.iter_chunks(key, CHUNK)  # raises StorageError(404) when absent
    digest = hashlib.sha256()
    size = 0
    # Media is already compressed: store it, do not spend the CPU deflating it again.
    with zf.open(_zip_info(f"objects/{key}", now, zipfile.ZIP_STORED), "w",
                 force_zip64=True) as member:
        for chunk in chunks:
            member.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Import


@dataclass
class ImportReport:
    slug: str
    rows: dict[str, int]
    uploaded: list[str] = field(default_factory=list)
    # Objects the file store already held with the right bytes (not uploaded again).
    already_present: list[str] = field(default_factory=list)
    audit_checked: int = 0
    audit_chain_complete: bool = False


def import_edition(path: Path, *, storage: Storage) -> ImportReport:
    """Restore the backup zip at ``path`` into an empty database and into ``storage``.

    Rows are inserted with their primary keys in dependency order (PostgreSQL sequences
    are moved past them); objects are streamed from the zip and their sha256 checked
    against the manifest, or, for a zip without objects, the store must already hold each
    key with the right size. The audit events' hashes are checked, and the whole chain
    when the backup holds all of it. Flushes, never commits: on BackupError (or any other
    error) the objects this call uploaded are deleted and the caller must roll back.
    Raises BackupError when the database is not empty, the zip is not a backup of this
    schema, or any check fails.
    """
    report: ImportReport | None = None
    uploaded: list[str] = []
    try:
        with _open_zip(path) as zf:
            meta = _read_meta(zf)
            manifest = _read_json(zf, "manifest.json").get("files")
            if not isinstance(manifest, list):
                raise BackupError("manifest.json has no list of files.")
            report = ImportReport(slug=meta["edition"], rows={}, uploaded=uploaded)
            _refuse_unless_empty(zf, meta)
            file_keys = _insert_rows(zf, meta, report)
            _check_audit(meta, report)
            _reset_sequences()
            _restore_objects(zf, meta, manifest, file_keys, storage, report)
    except BaseException:
        discard_objects(storage, uploaded)
        raise
    return report


def discard_objects(storage: Storage, keys: list[str]) -> None:
    """Delete objects an unfinished import uploaded (best effort: the store may be down)."""
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            pass


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{path} is not a readable zip file ({exc}).") from exc


def _read_json(zf: zipfile.ZipFile, name: str):
    try:
        with zf.open(name) as member:
            return json.load(member)
    except KeyError:
        raise BackupError(f"The zip has no {name}: it is not an edition backup.") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{name} in the zip is damaged ({exc}).") from exc


def _read_meta(zf: zipfile.ZipFile) -> dict:
    meta = _read_json(zf, "meta.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BackupError("meta.json does not describe an edition backup.")
    if meta.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup has format version {meta.get('format_version')}; "
            f"this portal reads version {FORMAT_VERSION}."
        )
    expected = set(exported_table_names(db.metadata))
    found = set(meta.get("tables") or {})
    if found != expected:
        problems = []
        if found - expected:
            problems.append("tables this portal lacks: " + ", ".join(sorted(found - expected)))
        if expected - found:
            problems.append("tables missing from it: " + ", ".join(sorted(expected - found)))
        raise BackupError("The backup was made with another database schema (" +
                          "; ".join(problems) + ").")
    revision = _alembic_revision()
    if meta.get("alembic_revision") and revision and meta["alembic_revision"] != revision:
        raise BackupError(
            f"The backup was made at schema revision {meta['alembic_revision']}, this "
            f"database is at {revision}. Upgrade or downgrade first (flask db upgrade)."
        )
    return meta


def _iter_rows(zf: zipfile.ZipFile, name: str) -> Iterator[dict]:
    """Yield the rows of tables/<name>.json one at a time (one row per line as exported);
    a file laid out differently is parsed whole."""
    member = f"tables/{name}.json"
    try:
        handle = zf.open(member)
    except KeyError:
        raise BackupError(f"The zip has no {member}.") from None
    with io.TextIOWrapper(handle, "utf-8") as text:
        first = text.readline()
        if first.strip() != "[":
            rows = json.loads(first + text.read())
            if not isinstance(rows, list):
                raise BackupError(f"{member} is not a list of rows.")
            yield from rows
            return
        for number, line in enumerate(text, start=1):
            line = line.strip()
            if line == "]":
                return
            try:
                yield json.loads(line.removesuffix(","))
            except ValueError as exc:
                raise BackupError(f"{member}, line {number + 1}: {exc}") from exc
        raise BackupError(f"{member} ends before its closing bracket.")


def _refuse_unless_empty(zf: zipfile.ZipFile, meta: dict) -> None:
    slug = meta["edition"]
    if db.session.scalar(sa.select(Contest.id).where(Contest.slug == slug)) is not None:
        raise BackupError(
            f"The edition {slug!r} already exists in this database. An import restores into "
            "an empty database only; nothing was changed."
        )
    emails = sorted({
        normalize_email(row.get("email", "")) for row in _iter_rows(zf, "users")
        if isinstance(row, dict)
    })
    taken: list[str] = []
    for start in range(0, len(emails), BATCH):
        chunk = emails[start:start + BATCH]
        taken += db.session.scalars(
            sa.select(User.email).where(sa.func.lower(User.email).in_(chunk))
        ).all()
    if taken:
        raise BackupError(
            "These accounts already exist in this database: " + _listed(sorted(taken))
            + ". An import restores into an empty database only; nothing was changed."
        )
    for table in db.metadata.sorted_tables:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(table))
        if count:
            raise BackupError(
                f"The database is not empty: table {table.name} has {count} "
                f"{'row' if count == 1 else 'rows'}. An import "
                "restores into an empty database only; nothing was changed."
            )


def _insert_rows(zf: zipfile.ZipFile, meta: dict, report: ImportReport) -> set[str]:
    """Insert every table's rows; return the keys of the entry_files rows."""
    file_keys: set[str] = set()
    for table in db.metadata.sorted_tables:
        if table.name in NOT_EDITION_DATA:
            continue
        columns = {c.name: _python_type(c) for c in table.columns}
        batch: list[dict] = []
        count = 0
        for row in _iter_rows(zf, table.name):
            count += 1
            place = f"tables/{table.name}.json, row {count}"
            if not isinstance(row, dict) or set(row) != set(columns):
                got = sorted(row) if isinstance(row, dict) else type(row).__name__
                raise BackupError(
                    f"{place}: the columns {got} do not match this database's "
                    f"{sorted(columns)}."
                )
            batch.append({
                name: _decode(row[name], kind, f"{place}, column {name}")
                for name, kind in columns.items()
            })
            if table.name == "entry_files":
                file_keys.add(row["key"])
            if len(batch) >= BATCH:
                db.session.execute(table.insert(), batch)
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
        if count != meta["tables"][table.name]:
            raise BackupError(
                f"tables/{table.name}.json has {count} rows, meta.json says "
                f"{meta['tables'][table.name]}: the backup is incomplete."
            )
        report.rows[table.name] = count
    db.session.flush()
    _check_foreign_keys()
    return file_keys


def _check_foreign_keys() -> None:
    """Refuse rows pointing at nothing (SQLite does not enforce foreign keys itself).

    One query per foreign key, each run once: they stay out of the statement cache, which
    they would otherwise fill for nothing (memory grows with the schema, not the data)."""
    for table in db.metadata.sorted_tables:
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            parent = fk.column.table.alias("parent")
            orphan = db.session.execute(
                sa.select(fk.parent).where(
                    fk.parent.is_not(None),
                    ~sa.exists().where(parent.c[fk.column.name] == fk.parent),
                ).limit(1),
                execution_options={"compiled_cache": None},
            ).scalar()
            if orphan is not None:
                raise BackupError(
                    f"tables/{table.name}.json: {fk.parent.name}={orphan} points at no row "
                    f"of {fk.column.table.name}. Nothing was imported."
                )


def _check_audit(meta: dict, report: ImportReport) -> None:
    report.audit_chain_complete = bool((meta.get("audit") or {}).get("chain_complete"))
    if report.audit_chain_complete:
        checked, broken = verify_chain()
        if broken is not None:
            raise BackupError(
                f"The audit chain in the backup is broken at event {broken.event_id}: "
                f"{broken.reason}. Nothing was imported."
            )
        report.audit_checked = checked
        return
    # Part of a longer chain: the links to other editions' events cannot be checked here,
    # but each event must still match its own hash.
    last_id = 0
    while True:
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(BATCH)
        ).all()
        if not events:
            break
        for event in events:
            if event_digest(event) != event.hash:
                raise BackupError(
                    f"Audit event {event.id} in the backup does not match its hash: it was "
                    "edited after it was recorded. Nothing was imported."
                )
            report.audit_checked += 1
            last_id = event.id
        db.session.expunge_all()


def _reset_sequences() -> None:
    """Move each PostgreSQL id sequence past the imported ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        primary = list(table.primary_key.columns)
        if len(primary) != 1 or not isinstance(primary[0].type, sa.Integer):
            continue
        column = primary[0].name
        db.session.execute(
            sa.text(
                f'SELECT setval(pg_get_serial_sequence(:table, :column), '
                f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table.name}"'
            ),
            {"table": table.name, "column": column},
        )



def _restore_objects(zf: zipfile.ZipFile, meta: dict, manifest: list, file_keys: set[str],
                     storage: Storage, report: ImportReport) -> None:
    listed = {item.get("key") for item in manifest if isinstance(item, dict)}
    if listed != file_keys:
        raise BackupError(
            "manifest.json and tables/entry_files.json list different files ("
            + _listed(sorted(map(str, listed ^ file_keys))) + ")."
        )
    present = [item for item in manifest if item.get("present")]
    if not meta.get("with_files"):
        _check_store_has(present, storage)
        return
    members = set(zf.namelist())
    absent = [item["key"] for item in present if f"objects/{item['key']}" not in members]
    if absent:
        raise BackupError("The zip lacks the objects of these files: " + _listed(absent) + ".")
    for item in present:
        key = item["key"]
        if _already_stored(storage, item):
            report.already_present.append(key)
            continue
        try:
            with zf.open(f"objects/{key}") as member:
                reader = HashingReader(member)
                report.uploaded.append(key)
                storage.put_file(key, reader, content_type=item.get("content_type") or
                                 "application/octet-stream")
        except (StorageError, OSError, zipfile.BadZipFile) as exc:
            raise BackupError(f"Could not restore the object {key}: {exc}") from exc
        if reader.digest.hexdigest() != item.get("sha256") or reader.size != item.get("size"):
            raise BackupError(
                f"The object {key} in the zip does not match the manifest (sha256 "
                f"{reader.digest.hexdigest()}, {reader.size} bytes; expected "
                f"{item.get('sha256')}, {item.get('size')} bytes). Nothing was imported."
            )


def _already_stored(storage: Storage, item: dict) -> bool:
    """True when the store already holds the key with the manifest's bytes; BackupError
    when it holds different bytes (an import never overwrites an object)."""
    key = item["key"]
    try:
        info = storage.head(key)
    except StorageError as exc:
        if exc.status == 404:
            return False
        raise BackupError(f"File store error on {key}: {exc}") from exc
    if info.size != item.get("size") or storage.sha256(key) != item.get("sha256"):
        raise BackupError(
            f"The file store already holds a different object under {key}; an import never "
            "overwrites objects. Nothing was imported."
        )
    return True


def _check_store_has(present: list[dict], storage: Storage) -> None:
    problems = []
    for item in present:
        key = item["key"]
        try:
            size = storage.head(key).size
        except StorageError as exc:
            if exc.status != 404:
                raise BackupError(f"File store error on {key}: {exc}") from exc
            problems.append(f"{key} (missing)")
            continue
        if size != item.get("size"):
            problems.append(f"{key} ({size} bytes, expected {item.get('size')})")
    if problems:
        raise BackupError(
            f"The backup holds no files and the file store lacks {len(problems)} of them: "
            + _listed(problems) + ". Export with --with-files, or restore the file store "
            "first. Nothing was imported."
        )


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    more = len(items) - _LISTED
    return shown + (f" and {more} more" if more > 0 else "")
