"""Mail that is never lost: a row in the outbox, written with the change, sent by a job.

`send_mail(...)` adds an `OutboxMail` row to the current transaction and enqueues the
"mail.send" job for when it commits. The job claims the row with one conditional UPDATE
(unsent, and unclaimed or its claim's lease expired), hands it to SMTP, then marks it
sent. While SMTP is down the job fails and RQ retries it with back-off; after the
retries, `flask jobs tick` (every 10 minutes) enqueues every unsent row again.

Delivery is at-least-once, never lost, with one narrow window of duplication: if the
worker dies after the SMTP server accepted the message but before `sent_at` is committed
(milliseconds), the claim's lease (MAIL_CLAIM_LEASE seconds) runs out and the message is
sent again, with the same Message-ID so mail clients can fold the two. Dying at any other
point (before or during the SMTP conversation) sends it exactly once. We chose this over
at-most-once because a lost receipt on deadline night is worse than a repeated one.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal import jobs
from portal.extensions import db
from portal.mail import MailNotSent, build_message, deliver, sender_domain
from portal.models import OutboxMail
from portal.models.types import utcnow

logger = logging.getLogger("portal.mail")

# Kinds whose body holds a secret link: the body is blanked once the message is sent.
SECRET_KINDS = frozenset({"password_reset", "confirm_email"})
KINDS = ("receipt", "ruling", "judge_reminder", "draft_reminder", "password_reset",
         "confirm_email", "register_existing")


class MailBusy(Exception):
    """Another worker holds this message's claim; the job is retried after it lapses."""


def send_mail(to: str, subject: str, body: str, *, kind: str, contest_id: int | None = None,
              user_id: int | None = None, dedupe_key: str | None = None,
              now: datetime | None = None) -> OutboxMail:
    """Queue one message in the current transaction (sent after it commits). Flushes."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    domain = sender_domain(current_app.config["MAIL_SENDER"]) or "localhost"
    mail = OutboxMail(kind=kind, contest_id=contest_id, user_id=user_id, to_address=to,
                      subject=str(subject)[:300], body=str(body), dedupe_key=dedupe_key,
                      message_id=f"<outbox.{secrets.token_hex(12)}@{domain}>",
                      created_at=now or utcnow())
    db.session.add(mail)
    db.session.flush()
    jobs.enqueue_after_commit("mail.send", contest_id=contest_id, job_id=_job_id(mail.id),
                              mail_id=mail.id)
    return mail


def _job_id(mail_id: int) -> str:
    return f"mail-{mail_id}"


@jobs.job("mail.send")
def send_job(*, mail_id: int) -> str:
    """Send one outbox row once. Returns what happened (for RQ's result)."""
    config = current_app.config
    lease = timedelta(seconds=int(config.get("MAIL_CLAIM_LEASE", 120)))
    now = utcnow()
    claimed = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
               sa.or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < now - lease))
        .values(claimed_at=now, claimed_by=jobs.worker_identity(),
                attempts=OutboxMail.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        mail = db.session.get(OutboxMail, mail_id)
        if mail is None or mail.sent_at is not None:
            return "already sent" if mail else "gone"
        raise MailBusy(f"mail {mail_id} is being sent by {mail.claimed_by}")
    mail = db.session.get(OutboxMail, mail_id)
    msg = build_message(sender=config["MAIL_SENDER"], to=[mail.to_address],
                        subject=mail.subject, body_text=mail.body,
                        message_id=mail.message_id)
    try:
        via = "smtp" if deliver(msg, config) else "log"
    except MailNotSent as exc:
        logger.error("Could not send the message %r (outbox %s) to %s: %s; it will be sent "
                     "again", mail.subject, mail_id, mail.to_address, exc)
        db.session.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id)
                           .values(claimed_at=None, last_error=str(exc)[:2000]))
        db.session.commit()
        raise
    values = {"sent_at": utcnow(), "sent_via": via, "last_error": ""}
    if mail.kind in SECRET_KINDS:
        values["body"] = ""
    db.session.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))
    db.session.commit()
    return via


def resend_unsent(*, now: datetime, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Enqueue "mail.send" for each unsent row created before now - older_than whose job is
    not waiting, running or retrying. Returns how many were enqueued. Commits nothing."""
    ids = db.session.scalars(
        sa.select(OutboxMail.id).where(OutboxMail.sent_at.is_(None),
                                       OutboxMail.created_at < now - older_than)
        .order_by(OutboxMail.id)
    ).all()
    runner = jobs.runner()
    n = 0
    for mail_id in ids:
        if runner.is_active(_job_id(mail_id)):
            continue
        contest_id = db.session.scalar(sa.select(OutboxMail.contest_id)
                                       .where(OutboxMail.id == mail_id))
        jobs.enqueue("mail.send", contest_id=contest_id, job_id=_job_id(mail_id),
                     mail_id=mail_id)
        n += 1
    return n


def recent(*, contest_id: int | None, page: int, per_page: int) -> tuple[list, int]:
    """One edition's messages, newest first (all messages when contest_id is None):
    (rows, total)."""
    query = sa.select(OutboxMail)
    count = sa.select(sa.func.count(OutboxMail.id))
    if contest_id is not None:
        query = query.where(OutboxMail.contest_id == contest_id)
        count = count.where(OutboxMail.contest_id == contest_id)
    rows = db.session.scalars(query.order_by(OutboxMail.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, db.session.scalar(count)



@jobs.periodic("mail.resend_unsent")
def _tick_resend(*, now: datetime) -> int:
    return resend_unsent(now=now)
