"""Upload throughput through the portal's protocol, app under gunicorn (not a test).

S3 (moto on 127.0.0.1): the one protocol (tests/support/uploader.py): start (the portal
opens the upload), sign each part over HTTP and PUT it to its presigned URL, sign and
send the completion, verify — against boto3's upload_file of the same file to the same
server; and the
bytes the portal process received (a counting WSGI middleware, see ``counting_app``).
Local storage: the same protocol with parts PUT to the app; throughput against ``cp`` on
the same disk, and the gunicorn worker's peak RSS (VmHWM) for 100 MiB and 1 GiB.

    .venv/bin/python bench/upload.py [--size-mib 1024]

Last line: s3_ratio=<x> local_ratio=<y> local_peak_rss_mib_100m=<a> local_peak_rss_mib_1g=<b>
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import free_port, wait_http  # noqa: E402

MiB = 1024 * 1024
PASSWORD = "secret-pass-1"


def counting_app():
    """gunicorn factory: the portal wrapped in a middleware that adds every request body's
    length to BENCH_COUNT_FILE (one worker, so a plain file is enough)."""
    from portal import create_app

    app = create_app()
    inner = app.wsgi_app
    path = os.environ["BENCH_COUNT_FILE"]

    def wsgi(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            with open(path, "a") as fh:
                fh.write(f"{length}\n")
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    return app


def make_media(path: Path, size: int) -> None:
    """A valid MP4 (faststart, so ffprobe reads the moov at the front) padded to ``size``
    bytes with an MP4 'free' box, which players and ffprobe skip."""
    small = path.with_suffix(".small.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", "testsrc=duration=2:size=320x240:rate=25",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(small)],
        check=True,
    )
    head = small.read_bytes()
    small.unlink()
    pad = size - len(head)
    with open(path, "wb") as out:
        out.write(head)
        # a 64-bit 'free' box: size 1, type, largesize, then the payload
        out.write(struct.pack(">I4sQ", 1, b"free", pad))
        block = os.urandom(MiB)
        left = pad - 16
        while left > 0:
            n = min(left, MiB)
            out.write(block[:n])
            left -= n


def seed(env: dict) -> tuple[int, int]:
    """Schema, an open edition and an entrant with a draft TV entry; (entry id, slot id)."""
    code = (
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from tests.support.factories import make_contest, make_user, make_entry, genre\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "    c = make_contest(slug='bench')\n"
        "    u = make_user('bench@example.vn')\n"
        "    e = make_entry(c, u, genre_code='TH')\n"
        "    s = next(s for s in genre(c, 'TH').slots if s.kind == 'work')\n"
        "    s.max_size = 8 * 1024 ** 3\n"
        "    db.session.commit()\n"
        "    print(e.id, s.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[-2]), int(out[-1])


class Gunicorn:
    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
             "--worker-class", "gthread", "--timeout", "600", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "bench.upload:counting_app()"],
            env=env, cwd=ROOT,
        )
        try:
            wait_http(self.url + "/", self.proc, "gunicorn")
        except SystemExit:
            self.stop()
            raise

    def worker_peak_rss_mib(self) -> float:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        status = Path(f"/proc/{children[0]}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def login(url: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(url + "/auth/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    session.post(url + "/auth/login", data={"csrf_token": token, "email": "bench@example.vn",
                                            "password": PASSWORD}, allow_redirects=True,
                 timeout=60)
    page = session.get(url + "/", timeout=60).text  # logging in starts a new session
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return session, token


def portal_upload(url: str, entry_id: int, slot_id: int, path: Path, *, remote: bool,
                  workers: int = 4) -> tuple[float, float]:
    """The browser's one protocol (tests/support/uploader.py, what uploader.js and Uppy's
    AwsS3 plugin send) against the served portal; returns (total seconds, seconds of the
    completion: CompleteMultipartUpload in storage, then the portal's verification)."""
    from tests.support.uploader import RemotePortal, Uploader, over_http

    session, _token = login(url)
    up = Uploader(RemotePortal(session, url), entry_id, http=over_http if remote else None)
    size = path.stat().st_size
    begin = time.perf_counter()
    started = up.start(slot_id, path.name, size, part=1, type_="video/mp4")
    assert started.status_code == 201, started.get_json()
    file_id = started.get_json()["file_id"]
    parts = up.send_file_parts(file_id, path, workers=workers)
    completing = time.perf_counter()
    done = up.complete(file_id, parts)
    end = time.perf_counter()
    assert done.status_code == 200, done.get_json()
    return end - begin, end - completing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--s3", choices=("localstack", "moto"), default="localstack",
                        help="the S3 server: LocalStack checks signatures like real S3 "
                             "(`make localstack`); moto checks none")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        run(work, args.size_mib, args.s3)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _env(work: Path, name: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        SECRET_KEY="bench", DATABASE_URL=f"sqlite:///{work / name}.sqlite",
        RATELIMIT_ENABLED="0", STORAGE_LOCAL_ROOT=str(work / f"{name}-uploads"),
        BENCH_COUNT_FILE=str(work / f"{name}.count"), PYTHONPATH=str(ROOT),
        UPLOAD_PART_SIZE=str(16 * MiB), **extra,
    )
    return env


