"""Views of the agencies area: the organizer's list of agencies and focal points, and the
focal point's page (entries, confirmations, dossier, receipt). Each answers 404 when its
permission predicate fails (see portal.agencies.permissions)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock
from portal.agencies import bp, services
from portal.agencies.forms import AgencyForm, ButtonForm, FocalPointForm
from portal.agencies.permissions import (
    can_act_for_agency,
    can_confirm_entry,
    can_manage_agencies,
    can_view_agency,
    can_view_dossier,
)
from portal.entries.permissions import can_create_entry
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import problem_text
from portal.models import Agency, AgencyDossier, Contest, Entry
from portal.storage import get_storage


@bp.app_context_processor
def _agency_helpers():
    # For the entrant's dashboard (entries area), without an import between the areas.
    return {"focal_agencies_of": services.focal_agencies}


def _contest(slug: str) -> Contest:
    contest = db.first_or_404(sa.select(Contest).where(Contest.slug == slug))
    if not can_manage_agencies(current_user, contest):
        abort(404)
    return contest


def _agency(agency_id: int, predicate) -> Agency:
    agency = db.get_or_404(Agency, agency_id)
    if not predicate(current_user, agency, now=clock.now()):
        abort(404)
    return agency


# --- the organizer's list --------------------------------------------------------------------

def _list_page(contest, form, fp_form, status=200):
    agencies = db.session.scalars(
        sa.select(Agency).where(Agency.contest_id == contest.id).order_by(Agency.name_key))
    return render_template("agencies/list.html", contest=contest, agencies=list(agencies),
                           form=form, fp_form=fp_form), status


@bp.route("/organize/<slug>/agencies", methods=["GET", "POST"])
@login_required
def index(slug: str):
    contest = _contest(slug)
    form = AgencyForm()
    if not form.is_submitted():
        return _list_page(contest, form, FocalPointForm(formdata=None))
    if not form.validate():
        return _list_page(contest, form, FocalPointForm(formdata=None), 422)
    try:
        agency = services.add_agency(contest=contest, name=form.name.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.name.errors = [exc.message]
        return _list_page(contest, form, FocalPointForm(formdata=None), exc.status)
    db.session.commit()
    flash(_("%(name)s was added to the list.", name=agency.name), "success")
    return redirect(url_for("agencies.index", slug=contest.slug))


@bp.post("/organize/<slug>/agencies/<int:agency_id>/focal-points")
@login_required
def add_focal_point(slug: str, agency_id: int):
    contest = _contest(slug)
    agency = db.get_or_404(Agency, agency_id)
    if agency.contest_id != contest.id:
        abort(404)
    fp_form = FocalPointForm()
    if not fp_form.validate():
        return _list_page(contest, AgencyForm(formdata=None), fp_form, 422)
    try:
        services.add_focal_point(agency=agency, email=fp_form.email.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        fp_form.email.errors = [exc.message]
        flash(exc.message, "danger")
        return _list_page(contest, AgencyForm(formdata=None), fp_form, exc.status)
    db.session.commit()
    flash(_("%(email)s is now a focal point of %(agency)s.", email=fp_form.email.data,
            agency=agency.name), "success")
    return redirect(url_for("agencies.index", slug=contest.slug))


# --- the focal point's pages -----------------------------------------------------------------

@bp.get("/agencies/")
@login_required
def mine():
    """The agencies the user acts for (a focal point of several goes to one from here)."""
    agencies = services.focal_agencies(current_user)
    if len(agencies) == 1:
        return redirect(url_for("agencies.home", agency_id=agencies[0].id))
    return render_template("agencies/mine.html", agencies=agencies)


def _home_page(agency, status=200, problems=()):
    now = clock.now()
    return render_template(
        "agencies/home.html", agency=agency, contest=agency.contest,
        entries=services.agency_entries(agency), dossiers=services.agency_dossiers(agency),
        button=ButtonForm(formdata=None), now=now, problems=problems,
        may_act=can_act_for_agency(current_user, agency, now=now),
        may_enter=can_create_entry(current_user, agency.contest, now=now),
        can_confirm_entry=can_confirm_entry, problem_text=problem_text), status


@bp.get("/agencies/<int:agency_id>")
@login_required
def home(agency_id: int):
    return _home_page(_agency(agency_id, can_view_agency))


def _entry_of(agency: Agency, entry_id: int) -> Entry:
    entry = db.get_or_404(Entry, entry_id)
    if entry.agency_id != agency.id or entry.status == Entry.DELETED:
        abort(404)
    return entry


@bp.post("/agencies/<int:agency_id>/entries/<int:entry_id>/confirm")
@login_required
def confirm(agency_id: int, entry_id: int):
    return _set_confirmation(agency_id, entry_id, True)


@bp.post("/agencies/<int:agency_id>/entries/<int:entry_id>/unconfirm")
@login_required
def unconfirm(agency_id: int, entry_id: int):
    return _set_confirmation(agency_id, entry_id, False)


def _set_confirmation(agency_id: int, entry_id: int, confirm: bool):
    now = clock.now()
    agency = _agency(agency_id, can_view_agency)
    entry = _entry_of(agency, entry_id)
    if not can_confirm_entry(current_user, entry, now=now):
        abort(403)
    if not ButtonForm().validate():
        abort(400)
    try:
        services.set_confirmation(entry, confirm=confirm, actor=current_user, now=now)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _home_page(agency, exc.status)
    db.session.commit()
    flash(_("The entry is confirmed.") if confirm else _("The confirmation was withdrawn."),
          "success")
    return redirect(url_for("agencies.home", agency_id=agency.id))


@bp.post("/agencies/<int:agency_id>/dossier")
@login_required
def submit_dossier(agency_id: int):
    now = clock.now()
    agency = _agency(agency_id, can_view_agency)
    if not can_act_for_agency(current_user, agency, now=now):
        abort(403)
    if not ButtonForm().validate():
        abort(400)
    try:
        dossier = services.submit_dossier(agency=agency, actor=current_user, now=now,
                                          storage=get_storage())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        agency = db.session.get(Agency, agency_id)
        return _home_page(agency, exc.status,
                          problems=getattr(exc, "entry_problems", ()))
    db.session.commit()
    flash(_("Dossier no. %(n)s was sent with %(count)s entries. Its receipt lists every "
            "file with its checksum.", n=dossier.number, count=len(dossier.entries)),
          "success")
    return redirect(url_for("agencies.home", agency_id=agency.id))


@bp.get("/agencies/dossiers/<int:dossier_id>/receipt.pdf")
@login_required
def dossier_receipt(dossier_id: int):
    # Here, not at the top: it loads WeasyPrint, which only a PDF request needs.
    from portal.exports.dossier_receipt import dossier_receipt_pdf

    dossier = db.get_or_404(AgencyDossier, dossier_id)
    if not can_view_dossier(current_user, dossier):
        abort(404)
    return Response(dossier_receipt_pdf(dossier), mimetype="application/pdf", headers={
        "Content-Disposition":
            f'inline; filename="dossier-{dossier.agency_id}-{dossier.number}.pdf"',
        "Cache-Control": "private, no-store"})
