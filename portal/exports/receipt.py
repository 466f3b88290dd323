"""The printable PDF receipt of a submitted entry (WeasyPrint, DejaVu Sans for Vietnamese)."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import force_locale

from portal.models import Entry


def receipt_pdf(entry: Entry) -> bytes:
    """The receipt of a submitted entry as PDF bytes, in Vietnamese (the official language)."""
    with force_locale("vi"):
        html = render_template("exports/receipt.html", entry=entry)
    from weasyprint import HTML  # heavy import (about a second): only when a PDF is asked for

    return HTML(string=html).write_pdf()


def receipt_response(entry: Entry) -> Response:
    """The receipt as an inline PDF download named after the reference code."""
    return Response(
        receipt_pdf(entry),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{entry.reference or entry.id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