def _received(env: dict) -> int:
    path = Path(env["BENCH_COUNT_FILE"])
    return sum(int(x) for x in path.read_text().split()) if path.exists() else 0


def run(work: Path, size_mib: int, s3: str) -> None:
    import logging

    from tests.support.s3 import localstack_server, moto_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log

    big = work / "big.mp4"
    make_media(big, size_mib * MiB)
    small = work / "small.mp4"
    make_media(small, 100 * MiB)
    rows = []

    # --- S3 through LocalStack (or moto) ------------------------------------------------
    server_cm = (localstack_server(str(work)) if s3 == "localstack" else moto_server())
    key = "test" if s3 == "localstack" else "testing"
    with server_cm as endpoint:
        import boto3

        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        env = _env(work, "s3", STORAGE_BACKEND="s3", S3_BUCKET=bucket, S3_ENDPOINT_URL=endpoint,
                   S3_ACCESS_KEY_ID=key, S3_SECRET_ACCESS_KEY=key)
        entry_id, slot_id = seed(env)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "storage", "init",
                        "--origin", "http://127.0.0.1"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        server = Gunicorn(env)
        try:
            s3_portal, s3_complete = portal_upload(server.url, entry_id, slot_id, big,
                                                   remote=True)
        finally:
            server.stop()
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id=key, aws_secret_access_key=key)
        begin = time.perf_counter()
        client.upload_file(str(big), bucket, "boto3-copy")
        s3_boto = time.perf_counter() - begin
        s3_received = _received(env)
    size = big.stat().st_size
    rows.append((f"S3 ({s3}) portal protocol", size, s3_portal, s3_complete, s3_received))
    rows.append((f"S3 ({s3}) boto3 upload_file", size, s3_boto, None, None))

    # --- local storage ------------------------------------------------------------------
    local = {}
    for label, path in (("100m", small), ("1g", big)):
        env = _env(work, f"local-{label}")
        entry_id, slot_id = seed(env)
        server = Gunicorn(env)
        try:
            seconds, completion = portal_upload(server.url, entry_id, slot_id, path,
                                                remote=False)
            rss = server.worker_peak_rss_mib()
        finally:
            server.stop()
        local[label] = (seconds, rss, completion)
        rows.append((f"local portal {label}", path.stat().st_size, seconds, completion,
                     _received(env)))
    begin = time.perf_counter()
    shutil.copyfile(big, work / "cp-copy")
    os.sync()
    cp_seconds = time.perf_counter() - begin
    rows.append(("local cp", size, cp_seconds, None, None))

    print(f"{'run':<24}{'bytes':>14}{'seconds':>10}{'of which complete':>19}{'MiB/s':>10}"
          f"{'app received':>16}")
    for name, nbytes, seconds, completion, received in rows:
        shown = "-" if received is None else f"{received:,}"
        done = "-" if completion is None else f"{completion:.2f}"
        print(f"{name:<24}{nbytes:>14,}{seconds:>10.2f}{done:>19}{nbytes / MiB / seconds:>10.1f}"
              f"{shown:>16}")
    print(f"transfer only (without the completion call): S3 ratio "
          f"{s3_boto / (s3_portal - s3_complete):.2f}, local ratio "
          f"{cp_seconds / (local['1g'][0] - local['1g'][2]):.2f}")
    print(f"local worker peak RSS: 100 MiB upload {local['100m'][1]:.1f} MiB, "
          f"{size_mib} MiB upload {local['1g'][1]:.1f} MiB")
    s3_ratio = s3_boto / s3_portal
    local_ratio = cp_seconds / local["1g"][0]
    print(f"s3_ratio={s3_ratio:.2f} local_ratio={local_ratio:.2f} "
          f"local_peak_rss_mib_100m={local['100m'][1]:.1f} "
          f"local_peak_rss_mib_1g={local['1g'][1]:.1f}")


if __name__ == "__main__":
    main()
