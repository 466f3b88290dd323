"""Human-readable entry reference codes such as "BLV2024-TH-007"."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Reference", "format_reference", "parse_reference"]

_PART = re.compile(r"[A-Z0-9]+")
_REF = re.compile(r"([A-Z0-9]+)-([A-Z0-9]+)-([0-9]+)")


@dataclass(frozen=True)
class Reference:
    """The pieces of a reference code."""

    prefix: str
    genre_code: str
    seq: int


def format_reference(prefix: str, genre_code: str, seq: int) -> str:
    """Return "PREFIX-GENRE-NNN": upper-cased, seq zero-padded to 3 digits (1000 stays 1000).

    Raises ValueError unless prefix and genre are ASCII letters/digits and seq >= 1.
    """
    p, g = prefix.strip().upper(), genre_code.strip().upper()
    if not (_PART.fullmatch(p) and _PART.fullmatch(g)):
        raise ValueError("prefix and genre code must be ASCII letters and digits")
    if seq < 1:
        raise ValueError("seq must be at least 1")
    return f"{p}-{g}-{seq:03d}"


def parse_reference(s: str) -> Reference | None:
    """Parse a reference (case and surrounding spaces ignored); None if it is not one.

    ``parse_reference(format_reference(p, g, n)) == Reference(p.upper(), g.upper(), n)``.
    """
    m = _REF.fullmatch(s.strip().upper())
    if m is None or int(m.group(3)) < 1:
        return None
    return Reference(m.group(1), m.group(2), int(m.group(3)))
