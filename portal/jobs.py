"""Background jobs: enqueued by name on RQ (Redis), or run in-process without Redis.

A job is a function registered with `@job("area.name")` that takes keyword arguments of
plain values (ids, not rows), runs in its own app context and commits its own work. Jobs
must be idempotent: RQ retries a failed or killed job (`Retry` with back-off), so a job
may run again after doing part of its work.

Where a job runs:
- `REDIS_URL` set and `JOBS_INLINE` off: on the "portal" RQ queue, run by `flask jobs
  worker` processes (docs/deploy.md). If Redis cannot be reached when a job is enqueued,
  the job runs in-process instead (and is logged), so nothing waits on a dead queue.
- otherwise (the default for `make run`): in-process and synchronously, right after the
  commit that enqueued it. A failure is logged and not retried here; work that must not be
  lost (mail) is also a row that `flask jobs tick` hands to a job again.

`enqueue_after_commit` is what services and views use: the job is enqueued only when the
current transaction commits, and forgotten when it rolls back, so a job never sees a row
that does not exist yet, and a rolled-back change enqueues nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from portal.extensions import db

logger = logging.getLogger("portal.jobs")

QUEUE_NAME = "portal"
PENDING_KEY = "portal.jobs.after_commit"
DEFAULT_RETRY_INTERVALS = (10, 30, 60, 120, 300, 600, 900, 1800)

JOBS: dict[str, Callable[..., Any]] = {}
# What `flask jobs tick` runs (every 10 minutes from cron): name -> fn(now) -> a count.
PERIODIC: dict[str, Callable[..., int]] = {}


def job(name: str):
    """Register a job function under `name` (the name, not the function, is enqueued)."""

    def register(fn):
        if name in JOBS and JOBS[name] is not fn:
            raise RuntimeError(f"job {name!r} is registered twice")
        JOBS[name] = fn
        return fn

    return register


def periodic(name: str):
    """Register `fn(*, now) -> int` to run at each `flask jobs tick`; it enqueues jobs or
    queues mail (never sends itself) and returns how many. The tick commits after it."""

    def register(fn):
        PERIODIC[name] = fn
        return fn

    return register


@dataclass
class Pending:
    name: str
    kwargs: dict
    contest_id: int | None = None
    job_id: str | None = None
    timeout: int | None = None
    extra: dict = field(default_factory=dict)


def init_app(app: Flask) -> None:
    app.extensions["portal.jobs"] = Jobs(app)


def runner(app: Flask | None = None) -> Jobs:
    app = app or current_app._get_current_object()
    return app.extensions["portal.jobs"]


def enqueue_after_commit(name: str, *, contest_id: int | None = None,
                         job_id: str | None = None, timeout: int | None = None,
                         **kwargs) -> None:
    """Enqueue `name(**kwargs)` when the current transaction commits; never on rollback."""
    if name not in JOBS:
        raise KeyError(f"no job named {name!r}")
    db.session.info.setdefault(PENDING_KEY, []).append(
        Pending(name=name, kwargs=kwargs, contest_id=contest_id, job_id=job_id,
                timeout=timeout))


def enqueue(name: str, *, contest_id: int | None = None, job_id: str | None = None,
            timeout: int | None = None, **kwargs) -> str | None:
    """Enqueue now (the caller has committed what the job reads). Returns the RQ job id,
    or None when the job ran in-process."""
    if name not in JOBS:
        raise KeyError(f"no job named {name!r}")
    return runner().submit(Pending(name=name, kwargs=kwargs, contest_id=contest_id,
                                   job_id=job_id, timeout=timeout))


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not has_app_context():
        return
    jobs = runner()
    for item in pending:
        try:
            jobs.submit(item)
        except Exception:  # a commit must not fail because a job could not start
            logger.exception("Could not start job %s", item.name)


@sa.event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    session.info.pop(PENDING_KEY, None)


class Jobs:
    """The app's way of running jobs: an RQ queue on Redis, or in-process."""

    def __init__(self, app: Flask):
        self.app = app
        self.redis_url = app.config.get("REDIS_URL")
        self.inline_only = bool(app.config.get("JOBS_INLINE")) or not self.redis_url
        intervals = app.config.get("JOBS_RETRY_INTERVALS")
        if intervals is None:
            intervals = DEFAULT_RETRY_INTERVALS
        self.retry_intervals = [int(i) for i in intervals]
        self._connection = None
        if not self.inline_only:
            import rq  # noqa: F401  (at start-up, not in the first request that enqueues)

    # --- the queue -------------------------------------------------------------------------

    @property
    def connection(self):
        if self._connection is None:
            from redis import Redis

            self._connection = Redis.from_url(self.redis_url, socket_connect_timeout=2,
                                              socket_timeout=10)
        return self._connection

    def queue(self):
        from rq import Queue

        return Queue(QUEUE_NAME, connection=self.connection,
                     default_timeout=int(self.app.config.get("JOBS_TIMEOUT", 600)))

    def submit(self, item: Pending) -> str | None:
        if self.inline_only:
            self.run_inline(item)
            return None
        from redis.exceptions import RedisError
        from rq import Retry

        try:
            rq_job = self.queue().enqueue(
                perform, item.name, item.kwargs,
                job_id=item.job_id, job_timeout=item.timeout,
                retry=(Retry(max=len(self.retry_intervals), interval=self.retry_intervals)
                       if self.retry_intervals else None),
                meta={"name": item.name, "contest_id": item.contest_id},
                description=item.name, failure_ttl=14 * 86400, result_ttl=3600,
            )
        except RedisError:
            logger.warning("Redis is unreachable; running job %s in-process", item.name)
            self.run_inline(item)
            return None
        return rq_job.id

    def run_inline(self, item: Pending) -> None:
        """Run now, in a fresh app context (its own database session); log a failure."""
        try:
            _run(self.app, item.name, item.kwargs)
        except Exception:
            logger.exception("Job %s failed in-process (%s)", item.name, item.kwargs)

    def worker(self, *, burst: bool = False) -> bool:
        """Run one RQ worker on the queue until stopped (or, with burst, until it is empty)."""
        from rq import Worker

        w = Worker([self.queue()], connection=self.connection,
                   name=f"{socket.gethostname()}.{os.getpid()}")
        return w.work(burst=burst, with_scheduler=True, logging_level="INFO")

    def is_active(self, job_id: str) -> bool:
        """Whether a job with this id is waiting, running or scheduled for a retry."""
        if self.inline_only:
            return False
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            status = Job.fetch(job_id, connection=self.connection).get_status()
        except NoSuchJobError:
            return False
        return status in {"queued", "started", "scheduled", "deferred"}

    # --- health ----------------------------------------------------------------------------

    def health(self, *, contest_id: int | None, everything: bool, limit: int = 50) -> dict:
        """Counts for the whole queue, and the failed jobs of one edition (or all of them
        for an administrator): id, name, when, and the last line of the error."""
        if self.inline_only:
            return {"mode": "inline"}
        from redis.exceptions import RedisError
        from rq.job import Job
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
        from rq.worker import Worker

        try:
            q = self.queue()
            failed_registry = FailedJobRegistry(queue=q)
            counts = {
                "waiting": q.count,
                "running": StartedJobRegistry(queue=q).count,
                "retrying": ScheduledJobRegistry(queue=q).count,
                "failed": failed_registry.count,
                "workers": Worker.count(queue=q),
            }
            failed = []
            ids = failed_registry.get_job_ids(0, -1)
            for rq_job in Job.fetch_many(ids, connection=self.connection):
                if rq_job is None:
                    continue
                meta = rq_job.meta or {}
                if not everything and meta.get("contest_id") != contest_id:
                    continue
                ended = rq_job.ended_at
                if ended is not None and ended.tzinfo is None:
                    ended = ended.replace(tzinfo=UTC)
                failed.append({"id": rq_job.id, "name": meta.get("name", ""),
                               "ended_at": ended,
                               "reason": _last_line(_exc_string(rq_job))})
            failed.sort(key=lambda f: f["ended_at"] or datetime.min.replace(tzinfo=UTC),
                        reverse=True)
        except RedisError as exc:
            return {"mode": "down", "error": str(exc)}
        return {"mode": "queue", **counts, "failed_jobs": failed[:limit]}

    def failed_job_contest(self, job_id: str) -> tuple[bool, int | None]:
        """(exists among the failed jobs, its edition id)."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        from rq.registry import FailedJobRegistry

        if self.inline_only:
            return False, None
        if job_id not in FailedJobRegistry(queue=self.queue()).get_job_ids(0, -1):
            return False, None
        try:
            rq_job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return False, None
        return True, (rq_job.meta or {}).get("contest_id")

    def requeue_failed(self, job_id: str) -> None:
        """Put a failed job back on the queue, with its retries renewed."""
        from rq.job import Job
        from rq.registry import FailedJobRegistry

        rq_job = Job.fetch(job_id, connection=self.connection)
        rq_job.retries_left = len(self.retry_intervals)
        rq_job.save()
        FailedJobRegistry(queue=self.queue()).requeue(job_id)


def _exc_string(rq_job) -> str:
    result = rq_job.latest_result()
    return (result.exc_string or "") if result is not None else ""


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


_worker_app: Flask | None = None


def _app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        # Here, not at the top: a worker process builds the app the first time a job runs;
        # the areas import this module, so a top-level import of the factory is a cycle.
        from portal import create_app

        _worker_app = create_app()
    return _worker_app


_IMPORT_PID = os.getpid()


def perform(name: str, kwargs: dict) -> Any:
    """RQ's entry point (runs in the worker's forked work horse)."""
    app = _app()
    if os.getpid() != _IMPORT_PID:
        with app.app_context():
            # A forked work horse: connections pooled by the parent are not ours to use.
            db.engine.dispose(close=False)
    return _run(app, name, kwargs)


def _run(app: Flask, name: str, kwargs: dict) -> Any:
    fn = JOBS.get(name)
    if fn is None:
        raise KeyError(f"no job named {name!r}")
    with app.app_context():
        try:
            return fn(**kwargs)
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def worker_identity() -> str:
    """host:pid of the process running a job (kept on what it claims, for the organizer)."""
    return f"{socket.gethostname()}:{os.getpid()}"
