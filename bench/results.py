"""Benchmark of the results area on a throw-away PostgreSQL database (not a test).

Generates an edition of 10,000 entries, 7 judges per entry, 6 criteria; times the
aggregation + ranking + prize proposal, the plain-mean aggregation against one SQL GROUP BY,
the XLSX export and the public page after publishing; prints a table and a last line
`entries=10000 aggregate_s=<a> ratio_vs_sql=<r> xlsx_s=<x> public_page_ms=<p>`.

Run: .venv/bin/python bench/results.py  [--entries N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import throwaway_database  # noqa: E402

GENRES = [("BI", "Báo in"), ("DT", "Báo điện tử"), ("PT", "Phát thanh"),
          ("TH", "Truyền hình"), ("AB", "Ảnh báo chí"), ("MM", "Đa phương tiện")]
CRITERIA = [("truthful", 20), ("orientation", 20), ("discovery", 20), ("effect", 15),
            ("presentation", 15), ("language", 10)]
JUDGES_PER_GENRE = 7


def _timed(fn, repeat: int = 1):
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def generate(n_entries: int, rng: random.Random):
    from portal.extensions import db
    from portal.models import (
        Contest,
        Criterion,
        Entry,
        EntryAuthor,
        EntryPart,
        Genre,
        Membership,
        Panel,
        PrizeLevel,
        PrizeQuota,
        Round,
        User,
    )

    now = datetime.now(UTC)
    contest = Contest(slug="bench", name="Giải Búa liềm vàng tỉnh Thử nghiệm lần thứ IX",
                      year=2026, organizing_body="Ban Tổ chức Tỉnh ủy", ref_prefix="BLV",
                      publication_start=date(2025, 11, 1), publication_end=date(2026, 10, 31),
                      submission_opens=now - timedelta(days=60),
                      submission_closes=now - timedelta(days=30), status=Contest.JUDGING,
                      decision_number="125-QĐ/TU", decision_date=date(2026, 11, 20),
                      special_prize_count=1)
    for pos, (code, name) in enumerate(GENRES):
        contest.genres.append(Genre(code=code, name_vi=name, name_en=code, position=pos))
    db.session.add(contest)
    db.session.flush()
    levels = [("DB", "Giải Đặc biệt", True, 90, 0), ("A", "Giải A", False, 80, 1),
              ("B", "Giải B", False, 70, 2), ("C", "Giải C", False, 60, 3),
              ("KK", "Giải Khuyến khích", False, 50, 4)]
    for pos, (code, name, special, minimum, quota) in enumerate(levels):
        level = PrizeLevel(code=code, name_vi=name, name_en=code, position=pos,
                           is_special=special, min_score=Decimal(minimum))
        if not special:
            for genre in contest.genres:
                level.quotas.append(PrizeQuota(genre=genre, quota=quota))
        contest.prize_levels.append(level)
    organizer = User(email="org@bench.vn", password_hash="x", full_name="Thư ký Hội đồng")
    db.session.add(organizer)
    db.session.flush()
    db.session.add(Membership(contest_id=contest.id, user_id=organizer.id,
                              role=Membership.ORGANIZER))
    judges = {}
    for code, _name in GENRES:
        judges[code] = [User(email=f"gk-{code}-{i}@bench.vn", password_hash="x",
                             full_name=f"Giám khảo {code} {i}") for i in range(JUDGES_PER_GENRE)]
        db.session.add_all(judges[code])
    owner = User(email="owner@bench.vn", password_hash="x", full_name="Tác giả")
    db.session.add(owner)
    rnd = Round(contest_id=contest.id, position=1, name_vi="Vòng chung khảo", name_en="Final",
                opens_at=now - timedelta(days=20), closes_at=now - timedelta(days=1),
                judges_per_entry=JUDGES_PER_GENRE, aggregation="zscore",
                disagreement_threshold=Decimal("15"))
    for pos, (code, mx) in enumerate(CRITERIA):
        rnd.criteria.append(Criterion(code=code, name_vi=code, name_en=code, position=pos,
                                      max_score=Decimal(mx)))
    db.session.add(rnd)
    db.session.flush()
    for pos, genre in enumerate(contest.genres):
        panel = Panel(round_id=rnd.id, position=pos, name=f"Tiểu ban {genre.code}")
        panel.genres = [genre]
        panel.judges = judges[genre.code]
        db.session.add(panel)
    db.session.flush()

    genre_ids = [(g.id, g.code) for g in contest.genres]
    entry_rows, part_rows, author_rows = [], [], []
    for i in range(1, n_entries + 1):
        gid, gcode = genre_ids[i % len(genre_ids)]
        entry_rows.append(dict(id=i, contest_id=contest.id, genre_id=gid, owner_id=owner.id,
                               title=f"Tác phẩm dự thi số {i}", status=Entry.SUBMITTED,
                               reference=f"BLV-{gcode}-{i:05d}", seq=i,
                               eligibility=Entry.ELIGIBLE))
        part_rows.append(dict(id=i, entry_id=i, number=1, outlet="Báo Hà Tĩnh"))
        author_rows.append(dict(id=i, entry_id=i, position=0, full_name=f"Nguyễn Văn {i}",
                                pen_name=f"Bút danh {i}", role="lead"))
    db.session.execute(sa.insert(Entry), entry_rows)
    db.session.execute(sa.insert(EntryPart), part_rows)
    db.session.execute(sa.insert(EntryAuthor), author_rows)
    db.session.flush()

    raw = db.session.connection().connection.driver_connection
    criterion_ids = [c.id for c in rnd.criteria]
    stamp = now.replace(tzinfo=None)
    with raw.cursor() as cur:
        with cur.copy("COPY round_entries (id, round_id, entry_id, accepted_incomplete_reason,"
                      " advance_reason) FROM STDIN") as cp:
            for i in range(1, n_entries + 1):
                cp.write_row((i, rnd.id, i, "", ""))
        assignments, sheets, scores = [], [], []
        aid = 0
        for i in range(1, n_entries + 1):
            gcode = genre_ids[i % len(genre_ids)][1]
            quality = rng.uniform(0.45, 0.95)
            for j, judge in enumerate(judges[gcode]):
                aid += 1
                assignments.append((aid, rnd.id, i, judge.id, "active", stamp))
                bias = (j - 3) * 0.02
                total = Decimal(0)
                for cid, (_code, mx) in zip(criterion_ids, CRITERIA, strict=True):
                    value = Decimal(round(min(mx, max(0, (quality + bias + rng.gauss(0, 0.05))
                                                       * mx)) * 2) / 2).quantize(Decimal("0.1"))
                    total += value
                    scores.append((len(scores) + 1, aid, cid, value))
                sheets.append((aid, aid, "submitted", "", total, stamp, stamp, 1))
        with cur.copy("COPY assignments (id, round_id, entry_id, judge_id, status, created_at)"
                      " FROM STDIN") as cp:
            for row in assignments:
                cp.write_row(row)
        with cur.copy("COPY score_sheets (id, assignment_id, status, comment, total,"
                      " submitted_at, updated_at, version) FROM STDIN") as cp:
            for row in sheets:
                cp.write_row(row)
        with cur.copy("COPY scores (id, sheet_id, criterion_id, value) FROM STDIN") as cp:
            for row in scores:
                cp.write_row(row)
        for table in ("entries", "entry_parts", "entry_authors", "round_entries",
                      "assignments", "score_sheets", "scores"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
    db.session.commit()
    return contest.id, rnd.id, organizer.id, len(sheets), len(scores)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    with throwaway_database("portal_bench") as url:
        run(url, args.entries)


def run(url: str, n_entries: int) -> None:
    from portal import create_app
    from portal.exports import results_xlsx
    from portal.extensions import db
    from portal.models import Assignment, Contest, Round, ScoreSheet, User
    from portal.results import services

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "localhost", "RATELIMIT_ENABLED": False,
                      "STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": "/tmp/bench-uploads"})
    rows = []
    with app.app_context():
        db.create_all()
        t_gen, (contest_id, round_id, org_id, n_sheets, n_scores) = _timed(
            lambda: generate(n_entries, random.Random(7)))
        rows.append(("generate (bulk insert/COPY)", t_gen,
                     f"{n_entries} entries, {n_sheets} sheets, {n_scores} scores"))
        with app.test_request_context():
            contest = db.session.get(Contest, contest_id)
            rnd = db.session.get(Round, round_id)

            def full():
                db.session.expire_all()
                return services.review_results(contest)

            t_agg, review = _timed(full, repeat=3)
            rows.append(("aggregate+rank+propose (zscore, all genres)", t_agg,
                         f"{sum(1 for r in review.results.rows.values() if r.level)} prizes, "
                         f"{len(review.results.ties)} boundary ties"))
            rnd.aggregation = "mean"
            t_mean, values = _timed(lambda: services.round_aggregate_values(rnd), repeat=3)
            rows.append(("aggregation, plain mean (load + compute)", t_mean,
                         f"{len(values)} entries"))
            sql = (sa.select(Assignment.entry_id, sa.func.avg(ScoreSheet.total))
                   .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
                   .where(Assignment.round_id == rnd.id, Assignment.status == "active",
                          ScoreSheet.status == "submitted").group_by(Assignment.entry_id))
            t_sql, sql_rows = _timed(lambda: db.session.execute(sql).all(), repeat=3)
            rows.append(("same plain means, one SQL GROUP BY", t_sql, f"{len(sql_rows)} rows"))
            worst = max(abs(float(avg) - values[e]) for e, avg in sql_rows)
            rows.append(("  max |python - sql| difference", 0.0, f"{worst:.2e}"))
            db.session.rollback()

            t_xlsx, data = _timed(lambda: results_xlsx.build(contest))
            rows.append(("XLSX export (write-only)", t_xlsx, f"{len(data) // 1024} KiB"))

            organizer = db.session.get(User, org_id)
            review = services.review_results(contest, with_agreement=False)
            for tie in review.results.unresolved_ties():
                for entry_id in tie.entry_ids:
                    from portal.models import Entry

                    services.set_level(contest, db.session.get(Entry, entry_id),
                                       level_code=review.results.rows[entry_id].proposed,
                                       reason="bench: council decided", actor=organizer,
                                       now=datetime.now(UTC))
            t_pub, snap = _timed(lambda: services.publish(contest, actor=organizer,
                                                          now=datetime.now(UTC)))
            db.session.commit()
            rows.append(("publish (snapshot)", t_pub, f"v{snap.version}, "
                         f"{len(snap.payload) // 1024} KiB payload"))
        client = app.test_client()
        client.get("/results/bench")  # warm the template cache
        t_page, response = _timed(lambda: client.get("/results/bench"), repeat=20)
        assert response.status_code == 200, response.status_code
        rows.append(("public page (best of 20)", t_page, f"{len(response.data) // 1024} KiB"))
        db.session.remove()
        db.engine.dispose()

    width = max(len(r[0]) for r in rows)
    print(f"{'step'.ljust(width)}  {'seconds':>9}  notes")
    for label, seconds, note in rows:
        print(f"{label.ljust(width)}  {seconds:9.3f}  {note}")
    ratio = t_mean / t_sql if t_sql else float("inf")
    print(f"entries={n_entries} aggregate_s={t_agg:.3f} ratio_vs_sql={ratio:.2f} "
          f"xlsx_s={t_xlsx:.3f} public_page_ms={t_page * 1000:.1f}")


if __name__ == "__main__":
    main()
