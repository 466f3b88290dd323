"""Page timings at national scale: seed PostgreSQL, serve with gunicorn, time key pages.

Run: .venv/bin/python bench/pages.py   (needs PostgreSQL on 127.0.0.1:5432, user postgres)

Creates a throw-away database, seeds one edition with 2,000 eligible entries in 6 genres,
30 judges in 6 panels, k = 3 (6,000 assignments, 200 per judge, half with submitted
sheets), serves the portal with gunicorn (4 sync workers, 127.0.0.1), logs in as a judge
and as an organizer, and times 50 sequential requests per page after 5 warm-ups. SQL
statements per request come from the X-SQL-Count header (SQL_COUNT_HEADER). Prints a
table and a last line `queue_ms=… work_ms=… registry_ms=… progress_ms=… max_sql=…`.
Not a test: it asserts nothing and leaves nothing behind (database and server removed).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import free_port, stop, throwaway_database, wait_http  # noqa: E402

N_ENTRIES, N_GENRES, N_JUDGES, K = 2000, 6, 30, 3
PASSWORD = "bench-pass-1"
WARMUP, RUNS = 5, 50
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(url: str) -> dict:
    """Create the schema and bulk-insert the edition; return the ids the pages need."""
    from portal import create_app
    from portal.extensions import db
    from portal.models import (
        Assignment,
        Contest,
        Criterion,
        Entry,
        EntryAuthor,
        EntryPart,
        Genre,
        Membership,
        Panel,
        Round,
        RoundEntry,
        Score,
        ScoreSheet,
        User,
        panel_genres,
        panel_judges,
    )
    from portal.passwords import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        contest = Contest(
            slug="quoc-gia-bench", name="Giải Búa liềm vàng lần thứ X (bench)", year=2026,
            ref_prefix="BLV2026", publication_start=date(2025, 11, 1),
            publication_end=date(2026, 10, 31), submission_opens=now - timedelta(days=90),
            submission_closes=now - timedelta(days=10), status=Contest.JUDGING)
        names = [("BI1", "Báo in 1"), ("BI2", "Báo in 2"), ("DT", "Báo điện tử"),
                 ("PT", "Phát thanh"), ("TH", "Truyền hình"), ("AB", "Ảnh báo chí")]
        for pos, (code, vi) in enumerate(names[:N_GENRES]):
            contest.genres.append(Genre(code=code, name_vi=vi, name_en=code, position=pos))
        db.session.add(contest)
        db.session.flush()
        genres = list(contest.genres)
        pw = hash_password(PASSWORD)
        n_owners = N_ENTRIES // 4
        users = ([{"email": "btc@bench.vn", "full_name": "Thư ký Hội đồng"}]
                 + [{"email": f"gk{i}@bench.vn", "full_name": f"Giám khảo {i}",
                     "workplace": f"Cơ quan giám khảo {i}"} for i in range(N_JUDGES)]
                 + [{"email": f"tg{i}@bench.vn", "full_name": f"Tác giả {i}",
                     "workplace": f"Tòa soạn {i}"} for i in range(n_owners)])
        db.session.execute(sa.insert(User), [{**u, "password_hash": pw} for u in users])
        ids = dict(db.session.execute(sa.select(User.email, User.id)).all())
        org = ids["btc@bench.vn"]
        judges = [ids[f"gk{i}@bench.vn"] for i in range(N_JUDGES)]
        owners = [ids[f"tg{i}@bench.vn"] for i in range(n_owners)]
        db.session.execute(sa.insert(Membership), [
            {"contest_id": contest.id, "user_id": org, "role": Membership.ORGANIZER}] + [
            {"contest_id": contest.id, "user_id": j, "role": Membership.JUDGE} for j in judges])
        entries = []
        for i in range(N_ENTRIES):
            g = genres[i % len(genres)]
            seq = i // len(genres) + 1
            entries.append({
                "contest_id": contest.id, "genre_id": g.id, "owner_id": owners[i % n_owners],
                "title": f"Tác phẩm số {i + 1} về xây dựng Đảng", "status": Entry.SUBMITTED,
                "reference": f"BLV2026-{g.code}-{seq:04d}", "seq": seq,
                "submitted_at": now - timedelta(days=20), "eligibility": Entry.ELIGIBLE,
                "accepted_rules": True, "not_national_award": True,
                "search_text": f"tac pham so {i + 1}"})
        db.session.execute(sa.insert(Entry), entries)
        entry_rows = db.session.execute(
            sa.select(Entry.id, Entry.genre_id, Entry.owner_id).order_by(Entry.id)).all()
        db.session.execute(sa.insert(EntryPart), [
            {"entry_id": e, "number": 1, "title": "Kỳ 1", "published_on": date(2026, 5, 1),
             "outlet": f"Tòa soạn {o}"} for e, _, o in entry_rows])
        db.session.execute(sa.insert(EntryAuthor), [
            {"entry_id": e, "user_id": o, "position": 0, "full_name": f"Tác giả {o}",
             "role": EntryAuthor.LEAD} for e, _, o in entry_rows])
        rnd = Round(contest=contest, position=1, name_vi="Vòng sơ khảo",
                    name_en="Preliminary round", opens_at=now - timedelta(days=5),
                    closes_at=now + timedelta(days=20), status=Round.OPEN,
                    judges_per_entry=K)
        for pos, (code, mx) in enumerate([("truthful", 25), ("orientation", 20),
                                          ("discovery", 20), ("effect", 20),
                                          ("presentation", 15)]):
            rnd.criteria.append(Criterion(code=code, name_vi=code, name_en=code,
                                          position=pos, max_score=Decimal(mx),
                                          step=Decimal("0.5")))
        db.session.add(rnd)
        db.session.flush()
        per_panel = N_JUDGES // len(genres)
        assignments = []
        for p, g in enumerate(genres):
            panel = Panel(round_id=rnd.id, position=p, name=f"Tiểu ban {g.name_vi}")
            db.session.add(panel)
            db.session.flush()
            members = judges[p * per_panel:(p + 1) * per_panel]
            db.session.execute(sa.insert(panel_genres),
                               [{"panel_id": panel.id, "genre_id": g.id}])
            db.session.execute(sa.insert(panel_judges),
                               [{"panel_id": panel.id, "user_id": j} for j in members])
            mine = [e for e, gid, _ in entry_rows if gid == g.id]
            for n, e in enumerate(mine):
                for x in range(K):
                    assignments.append({"round_id": rnd.id, "entry_id": e,
                                        "judge_id": members[(n * K + x) % len(members)],
                                        "status": Assignment.ACTIVE})
        db.session.execute(sa.insert(RoundEntry),
                           [{"round_id": rnd.id, "entry_id": e} for e, _, _ in entry_rows])
        db.session.execute(sa.insert(Assignment), assignments)
        a_rows = db.session.execute(sa.select(Assignment.id, Assignment.judge_id)
                                    .order_by(Assignment.id)).all()
        seen: dict[int, int] = {}
        done = []
        for aid, j in a_rows:
            seen[j] = seen.get(j, 0) + 1
            if seen[j] % 2 == 0:
                done.append(aid)
        db.session.execute(sa.insert(ScoreSheet), [
            {"assignment_id": a, "status": ScoreSheet.SUBMITTED, "total": Decimal("80"),
             "submitted_at": now - timedelta(hours=a % 50), "updated_at": now}
            for a in done])
        sheets = db.session.execute(sa.select(ScoreSheet.id)).scalars().all()
        crits = [c.id for c in rnd.criteria]
        db.session.execute(sa.insert(Score), [
            {"sheet_id": s, "criterion_id": c, "value": Decimal("16")}
            for s in sheets for c in crits])
        db.session.commit()
        judge0 = judges[0]
        work = db.session.scalar(
            sa.select(Assignment.id).join(ScoreSheet).where(Assignment.judge_id == judge0)
            .order_by(Assignment.id).limit(1))
        info = {"slug": contest.slug, "round": rnd.id, "judge": "gk0@bench.vn",
                "organizer": "btc@bench.vn", "work": work,
                "counts": {"entries": len(entry_rows), "assignments": len(assignments),
                           "sheets": len(sheets),
                           "per_judge": len(assignments) // len(judges)}}
        db.engine.dispose()
    return info


def login(base: str, email: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/auth/login", timeout=30).text
    token = CSRF_RE.search(page).group(1)
    r = s.post(base + "/auth/login", timeout=30, allow_redirects=False,
               data={"csrf_token": token, "email": email, "password": PASSWORD})
    if r.status_code != 302:
        raise SystemExit(f"login as {email} failed: HTTP {r.status_code}")
    return s


def measure(session: requests.Session, url: str) -> dict | None:
    for _ in range(WARMUP):
        r = session.get(url, timeout=60)
        if r.status_code != 200:
            return {"status": r.status_code}
    times, sql = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        r = session.get(url, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        sql.append(int(r.headers.get("X-SQL-Count", "-1")))
    times.sort()
    return {"status": 200, "median": statistics.median(times),
            "p95": times[int(round(0.95 * len(times))) - 1],
            "rps": 1000 * len(times) / sum(times), "sql": max(sql)}


def main() -> None:
    with throwaway_database("bench_pages") as url:
        run(url)


def run(url: str) -> None:
    tmp = tempfile.mkdtemp(prefix="bench-pages-")
    proc = None
    try:
        t0 = time.perf_counter()
        info = seed(url)
        print(f"seeded {info['counts']} in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret",
               "RATELIMIT_ENABLED": "0", "STORAGE_BACKEND": "local",
               "STORAGE_LOCAL_ROOT": tmp, "PORTAL_ENV": "development"}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        proc = subprocess.Popen(
            [gunicorn, "-w", "4", "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level",
             "warning", "portal:create_app({'SQL_COUNT_HEADER': True})"],
            cwd=ROOT, env=env, start_new_session=True)
        wait_http(base + "/static/css/portal.css", proc, "gunicorn")
        judge = login(base, info["judge"])
        org = login(base, info["organizer"])
        slug, rnd = info["slug"], info["round"]
        pages = [
            ("queue", judge, f"/judge/{slug}/rounds/{rnd}"),
            ("work", judge, f"/judge/assignments/{info['work']}"),
            ("registry", org, f"/organize/{slug}/entries"),
            ("progress", org, f"/organize/{slug}/rounds/{rnd}/progress"),
            ("static", org, "/static/css/portal.css"),
        ]
        results = {}
        print(f"{'page':<10} {'url':<48} {'median ms':>10} {'p95 ms':>8} {'req/s':>7} "
              f"{'SQL':>4}")
        for key, session, path in pages:
            res = measure(session, base + path)
            results[key] = res
            if res is None or res["status"] != 200:
                print(f"{key:<10} {path:<48} {'n/a (HTTP ' + str(res['status']) + ')':>10}")
                continue
            print(f"{key:<10} {path:<48} {res['median']:>10.1f} {res['p95']:>8.1f} "
                  f"{res['rps']:>7.1f} {res['sql']:>4}")

        def ms(key):
            r = results.get(key)
            return f"{r['median']:.1f}" if r and r["status"] == 200 else "n/a"

        max_sql = max((r["sql"] for k, r in results.items()
                       if r and r["status"] == 200 and k != "static"), default=0)
        print(f"queue_ms={ms('queue')} work_ms={ms('work')} registry_ms={ms('registry')} "
              f"progress_ms={ms('progress')} max_sql={max_sql}")
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
