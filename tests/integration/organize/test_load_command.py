"""`flask contest load`: reloading the same slug updates in place and keeps entries."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Contest, Entry, Genre
from tests.support.factories import make_entry, make_user

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ha-tinh-2026.toml"


def test_load_twice_updates_and_keeps_entries(app, runner, tmp_path):
    r = runner.invoke(args=["contest", "load", str(EXAMPLE)])
    assert r.exit_code == 0, r.output
    contest = db.session.scalars(sa.select(Contest)).one()
    genre_ids = sorted(g.id for g in contest.genres)
    entry = make_entry(contest, make_user(), genre_code=contest.genres[0].code,
                       title="Tác phẩm giữa hai lần nạp")
    entry_genre = entry.genre_id
    db.session.commit()
    changed = tmp_path / "edition.toml"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "per_author_cap = ", "per_author_cap = 3 # was ", 1), encoding="utf-8")
    r = runner.invoke(args=["contest", "load", str(changed)])
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    contest = db.session.scalars(sa.select(Contest)).one()
    assert contest.per_author_cap == 3
    assert sorted(g.id for g in db.session.scalars(sa.select(Genre))) == genre_ids
    kept = db.session.get(Entry, entry.id)
    assert (kept.title, kept.genre_id) == ("Tác phẩm giữa hai lần nạp", entry_genre)


def test_load_adds_the_listed_agencies_once_and_the_entry_routes(app, runner, tmp_path):
    from portal.models import Agency

    r = runner.invoke(args=["contest", "load", str(EXAMPLE)])
    assert r.exit_code == 0, r.output
    contest = db.session.scalars(sa.select(Contest)).one()
    assert contest.entry_routes == Contest.ROUTE_BOTH
    first = {a.name_key: a.id for a in db.session.scalars(sa.select(Agency))}
    assert sorted(first) == ["ban tuyen giao va dan van tinh uy ha tinh", "bao ha tinh",
                             "dai phat thanh va truyen hinh ha tinh",
                             "tap chi van hoa ha tinh"]
    changed = tmp_path / "edition.toml"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8")
                       .replace('entry_routes = "both"', 'entry_routes = "agency"', 1)
                       .replace('name = "Báo Hà Tĩnh"', 'name = "BÁO HÀ TĨNH"', 1),
                       encoding="utf-8")
    r = runner.invoke(args=["contest", "load", str(changed)])
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    assert {a.name_key: a.id for a in db.session.scalars(sa.select(Agency))} == first
    assert db.session.scalars(sa.select(Contest)).one().entry_routes == Contest.ROUTE_AGENCY
    bad = tmp_path / "bad-routes.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        'entry_routes = "both"', 'entry_routes = "post"', 1), encoding="utf-8")
    r = runner.invoke(args=["contest", "load", str(bad)])
    assert r.exit_code != 0 and "entry_routes" in r.output


def test_load_malformed_file_gives_clear_error(app, runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[edition]\nslug = "x"\nname = "Giải"\nyear = 2026\n'
                   'publication_start = 2025-11-01\npublication_end = "31/10/2026"\n',
                   encoding="utf-8")
    r = runner.invoke(args=["contest", "load", str(bad)])
    assert r.exit_code == 1
    assert "Error: [edition] publication_end: expected a date such as 2025-09-15" in r.output
    assert db.session.scalar(sa.select(sa.func.count(Contest.id))) == 0
    broken = tmp_path / "broken.toml"
    broken.write_text("[edition\n", encoding="utf-8")
    r = runner.invoke(args=["contest", "load", str(broken)])
    assert r.exit_code == 1 and "broken.toml" in r.output
