"""The PDF receipt of an agency's dossier: every entry and every file with its sha256."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML

from portal.models import AgencyDossier


def dossier_receipt_pdf(dossier: AgencyDossier) -> bytes:
    """The dossier's receipt as PDF bytes, in Vietnamese (the official language)."""
    with force_locale("vi"):
        html = render_template("exports/dossier_receipt.html", dossier=dossier,
                               agency=dossier.agency, contest=dossier.agency.contest)
    return HTML(string=html).write_pdf()
