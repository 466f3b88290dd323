"""Every CSV and XLSX the portal writes goes through here, so no cell becomes a formula.

A title, pen name, agency, reason or comment typed as ``=HYPERLINK(...)``, ``+1+1``,
``-2+3``, ``@SUM(...)`` or starting with a tab or carriage return would run as a formula
when the secretariat opens the file (OWASP "CSV injection").

- CSV: such a text cell gets a leading single quote (OWASP's rule), which spreadsheets show
  and keep as text.
- XLSX: every text cell is written as a string (data type ``s``; openpyxl would otherwise
  store a text starting with ``=`` as a formula), and those starting with a trigger also
  carry ``quotePrefix``, so editing the cell in Excel keeps it text. The text itself is
  kept exactly.

Numbers (int, float, Decimal) stay numbers, negative ones included, and so does text that
is just a number such as ``-1`` or ``+84,5`` (a spreadsheet reads it as that number).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def is_risky(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula."""
    return text.startswith(TRIGGERS) and not _NUMBER.fullmatch(text)


def csv_value(value):
    """The value as a CSV cell: risky text gets a leading single quote; the rest unchanged."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def csv_bytes(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> bytes:
    """A whole CSV file, CRLF line ends, UTF-8 (with a BOM by default, so Excel reads
    Vietnamese); header and rows go through `csv_value`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_value(v) for v in header])
    writer.writerows([csv_value(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_cell(ws, value):
    """A write-only cell for `value`: text is always a string cell, never a formula."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if is_risky(value):
            cell.quotePrefix = True
    return cell


def xlsx_row(ws, values: Iterable) -> list[WriteOnlyCell]:
    """A row for ``ws.append`` in which no text is a formula."""
    return [xlsx_cell(ws, v) for v in values]
