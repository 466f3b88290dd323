"""The Problem value returned by every rule, plus date formatting for message params."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from judging.numbers import round_half_up

Param = str | int | float

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Problem:
    """A user-facing failure: ``gettext(message) % params`` gives the text to show."""

    code: str
    message: str
    params: dict[str, Param] = field(default_factory=dict)
    field: str | None = None

    def render(self) -> str:
        """Return the untranslated English text (for logs and tests)."""
        return self.message % self.params


def fmt_date(d: date) -> str:
    """Return ``d`` as dd/mm/yyyy."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def fmt_datetime(dt: datetime, tz: str = DEFAULT_TZ) -> str:
    """Return aware ``dt`` converted to ``tz`` as "HH:MM dd/mm/yyyy"."""
    local = dt.astimezone(ZoneInfo(tz))
    return f"{local.hour:02d}:{local.minute:02d} {fmt_date(local.date())}"


def fmt_number(x: float, ndigits: int = 2) -> float | int:
    """Return ``x`` rounded half-up for display (``judging.numbers.round_half_up``, so 82.625
    -> 82.63); whole numbers come back as int (8.0 -> 8)."""
    r = round_half_up(x, ndigits)
    return int(r) if r == r.to_integral_value() else float(r)
