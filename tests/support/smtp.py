"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives.

Use it in a test module with the app pointed at it:

    from tests.support.smtp import smtp_server  # noqa: F401  (fixture)

    @pytest.fixture
    def app_config(smtp_server):
        return smtp_server.app_config()
"""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One delivered message, parsed: headers decoded, the plain-text body as str."""

    mail_from: str
    rcpt_tos: list[str]
    subject: str
    body: str
    message: EmailMessage


@dataclass
class SMTPServer:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app_config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                "MAIL_USERNAME": None, "MAIL_TIMEOUT": 5}

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The messages once at least `count` have arrived (delivery is on another thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")

    def add(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        body_part = message.get_body(preferencelist=("plain",))
        self.server.add(Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            subject=str(message["Subject"]),
            # SMTP carries CRLF line ends; give tests the text as it was written.
            body=(body_part.get_content().replace("\r\n", "\n")
                  if body_part is not None else ""),
            message=message,
        ))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A started aiosmtpd server on 127.0.0.1 and a free port; stopped after the test."""
    server = SMTPServer(host="127.0.0.1", port=free_port())
    controller = Controller(_Handler(server), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


class _StallingHandler(_Handler):
    """Like _Handler, but holds every RCPT while the server is stalled (a slow relay)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        import asyncio

        while self.server.stalled.is_set():
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@dataclass
class ControlledSMTP(SMTPServer):
    """An SMTP server on a fixed port that a test stops, starts again and stalls."""

    stalled: threading.Event = field(default_factory=threading.Event)
    controller: Controller | None = None

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(_StallingHandler(self), hostname=self.host,
                                         port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def controlled_smtp():
    """A ControlledSMTP on a free port, NOT started: the test starts it when it wants."""
    server = ControlledSMTP(host="127.0.0.1", port=free_port())
    try:
        yield server
    finally:
        server.stalled.clear()
        server.stop()
