"""Numbers as people type and read them: one parser, half-up rounding, locale display."""

# Typing rule (every decimal input of the portal): an optional sign, digits, and at most ONE
# decimal mark, either a comma or a dot ("7,5" = "7.5" = 7.5). Anything that could be read
# two ways is refused, never guessed: two marks ("1.234,5", "1,2,3"), spaces inside the
# digits ("1 234"), or one mark followed by exactly three digits after a non-zero whole part
# ("1.234" is 1234 to a Vietnamese reader and 1.234 to an English one). Every decimal the
# portal stores has at most two decimal places, so the last rule refuses nothing legitimate.

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "SYMBOLS",
    "exact_decimal",
    "format_number",
    "parse_decimal",
    "round_half_up",
]

_PLAIN = re.compile(r"([+-]?)([0-9]*)(?:([.,])([0-9]*))?")
# Digits with grouping marks (".", ",", spaces, apostrophes): a number, but not one we can read.
_GROUPED = re.compile(r"[+-]?[0-9][0-9.,' \u00a0\u202f]*")
# A float's binary noise is far below this; a mean of two-decimal totals over fewer than a
# million sheets is either exactly on a rounding tie or more than 1e-9 away from it.
_SNAP = Decimal("1e-9")
SYMBOLS = {"vi": (",", "."), "en": (".", ",")}  # (decimal mark, thousands separator)


def parse_decimal(raw: str | None) -> tuple[Decimal | None, str | None]:
    """Parse typed text by the typing rule (top of this module); return ``(value, None)``
    or ``(None, code)``.

    Codes: "missing" (None or blank), "ambiguous" (could be read two ways), "not_finite"
    ("NaN", "inf"), "not_a_number" (anything else, e.g. "1e5").
    Signs are parsed; ranges are the caller's job.
    """
    if raw is None or not raw.strip():
        return None, "missing"
    text = raw.strip()
    if text.lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
        return None, "not_finite"
    m = _PLAIN.fullmatch(text)
    if m is None or not (m.group(2) or m.group(4)):
        return None, "ambiguous" if _GROUPED.fullmatch(text) else "not_a_number"
    sign, whole, mark, frac = m.groups()
    if mark and len(frac) == 3 and whole.lstrip("0"):
        return None, "ambiguous"
    try:
        value = Decimal(f"{sign}{whole or '0'}.{frac or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None, "not_a_number"
    return (value if value != 0 else Decimal(0)), None


def exact_decimal(value: Decimal | float | int) -> Decimal:
    """The exact decimal a stored or computed number stands for.

    A Decimal or int is taken as is. A float is snapped to 9 decimal places first, so a mean
    computed as 82.62499999999999 is read as the 82.625 it is (a sum of two-decimal totals
    divided by a count). Raises ValueError on NaN or infinity.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return Decimal(repr(float(value))).quantize(_SNAP, rounding=ROUND_HALF_EVEN)


def round_half_up(value: Decimal | float | int, places: int = 2) -> Decimal:
    """Round the exact value half away from zero, as Excel and a calculator do (82.625 ->
    82.63, 0.005 -> 0.01, -0.005 -> -0.01). The one rounding used for display and exports."""
    return exact_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_number(value: Decimal | float | int, locale: str = "vi", places: int = 2, *,
                  trim: bool = False, group: bool = True, sign: bool = False) -> str:
    """``value`` rounded half-up to ``places`` and written the ``locale``'s way: "82,63" and
    "1.234,50" in Vietnamese, "82.63" and "1,234.50" in English.

    ``trim`` drops trailing zeros ("7,5", "8"); ``group=False`` leaves out the thousands
    separator (for values put back into an input, which must parse again); ``sign`` writes
    "+" before positive numbers. Unknown locales are written the Vietnamese way.
    """
    point, sep = SYMBOLS.get(locale, SYMBOLS["vi"])
    d = round_half_up(value, places)
    if d == 0:
        d = abs(d)  # no "-0,00"
    text = f"{abs(d):f}"
    whole, _, frac = text.partition(".")
    if trim:
        frac = frac.rstrip("0")
    if group:
        whole = f"{int(whole):,}".replace(",", sep)
    out = whole + (point + frac if frac else "")
    if d < 0:
        return "-" + out
    return ("+" + out) if sign and d > 0 else out
