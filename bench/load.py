"""Deadline-night load: 300 entrants upload and submit, 40 judges score, all at once.

Run: .venv/bin/python bench/load.py   (PostgreSQL on 127.0.0.1:5432, Redis on 6379)

Not a test; it prints a table and stops by itself. It creates a throw-away PostgreSQL
database, flushes Redis db 14 (the rate limiter's storage) at start and end, starts moto's
S3 server (a subprocess) and the portal under gunicorn (4 workers, gthread, 4 threads
each, 127.0.0.1), with STORAGE_BACKEND=s3 and the rate limits ON (Redis storage).

Accounts are pre-created (registration is limited to 5 per minute per address). Every
simulated person sends its own X-Forwarded-For address and the portal runs with
PROXY_FIX=1, as behind nginx, so the per-address limits stay on and apply to each person
as they would in production; no limit is raised for the bench.

The load, spread over ARRIVAL seconds (the run is bounded by HARD_STOP):
- 300 entrants: log in, open the new-entry form, create a draft, open it, run the upload
  protocol for a 3-part PDF (3 x 5 MiB: start, then sign each part through the portal and
  PUT it to moto's presigned URL, then complete), open the submit page, submit;
- 40 judges (10 pre-seeded assignments each): log in, open the queue, and for each work
  open the score sheet and submit it.

The load tool is this one process: a pool of LOAD_THREADS threads with requests.Session
per simulated person (no locust). Afterwards it counts rows and objects: every entry
submitted with a reference, its file verified, the object present in S3 with the same
size and sha256 as the bytes sent, 400 submitted sheets with 5 scores each.

Last line: requests=<n> errors=<e> p50_ms=<a> p95_ms=<b> p99_ms=<c> lost=<l>
(portal requests only; the PUTs go to moto and have their own row in the table).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import free_port, stop, throwaway_database, wait_http  # noqa: E402

from tests.support.uploader import Sent, Uploader  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"
N_ENTRANTS = int(os.environ.get("BENCH_ENTRANTS", "300"))
N_JUDGES = int(os.environ.get("BENCH_JUDGES", "40"))
SHEETS_PER_JUDGE = 10
JUDGES_PER_WORK = 4
MiB = 1024 * 1024
PART = 5 * MiB
FILE_SIZE = 3 * PART  # three 5 MiB parts
ARRIVAL = float(os.environ.get("BENCH_ARRIVAL", "100"))  # seconds over which people arrive
HARD_STOP = 300  # seconds: nothing starts or retries after this
LOAD_THREADS = int(os.environ.get("BENCH_THREADS", "64"))
TIMEOUT = 60
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DATA_CSRF_RE = re.compile(r'data-csrf="([^"]+)"')
VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"')
SCORES = {"truthful": "20", "orientation": "18", "discovery": "15.5", "effect": "16",
          "presentation": "12"}


# --- the PDF every entrant uploads (unique bytes per entrant) ---------------------------

def pdf_template() -> tuple[bytes, int]:
    """A valid 2-page PDF of FILE_SIZE bytes and the offset of its padding (uncompressed),
    where each entrant writes its own 32 bytes so no two files are identical."""
    from tests.integration.files.helpers import make_pdf

    probe = make_pdf(pages=2, pad=1024)
    overhead = len(probe) - 1024
    data = make_pdf(pages=2, pad=FILE_SIZE - overhead - 256)  # just under three parts
    pattern = bytes(range(256)) * 4
    offset = data.find(pattern)
    assert offset > 0, "the padding is not stored uncompressed"
    return data, offset


def pdf_for(template: tuple[bytes, int], n: int) -> bytes:
    data, offset = template
    token = hashlib.sha256(f"entrant-{n}".encode()).digest()
    return data[:offset] + token + data[offset + len(token):]


# --- seeding ------------------------------------------------------------------------------

def seed(db_url: str, s3: dict, base: str) -> dict:
    """The edition (open for entries, with an open round), the people and the judges'
    assignments; the bucket with CORS. Returns what the simulated people need."""
    from datetime import UTC, datetime, timedelta

    from portal import create_app
    from portal.extensions import db
    from portal.models import Assignment, Entry, Membership, RoundEntry, User
    from portal.storage import get_storage
    from tests.support.factories import genre, make_contest, make_entry, make_round

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", **s3})
    with app.app_context():
        db.create_all()
        get_storage().ensure_bucket([base])
        now = datetime.now(UTC)
        contest = make_contest(slug="ha-tinh-2026", ref_prefix="BLV2026",
                               submission_closes=now + timedelta(days=1))
        from tests.support.factories import _password_hash  # one argon2 hash for everyone

        password_hash = _password_hash()
        people = ([{"email": f"tacgia{i:03d}@load.vn", "full_name": f"Tác giả Số {i}",
                    "pen_name": f"Bút danh {i}", "workplace": f"Báo Số {i % 17}",
                    "year_of_birth": 1970 + i % 30, "phone": f"09{i:08d}"}
                   for i in range(N_ENTRANTS)]
                  + [{"email": f"giamkhao{j:02d}@load.vn", "full_name": f"Giám khảo {j}",
                      "workplace": f"Hội Nhà báo {j}"} for j in range(N_JUDGES)]
                  + [{"email": f"cu{k:03d}@load.vn", "full_name": f"Tác giả cũ {k}",
                      "workplace": "Đài PT-TH"} for k in range(100)])
        db.session.execute(sa.insert(User), [{**p, "password_hash": password_hash}
                                             for p in people])
        ids = dict(db.session.execute(sa.select(User.email, User.id)).all())
        judges = [db.session.get(User, ids[f"giamkhao{j:02d}@load.vn"])
                  for j in range(N_JUDGES)]
        db.session.execute(sa.insert(Membership), [
            {"contest_id": contest.id, "user_id": j.id, "role": Membership.JUDGE}
            for j in judges])
        # The works being judged tonight: television entries by earlier authors, so the
        # entrants' print references (BI) start at 001.
        n_works = N_JUDGES * SHEETS_PER_JUDGE // JUDGES_PER_WORK
        authors = [db.session.get(User, ids[f"cu{k:03d}@load.vn"]) for k in range(100)]
        rnd = make_round(contest, judges=judges, genres=[genre(contest, "TH")])
        works = []
        for w in range(n_works):
            entry = make_entry(contest, authors[w % len(authors)], genre_code="TH",
                               status=Entry.SUBMITTED, seq=w + 1,
                               reference=f"BLV2026-TH-{w + 1:03d}",
                               eligibility=Entry.ELIGIBLE, submitted_at=now)
            works.append(entry)
            db.session.add(RoundEntry(round=rnd, entry=entry))
        db.session.flush()
        assignments: dict[str, list[int]] = defaultdict(list)
        for w, entry in enumerate(works):
            for x in range(JUDGES_PER_WORK):
                judge = judges[(w * JUDGES_PER_WORK + x) % N_JUDGES]
                a = Assignment(round=rnd, entry=entry, judge=judge)
                db.session.add(a)
                db.session.flush()
                assignments[judge.email].append(a.id)
        slot = next(s for s in genre(contest, "BI").slots if s.kind == "work")
        slot.max_size = 50 * MiB
        db.session.commit()
        info = {"slug": contest.slug, "round": rnd.id, "slot": slot.id,
                "contest": contest.id, "assignments": dict(assignments)}
        db.engine.dispose()
    return info


# --- recording --------------------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.messages: list[str] = []
        self.acknowledged = {"entries": {}, "sheets": set()}

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.samples[kind].append(ms)
            if not ok:
                self.errors[kind] += 1
                if len(self.messages) < 20:
                    self.messages.append(f"{kind}: {detail}"[:300])


class Failed(Exception):
    pass


class Person:
    """One browser: a session, its own client address, and timed requests."""

    def __init__(self, base: str, rec: Recorder, n: int):
        self.base = base
        self.rec = rec
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.http.headers["Accept-Language"] = "vi"

    def call(self, kind: str, method: str, path: str, *, expect: int, **kw):
        url = path if path.startswith("http") else self.base + path
        t0 = time.perf_counter()
        try:
            response = self.http.request(method, url, timeout=TIMEOUT, allow_redirects=False,
                                         **kw)
        except requests.RequestException as exc:
            self.rec.add(kind, (time.perf_counter() - t0) * 1000, False, repr(exc))
            raise Failed(kind) from exc
        ms = (time.perf_counter() - t0) * 1000
        ok = response.status_code == expect
        self.rec.add(kind, ms, ok, f"HTTP {response.status_code} {response.text[:200]!r}")
        if not ok:
            raise Failed(kind)
        return response

    def signed(self, method: str, url: str, data: bytes = b"") -> Sent:
        """A request to a URL the portal signed (the bucket, or the app's S3 endpoint)."""
        kind = {"PUT": "s3_put", "POST": "s3_complete"}.get(method, "s3_other")
        response = self.call(kind, method, url, expect=200 if method != "DELETE" else 204,
                             data=data)
        return Sent(response.status_code, dict(response.headers), response.content)

    def login(self, email: str) -> None:
        page = self.call("login_page", "GET", "/auth/login", expect=200).text
        token = CSRF_RE.search(page).group(1)
        self.call("login", "POST", "/auth/login", expect=302,
                  data={"csrf_token": token, "email": email, "password": "secret-pass-1"})


class TimedPortal:
    """The portal's upload endpoints for tests/support/uploader.py's Uploader, each
    request timed under its route's name through ``Person.call``."""

    KINDS = (("/sign", "upload_sign"), ("/verify", "upload_verify"), ("/uploads", "upload_start"))

    def __init__(self, person: Person, csrf: str):
        self.person, self.csrf = person, csrf

    def _kind(self, path: str) -> str:
        return next(kind for part, kind in self.KINDS if part in path)

    def get(self, path: str, **kw):
        # The Uploader reads the CSRF token from the slots fragment; the edit page gave it.
        return _Page(f'data-csrf="{self.csrf}"')

    def post(self, path: str, *, json=None, headers=None):
        kind = self._kind(path)
        response = self.person.call(kind, "POST", path, expect=201 if kind == "upload_start"
                                    else 200, json=json, headers=headers)
        return _Answer(response)


class _Page:
    def __init__(self, text: str):
        self.text = text

    def get_data(self, as_text: bool = False):
        return self.text


class _Answer:
    def __init__(self, response):
        self.status_code = response.status_code
        self._json = response.json()

    def get_json(self, silent: bool = False):
        return self._json


def entrant_flow(base: str, rec: Recorder, info: dict, n: int, data: bytes) -> None:
    person = Person(base, rec, n)
    email = f"tacgia{n:03d}@load.vn"
    person.login(email)
    slug = info["slug"]
    page = person.call("entry_new_page", "GET", f"/entries/new/{slug}", expect=200).text
    token = CSRF_RE.search(page).group(1)
    bi = re.search(r'<option[^>]*value="(\d+)"[^>]*>[^<]*Báo in', page)
    form = {
        "csrf_token": token, "genre_id": bi.group(1), "title": f"Giữ kỷ cương ở chi bộ {n}",
        "form": "single", "parts_count": "1", "summary": "Phóng sự về công tác cán bộ.",
        "language": "Tiếng Việt", "not_national_award": "y", "accepted_rules": "y",
        "save": "1",
        "parts-0-title": "Kỳ 1", "parts-0-published_on": "15/05/2026",
        "parts-0-outlet": "Báo Hà Tĩnh", "parts-0-section": "Xây dựng Đảng", "parts-0-url": "",
        "authors-0-full_name": f"Tác giả Số {n}", "authors-0-pen_name": f"Bút danh {n}",
        "authors-0-year_of_birth": str(1970 + n % 30), "authors-0-workplace": "Báo Hà Tĩnh",
        "authors-0-title": "Phóng viên", "authors-0-phone": f"09{n:08d}",
        "authors-0-email": email, "authors-0-role": "lead",
    }
    created = person.call("entry_create", "POST", f"/entries/new/{slug}", expect=302,
                          data=form)
    entry_id = int(re.search(r"/entries/(\d+)/edit", created.headers["Location"]).group(1))
    edit = person.call("entry_edit_page", "GET", f"/entries/{entry_id}/edit", expect=200).text
    up = Uploader(TimedPortal(person, DATA_CSRF_RE.search(edit).group(1)), entry_id,
                  http=person.signed)
    started = up.start(info["slot"], f"Phóng sự {n}.pdf", len(data), part=1)
    file_id = started.get_json()["file_id"]
    parts = [(number, up.send_part(file_id, number, chunk))
             for number, chunk in enumerate(up.chunks(file_id, data), start=1)]
    done = up.complete(file_id, parts).get_json()
    if done.get("status") != "verified":
        rec.add("upload_verify", 0, False, f"not verified: {done}")
        raise Failed("upload_verify")
    page = person.call("submit_page", "GET", f"/entries/{entry_id}/submit", expect=200).text
    token = CSRF_RE.search(page).group(1)
    version = VERSION_RE.search(page).group(1)
    person.call("submit", "POST", f"/entries/{entry_id}/submit", expect=302,
                data={"csrf_token": token, "version": version})
    with rec.lock:
        rec.acknowledged["entries"][entry_id] = (email, hashlib.sha256(data).hexdigest(),
                                                 len(data))


def judge_flow(base: str, rec: Recorder, info: dict, j: int) -> None:
    person = Person(base, rec, 60000 + j)
    email = f"giamkhao{j:02d}@load.vn"
    person.login(email)
    person.call("judge_queue", "GET", f"/judge/{info['slug']}/rounds/{info['round']}",
                expect=200)
    for assignment_id in info["assignments"][email]:
        url = f"/judge/assignments/{assignment_id}"
        page = person.call("sheet_page", "GET", url, expect=200).text
        token = CSRF_RE.search(page).group(1)
        person.call("sheet_submit", "POST", url, expect=302,
                    data={"csrf_token": token, **{f"score-{k}": v for k, v in SCORES.items()},
                          "comment": f"Phiếu của giám khảo {j}", "version": "0",
                          "action": "submit"})
        with rec.lock:
            rec.acknowledged["sheets"].add(assignment_id)


# --- checking what was kept ---------------------------------------------------------------

def count_lost(db_url: str, s3: dict, rec: Recorder, info: dict) -> tuple[int, list[str]]:
    """Everything acknowledged must be in the database and the bucket, whole."""
    import boto3

    from portal.models import Entry, EntryFile, Score, ScoreSheet

    engine = sa.create_engine(db_url)
    client = boto3.client("s3", endpoint_url=s3["S3_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    lost, notes = 0, []
    with engine.connect() as conn:
        entries = {row.id: row for row in conn.execute(
            sa.select(Entry.id, Entry.status, Entry.reference, Entry.genre_id)
            .where(Entry.contest_id == info["contest"], Entry.reference.like("BLV2026-BI-%")))}
        files = defaultdict(list)
        for row in conn.execute(sa.select(EntryFile.entry_id, EntryFile.key, EntryFile.size,
                                          EntryFile.sha256, EntryFile.status)):
            files[row.entry_id].append(row)
        for entry_id, (email, sha, size) in rec.acknowledged["entries"].items():
            row = entries.get(entry_id)
            if row is None or row.status != "submitted" or not row.reference:
                lost += 1
                notes.append(f"entry {entry_id} of {email}: {row}")
                continue
            [f] = files[entry_id] or [None]
            if f is None or (f.status, f.size, f.sha256) != ("verified", size, sha):
                lost += 1
                notes.append(f"file of entry {entry_id}: {f}")
                continue
            digest, stored = hashlib.sha256(), 0
            try:
                body = client.get_object(Bucket=s3["S3_BUCKET"], Key=f.key)["Body"]
                for chunk in body.iter_chunks(1 << 20):
                    digest.update(chunk)
                    stored += len(chunk)
            except Exception as exc:  # noqa: BLE001 - any failure means the object is lost
                notes.append(f"object {f.key}: {exc!r}")
                lost += 1
                continue
            if (stored, digest.hexdigest()) != (size, sha):
                lost += 1
                notes.append(f"object {f.key}: {stored} bytes, sha256 {digest.hexdigest()}")
        references = sorted(r.reference for r in entries.values() if r.status == "submitted")
        if len(set(references)) != len(references):
            notes.append("duplicate references")
            lost += len(references) - len(set(references))
        sheets = {row.assignment_id: row for row in conn.execute(
            sa.select(ScoreSheet.assignment_id, ScoreSheet.status,
                      sa.func.count(Score.id).label("scores"))
            .join(Score, Score.sheet_id == ScoreSheet.id, isouter=True)
            .group_by(ScoreSheet.assignment_id, ScoreSheet.status))}
        for assignment_id in rec.acknowledged["sheets"]:
            row = sheets.get(assignment_id)
            if row is None or (row.status, row.scores) != ("submitted", 5):
                lost += 1
                notes.append(f"sheet of assignment {assignment_id}: {row}")
        totals = (f"entries submitted with a BI reference: "
                  f"{sum(r.status == 'submitted' for r in entries.values())}"
                  f"/{N_ENTRANTS}; sheets submitted: "
                  f"{sum(r.status == 'submitted' for r in sheets.values())}"
                  f"/{N_JUDGES * SHEETS_PER_JUDGE}")
    engine.dispose()
    return lost, [totals, *notes]


# --- the run ------------------------------------------------------------------------------

def cpu_seconds(session_ids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) used so far by every process of each session (process
    group leader pid), by this process, by PostgreSQL's backends, and by the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    out = defaultdict(float)
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fields = (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
            name = (pid_dir / "comm").read_text().strip()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        session = int(fields[3])
        for label, sid in session_ids.items():
            if session == sid:
                out[label] += used
        if name.startswith("postgres"):
            out["postgresql"] += used
    out["load tool"] = sum(os.times()[:2])
    with open("/proc/stat") as stat:
        cpu = [int(x) for x in stat.readline().split()[1:]]
    out["machine (all)"] = (sum(cpu) - cpu[3] - cpu[4]) / tick
    return dict(out)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def run_load(base: str, info: dict, rec: Recorder) -> float:
    template = pdf_template()
    people = [("entrant", n) for n in range(N_ENTRANTS)] + [("judge", j)
                                                          for j in range(N_JUDGES)]
    random.Random(2026).shuffle(people)
    step = ARRIVAL / max(1, len(people) - 1)
    t0 = time.monotonic()
    unfinished = []

    def one(index: int, kind: str, n: int) -> None:
        delay = t0 + index * step - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() - t0 > HARD_STOP:
            unfinished.append((kind, n))
            return
        try:
            if kind == "entrant":
                entrant_flow(base, rec, info, n, pdf_for(template, n))
            else:
                judge_flow(base, rec, info, n)
        except Failed:
            unfinished.append((kind, n))
        except Exception as exc:  # noqa: BLE001 - a bench bug must not hang the run
            rec.add("driver", 0, False, repr(exc))
            unfinished.append((kind, n))

    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        for index, (kind, n) in enumerate(people):
            pool.submit(one, index, kind, n)
    elapsed = time.monotonic() - t0
    if unfinished:
        rec.messages.append(f"{len(unfinished)} people did not finish: {unfinished[:10]}")
    return elapsed


def report(rec: Recorder, elapsed: float, lost: int, notes: list[str]) -> None:
    order = ["login_page", "login", "entry_new_page", "entry_create", "entry_edit_page",
             "upload_start", "upload_sign", "upload_verify", "submit_page", "submit",
             "judge_queue", "sheet_page", "sheet_submit", "driver", "s3_put", "s3_complete"]
    print(f"\n{'request':<18} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8}")
    for kind in order + sorted(set(rec.samples) - set(order)):
        values = rec.samples.get(kind, [])
        if not values and not rec.errors.get(kind):
            continue
        label = kind + (" (moto)" if kind.startswith("s3_") else "")
        print(f"{label:<18} {len(values):>6} {rec.errors.get(kind, 0):>6} "
              f"{percentile(values, 50):>8.0f} {percentile(values, 95):>8.0f} "
              f"{percentile(values, 99):>8.0f} {max(values, default=0):>8.0f}")
    portal = [v for k, vs in rec.samples.items()
              if not k.startswith("s3_") and k != "driver" for v in vs]
    errors = sum(e for k, e in rec.errors.items() if not k.startswith("s3_"))
    print(f"\nload: {N_ENTRANTS} entrants + {N_JUDGES} judges arriving over {ARRIVAL:.0f} s, "
          f"finished in {elapsed:.0f} s; load tool: 1 process, {LOAD_THREADS} threads; "
          f"{os.cpu_count()} CPU cores")
    for note in notes[:1] + rec.messages[:20] + notes[1:20]:
        print("  " + note)
    print(f"requests={len(portal)} errors={errors} p50_ms={percentile(portal, 50):.0f} "
          f"p95_ms={percentile(portal, 95):.0f} p99_ms={percentile(portal, 99):.0f} "
          f"lost={lost}")


def main() -> None:
    import redis

    cache = redis.Redis.from_url(REDIS_URL)
    cache.flushdb()
    try:
        with throwaway_database("bench_load") as db_url:
            run(db_url)
    finally:
        cache.flushdb()


def run(db_url: str) -> None:
    procs: list[subprocess.Popen] = []
    logs = tempfile.TemporaryDirectory(prefix="bench-load-")
    try:
        moto_port, port = free_port(), free_port()
        moto_url = f"http://127.0.0.1:{moto_port}"
        base = f"http://127.0.0.1:{port}"
        venv = Path(sys.executable).parent
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        procs.append(subprocess.Popen(
            [str(venv / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
        wait_http(moto_url, procs[-1], "moto")
        s3 = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "load", "S3_ENDPOINT_URL": moto_url,
              "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}
        t0 = time.perf_counter()
        info = seed(db_url, s3, base)
        print(f"seeded {N_ENTRANTS} entrants, {N_JUDGES} judges, "
              f"{sum(map(len, info['assignments'].values()))} assignments "
              f"in {time.perf_counter() - t0:.1f} s")
        server_env = {**env, "DATABASE_URL": db_url, "SECRET_KEY": "bench-load-secret",
                      "PORTAL_ENV": "development", "RATELIMIT_ENABLED": "1",
                      "RATELIMIT_STORAGE_URI": REDIS_URL, "PROXY_FIX": "1",
                      "UPLOAD_PART_SIZE": str(PART), **s3}
        error_log = Path(logs.name) / "gunicorn.log"
        procs.append(subprocess.Popen(
            [str(venv / "gunicorn"), "-w", "4", "--worker-class", "gthread", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
             "--error-logfile", str(error_log), "wsgi:app"],
            cwd=ROOT, env=server_env, start_new_session=True,
            # Without MAIL_SERVER the receipts are "sent" to the log: keep them out of the table.
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(base + "/static/css/portal.css", procs[-1], "gunicorn")
        rec = Recorder()
        sessions = {"gunicorn": procs[1].pid, "moto": procs[0].pid}
        cpu_before = cpu_seconds(sessions)
        elapsed = run_load(base, info, rec)
        cpu_after = cpu_seconds(sessions)
        lost, notes = count_lost(db_url, s3, rec, info)
        print("\nCPU seconds used during the load (2 cores = 2 CPU-seconds per second):")
        for label in ("gunicorn", "moto", "load tool", "postgresql", "machine (all)"):
            print(f"  {label:<14} {cpu_after.get(label, 0) - cpu_before.get(label, 0):7.1f}")
        report(rec, elapsed, lost, notes)
        tail = error_log.read_text(errors="replace").strip().splitlines()[-5:]
        if tail:
            print("gunicorn log (last lines):\n  " + "\n  ".join(tail))
    finally:
        for proc in reversed(procs):
            stop(proc)
        logs.cleanup()


if __name__ == "__main__":
    main()
