"""Plain-text email over SMTP; without MAIL_SERVER the message is logged instead of sent."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import Flask, current_app

logger = logging.getLogger("portal.mail")


def sender_domain(sender: str) -> str | None:
    return parseaddr(sender)[1].rpartition("@")[2] or None


def build_message(*, sender: str, to: list[str], subject: str, body_text: str,
                  message_id: str | None = None) -> EmailMessage:
    """A UTF-8 plain-text message (RFC 2047 subject, QP/base64 body as the text needs)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain=sender_domain(sender))
    msg.set_content(body_text, charset="utf-8")
    return msg


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message."""


def send_mail(to: str | Iterable[str], subject: str, body_text: str, *,
              app: Flask | None = None) -> bool:
    """Send one plain-text message; True when the SMTP server accepted it.

    Never raises for a delivery problem: a failure is logged on "portal.mail" and
    the caller's request goes on (a password-reset page must look the same either
    way). Without MAIL_SERVER the whole message is logged at INFO instead.
    The portal's own mail goes through portal.outbox, which retries; this is for
    one-off messages only.
    """
    app = app or current_app._get_current_object()
    recipients = [to] if isinstance(to, str) else list(to)
    msg = build_message(sender=app.config["MAIL_SENDER"], to=recipients, subject=subject,
                        body_text=body_text)
    try:
        return deliver(msg, app.config)
    except MailNotSent:
        logger.exception("Could not send the message %r to %s via %s", subject,
                         msg["To"], app.config.get("MAIL_SERVER"))
        return False


def deliver(msg: EmailMessage, config) -> bool:
    """Hand one message to the SMTP server: True when it accepted it, False when no
    MAIL_SERVER is set (the message is logged at INFO instead). Raises MailNotSent."""
    server = config.get("MAIL_SERVER")
    if not server:
        logger.info(
            "MAIL_SERVER is not set; message not sent:\nFrom: %s\nTo: %s\nSubject: %s\n\n%s",
            msg["From"], msg["To"], msg["Subject"], msg.get_content(),
        )
        return False
    try:
        with smtplib.SMTP(server, int(config["MAIL_PORT"]),
                          timeout=float(config["MAIL_TIMEOUT"])) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc
    return True
