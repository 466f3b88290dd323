"""What the fault tests share: moto that can be stopped and restarted on its port, rows as
plain dicts for before/after comparisons, and a complete draft ready to submit."""

from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Entry, EntryFile
from tests.support.s3 import ACCESS_KEY, SECRET_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RestartableMoto:
    """moto's ThreadedMotoServer on a fixed port that can be stopped and started again.

    moto keeps buckets, objects and multipart uploads in module-level backends, so a new
    server on the same port in the same process serves the same state: an outage, not a
    data loss.
    """

    def __init__(self):
        os.environ.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:  # pragma: no cover - moto[server] is in requirements-dev
            pytest.skip(f"moto[server] is not installed ({exc})")
        self._factory = ThreadedMotoServer
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = None

    def start(self) -> None:
        for _attempt in range(50):  # the port may linger for a moment after a stop
            try:
                self._server = self._factory(ip_address="127.0.0.1", port=self.port,
                                             verbose=False)
                self._server.start()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"moto could not listen on {self.port} again")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def is_listening(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


@contextmanager
def restartable_moto():
    server = RestartableMoto()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def row_dicts(model, *conditions) -> list[dict]:
    """Every column of the matching rows, read fresh from the database, ordered by id."""
    table = model.__table__
    db.session.expire_all()
    result = db.session.execute(sa.select(table).where(*conditions).order_by(table.c.id))
    return [dict(row._mapping) for row in result]


def entry_state(entry_id: int) -> tuple[list[dict], list[dict]]:
    """(the entry's row, its file rows) as plain dicts, for before/after comparisons."""
    return (row_dicts(Entry, Entry.id == entry_id),
            row_dicts(EntryFile, EntryFile.entry_id == entry_id))


def ready_entry(contest, owner, *, genre_code: str = "BI"):
    """A complete, valid draft: every required slot holds a verified file whose object
    really is in the app's storage (a one-page PDF)."""
    import hashlib
    import io
    import uuid

    from portal.storage import get_storage
    from tests.support.factories import make_entry
    from tests.support.media import make_pdf

    entry = make_entry(contest, owner, genre_code=genre_code)
    pdf = make_pdf(pages=1)
    for slot in entry.genre.slots:
        if not slot.required:
            continue
        for i in range(max(slot.min_count, entry.parts_count if slot.per_part else 0)):
            key = f"{contest.slug}/{entry.id}/{uuid.uuid4().hex}"
            info = get_storage().put_file(key, io.BytesIO(pdf), content_type="application/pdf")
            db.session.add(EntryFile(
                entry=entry, slot=slot, part_number=i + 1 if slot.per_part else None, key=key,
                original_filename=f"ky-{i + 1}.pdf", content_type="application/pdf",
                declared_type="application/pdf", size=info.size, declared_size=info.size,
                sha256=hashlib.sha256(pdf).hexdigest(), page_count=1,
                status=EntryFile.VERIFIED, uploaded_by_id=owner.id,
            ))
    db.session.flush()
    return entry
