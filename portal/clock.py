"""The server's notion of now, in UTC; services receive it as an argument."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
