"""Real Redis (a dedicated db, flushed) and `flask jobs worker` subprocesses for job tests.

Redis on this machine is shared: tests use db 13 only (TEST_JOBS_REDIS_URL to change it) and
never flush any other. Without Redis the tests skip, or fail under REQUIRE_REDIS=1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.databases import require
from tests.support.workers import worker_index

# One Redis database per xdist worker (13, 12, …), apart from the rate-limit tests' 15, 14.
REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL",
                           f"redis://127.0.0.1:6379/{13 - worker_index() % 8}")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url():
    """REDIS_URL of an empty dedicated Redis db, flushed again after the test."""
    from redis import Redis
    from redis.exceptions import RedisError

    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        conn.ping()
    except RedisError as exc:
        message = f"Redis not available at {REDIS_URL}: {type(exc).__name__}"
        if require("REQUIRE_REDIS"):
            pytest.fail(message + " (REQUIRE_REDIS=1)")
        pytest.skip(message)
    conn.flushdb()
    try:
        yield REDIS_URL
    finally:
        conn.flushdb()
        conn.close()


class WorkerProcess:
    """One `flask jobs worker` on the app's database, Redis and mail settings."""

    def __init__(self, app, tmp_path: Path):
        config = app.config
        self.env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": config["REDIS_URL"],
            "SECRET_KEY": config["SECRET_KEY"],
            "SERVER_NAME": "localhost",
            "STORAGE_LOCAL_ROOT": config["STORAGE_LOCAL_ROOT"],
            "RATELIMIT_ENABLED": "0",
            "MAIL_SERVER": config.get("MAIL_SERVER") or "",
            "MAIL_PORT": str(config.get("MAIL_PORT") or 25),
            "MAIL_CLAIM_LEASE": str(config.get("MAIL_CLAIM_LEASE", 120)),
            "JOBS_RETRY_INTERVALS": ",".join(str(i) for i in config["JOBS_RETRY_INTERVALS"]),
        }
        self.log = tmp_path / f"worker-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, app) -> WorkerProcess:
        from rq import Worker

        from portal import jobs

        flask = str(Path(sys.executable).with_name("flask"))
        self.proc = subprocess.Popen([flask, "jobs", "worker"], cwd=ROOT, env=self.env,
                                     stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        runner = jobs.runner(app)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("worker exited:\n" + self.log.read_text())
            if Worker.count(queue=runner.queue()) > 0:
                return self
            time.sleep(0.1)
        raise AssertionError("worker did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def start_worker(app, tmp_path):
    """start_worker() -> a running WorkerProcess, stopped after the test."""
    started = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(app, tmp_path).start(app)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
