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


def build_message(*, sender: str, to: list[str], subject: str, body_text: str) -> EmailMessage:
    """A UTF-8 plain-text message (RFC 2047 subject, QP/base64 body as the text needs)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content(body_text, charset="utf-8")
    return msg


def send_mail(to: str | Iterable[str], subject: str, body_text: str, *,
              app: Flask | None = None) -> bool:
    """Send one plain-text message; True when the SMTP server accepted it.

    Never raises for a delivery problem: a failure is logged on "portal.mail" and
    the caller's request goes on (a password-reset page must look the same either
    way). Without MAIL_SERVER the whole message is logged at INFO instead.
    """
    app = app or current_app._get_current_object()
    config = app.config
    recipients = [to] if isinstance(to, str) else list(to)
    msg = build_message(sender=config["MAIL_SENDER"], to=recipients, subject=subject,
                        body_text=body_text)
    server = config.get("MAIL_SERVER")
    if not server:
        logger.info(
            "MAIL_SERVER is not set; message not sent:\nFrom: %s\nTo: %s\nSubject: %s\n\n%s",
            msg["From"], msg["To"], subject, body_text,
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
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send the message %r to %s via %s", subject,
                         msg["To"], server)
        return False
    return True
