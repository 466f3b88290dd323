"""Views of the entrant's side: dashboard, entry form, submit, withdraw, reopen, receipt."""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.entries import bp, services
from portal.entries.forms import ActionForm, AuthorForm, EntryForm, PartForm
from portal.entries.permissions import (
    can_answer_invitation,
    can_create_entry,
    can_delete_entry,
    can_edit_entry,
    can_reopen_entry,
    can_submit_entry,
    can_view_entry,
    can_withdraw_entry,
    deadline_passed,
    is_owner,
)
from portal.errors import DomainError, NotAllowed, StaleEdit, SubmissionClosed
from portal.exports.receipt import receipt_response
from portal.extensions import db
from portal.i18n import problem_text, select_locale
from portal.loading import load_or_404
from portal.models import Contest, Entry, EntryAuthor, EntryFile, Genre, Membership
from portal.outbox import send_mail
from portal.permissions import is_admin, is_staff
from portal.results.services import published_result_for, released_averages_for
from portal.storage import get_storage

logger = logging.getLogger(__name__)


@bp.context_processor
def _entry_helpers():
    return {
        "can_edit_entry": can_edit_entry,
        "can_submit_entry": can_submit_entry,
        "can_withdraw_entry": can_withdraw_entry,
        "can_reopen_entry": can_reopen_entry,
        "can_delete_entry": can_delete_entry,
    }


def _load(entry_id: int) -> Entry:
    """The entry with what its pages show, or 404 unless the user may view it."""
    return load_or_404(Entry, entry_id, can=can_view_entry, options=(
        so.selectinload(Entry.contest).selectinload(Contest.genres).selectinload(Genre.slots),
        so.selectinload(Entry.genre).selectinload(Genre.slots),
        so.selectinload(Entry.parts),
        so.selectinload(Entry.authors),
        so.selectinload(Entry.files).selectinload(EntryFile.slot),
    ))


def _refuse(exc: DomainError, entry: Entry | None = None, *, template: str | None = None,
            **context):
    """Show a domain refusal as a message with its 4xx status; nothing was changed."""
    db.session.rollback()
    flash(exc.message, "danger")
    if entry is not None and template is None:
        entry = _load(entry.id)
        return render_template("entries/view.html", entry=entry, now=clock.now(),
                               action_form=_action_form(entry)), exc.status
    return render_template(template or "entries/refused.html", **context), exc.status


def _action_form(entry: Entry) -> ActionForm:
    """A fresh action form carrying the entry's current version (never the posted one)."""
    return ActionForm(formdata=None, data={"version": entry.version})


def _closed_guard(entry: Entry, now):
    """After the deadline every POST is refused with the deadline in the edition's zone."""
    if deadline_passed(entry.contest, now):
        return _refuse(SubmissionClosed(services.closed_message(entry.contest)), entry)
    return None


# --- dashboard -----------------------------------------------------------------------------

@bp.get("/")
@login_required
def dashboard():
    now = clock.now()
    entries = services.user_entries(current_user)
    staff_of = set(db.session.scalars(
        sa.select(Membership.contest_id).where(Membership.user_id == current_user.id)
    ))
    # A global admin is staff of every edition (portal.permissions.is_staff).
    contests = [] if is_admin(current_user) else [
        c for c in services.open_contests(now) if c.id not in staff_of]
    return render_template("entries/dashboard.html", entries=entries, contests=contests,
                           invitations=services.pending_invitations(current_user),
                           invitation_form=ActionForm(formdata=None),
                           now=now, time_left=services.time_left,
                           results=published_result_for(entries, lang=select_locale()),
                           averages=released_averages_for(entries))


# --- the entry form ------------------------------------------------------------------------

_ROW = re.compile(r"^(parts|authors)-(\d+)-(.+)$")


def _row_count(formdata, prefix: str) -> int:
    return len({m.group(2) for k in formdata.keys() if (m := _ROW.match(k))
                and m.group(1) == prefix})


def _drop_row(formdata, prefix: str, index: int) -> MultiDict:
    """The posted data without row `index` of `prefix`, later rows renumbered, all kept."""
    indices = sorted({int(m.group(2)) for k in formdata.keys() if (m := _ROW.match(k))
                      and m.group(1) == prefix})
    renumber = {old: new for new, old in enumerate(i for i in indices if i != index)}
    out = MultiDict()
    for key, values in formdata.lists():
        m = _ROW.match(key)
        if m and m.group(1) == prefix:
            old = int(m.group(2))
            if old == index:
                continue
            key = f"{prefix}-{renumber[old]}-{m.group(3)}"
        out.setlist(key, values)
    return out


def _row_action(formdata):
    """Apply an add/remove row button (no-JS path): (new formdata, add_prefix or None)."""
    for prefix in ("parts", "authors"):
        remove = formdata.get(f"remove_{prefix[:-1]}")
        if remove is not None and remove.isdigit():
            data = _drop_row(formdata, prefix, int(remove))
            if prefix == "parts":
                n = max(_row_count(data, "parts"), 1)
                data["parts_count"] = str(n)
                data["form"] = Entry.SERIES if n > 1 else Entry.SINGLE
            return data, None, True
        if f"add_{prefix[:-1]}" in formdata:
            data = formdata.copy()
            if prefix == "parts":
                n = _row_count(formdata, "parts") + 1
                data["parts_count"] = str(n)
                data["form"] = Entry.SERIES
            return data, prefix, True
    return formdata, None, False


def _bind_form(contest: Contest):
    """The posted form, with an add/remove-row button applied; (form, row_action_done)."""
    formdata, add, acted = _row_action(request.form)
    form = EntryForm(formdata=formdata, contest=contest)
    if add:
        getattr(form, add).append_entry()
    return form, acted


def _hints(problems) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        name = {"declared_parts": "parts_count",
                "won_national_press_award": "not_national_award"}.get(p.field, p.field)
        out.setdefault(name or "", []).append(problem_text(p))
    return out


def _render_form(form, contest, entry=None, *, status=200, problems=()):
    return render_template("entries/edit.html", form=form, contest=contest, entry=entry,
                           hints=_hints(problems), problems=problems, now=clock.now(),
                           action_form=_action_form(entry) if entry else None,
                           blank_part=PartForm(prefix="parts-__INDEX__-"),
                           blank_author=AuthorForm(prefix="authors-__INDEX__-")), status


@bp.route("/new/<slug>", methods=["GET", "POST"])
@login_required
def new_entry(slug: str):
    now = clock.now()
    contest = db.first_or_404(sa.select(Contest).where(Contest.slug == slug).options(
        so.selectinload(Contest.genres)))
    if is_staff(current_user, contest):
        return _refuse(NotAllowed(_(
            "You are a judge or organizer of this edition, so you may not enter it. "
            "Nothing was created.")), template="entries/refused.html", contest=contest)
    if not can_create_entry(current_user, contest, now=now):
        message = (services.closed_message(contest) if deadline_passed(contest, now)
                   else _("Submissions are not open for this edition."))
        return _refuse(SubmissionClosed(message), template="entries/refused.html",
                       contest=contest)
    if request.method == "GET":
        u = current_user
        form = EntryForm(contest=contest, data={
            "parts": [{}],
            "authors": [{"full_name": u.full_name, "pen_name": u.pen_name,
                         "year_of_birth": u.year_of_birth, "workplace": u.workplace,
                         "title": u.title, "phone": u.phone, "email": u.email,
                         "role": "lead"}],
            # A focal point's "new entry for a journalist" link names its agency.
            "agency_id": request.args.get("agency", default=0, type=int),
        })
        return _render_form(form, contest)
    form, acted = _bind_form(contest)
    if acted:
        return _render_form(form, contest)
    if not form.validate():
        return _render_form(form, contest, status=422)
    try:
        entry = services.create_entry(contest=contest, owner=current_user, data=form.to_data(),
                                      now=now)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _render_form(form, contest, status=exc.status)
    db.session.commit()
    flash(_("Draft saved."), "success")
    if "save_submit" in request.form:
        return redirect(url_for("entries.submit", entry_id=entry.id))
    # Files can be added only once the draft exists: go straight to them.
    return redirect(url_for("entries.edit", entry_id=entry.id, _anchor="files"))


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    now = clock.now()
    entry = _load(entry_id)
    contest = entry.contest
    if request.method == "POST" and (refused := _closed_guard(entry, now)):
        return refused
    if not is_owner(current_user, entry):
        abort(403)
    if not can_edit_entry(current_user, entry, now=now):
        if entry.status != Entry.DRAFT:
            flash(_("This entry has been submitted. Reopen it to make changes."), "info")
        return redirect(url_for("entries.view", entry_id=entry.id))
    if request.method == "GET":
        form = EntryForm(obj=entry, contest=contest)
        return _render_form(form, contest, entry,
                            problems=services.screening_problems(entry, now=now))
    form, acted = _bind_form(contest)
    if acted:
        return _render_form(form, contest, entry)
    if not form.validate():
        return _render_form(form, contest, entry, status=422)
    try:
        services.update_entry(entry, actor=current_user, data=form.to_data(),
                              expected_version=form.expected_version(), now=now)
    except StaleEdit as exc:
        db.session.rollback()
        entry = _load(entry_id)
        flash(exc.message, "warning")
        form.version.data = str(entry.version)  # saving again now replaces the other version
        return _render_form(form, contest, entry, status=exc.status)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _render_form(form, contest, _load(entry_id), status=exc.status)
    db.session.commit()
    flash(_("Draft saved."), "success")
    if "save_submit" in request.form:
        return redirect(url_for("entries.submit", entry_id=entry.id))
    return redirect(url_for("entries.edit", entry_id=entry.id))


# --- the entry page and the receipt ----------------------------------------------------------

@bp.get("/<int:entry_id>")
@login_required
def view(entry_id: int):
    entry = _load(entry_id)
    return render_template("entries/view.html", entry=entry, now=clock.now(),
                           action_form=_action_form(entry))


@bp.get("/<int:entry_id>/receipt.pdf")
@login_required
def receipt_pdf(entry_id: int):
    entry = _load(entry_id)
    if entry.status != Entry.SUBMITTED:
        abort(404)
    return receipt_response(entry)


# --- state changes -------------------------------------------------------------------------

@bp.route("/<int:entry_id>/submit", methods=["GET", "POST"])
@login_required
def submit(entry_id: int):
    now = clock.now()
    entry = _load(entry_id)
    if request.method == "POST" and (refused := _closed_guard(entry, now)):
        return refused
    if not is_owner(current_user, entry):
        abort(403)
    if entry.status == Entry.SUBMITTED:
        # A double click or the back button: the entry is already in, show its receipt.
        flash(_("This entry has already been submitted; here is its receipt."), "info")
        return redirect(url_for("entries.view", entry_id=entry.id))
    if entry.status != Entry.DRAFT or not can_submit_entry(current_user, entry, now=now):
        return redirect(url_for("entries.view", entry_id=entry.id))
    form = ActionForm()
    if request.method == "GET":
        form.version.data = str(entry.version)
        return render_template("entries/submit.html", entry=entry, form=form,
                               problems=services.screening_problems(entry, now=now))
    if not form.validate():
        abort(400)
    try:
        services.submit_entry(entry, actor=current_user,
                              expected_version=form.expected_version(), now=now,
                              storage=get_storage())
    except services.AlreadySubmitted as exc:  # a simultaneous click got there first
        db.session.rollback()
        flash(exc.message, "info")
        return redirect(url_for("entries.view", entry_id=entry_id))
    except DomainError as exc:
        db.session.rollback()
        entry = _load(entry_id)
        flash(exc.message, "danger")
        form.version.data = str(entry.version)
        return render_template("entries/submit.html", entry=entry, form=form,
                               problems=exc.problems), exc.status
    _mail_receipt(entry)  # the outbox row commits with the submission
    db.session.commit()
    flash(_("Your entry has been submitted. Its reference is %(ref)s.", ref=entry.reference),
          "success")
    return redirect(url_for("entries.view", entry_id=entry.id))


def _mail_receipt(entry: Entry) -> None:
    recipient = entry.owner.email
    body = render_template("entries/receipt_email.txt", entry=entry)
    send_mail(recipient, _("Receipt for your entry %(ref)s", ref=entry.reference), body,
              kind="receipt", contest_id=entry.contest_id, user_id=entry.owner_id,
              dedupe_key=f"receipt:{entry.id}:{entry.submitted_at.isoformat()}")


def _state_change(entry_id: int, allowed, service, done_message: str):
    now = clock.now()
    entry = _load(entry_id)
    if (refused := _closed_guard(entry, now)):
        return refused
    if not is_owner(current_user, entry):
        abort(403)
    form = ActionForm()
    if not form.validate():
        abort(400)
    if not allowed(current_user, entry, now=now):
        flash(_("This action does not apply to the entry in its current state; nothing "
                "was changed."), "info")
        return redirect(url_for("entries.view", entry_id=entry.id))
    try:
        service(entry, actor=current_user, expected_version=form.expected_version(), now=now)
    except DomainError as exc:
        return _refuse(exc, entry)
    db.session.commit()
    flash(done_message, "success")
    return None


@bp.post("/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    response = _state_change(entry_id, can_withdraw_entry, services.withdraw_entry,
                             _("The entry has been withdrawn. You can reopen it before the "
                               "deadline."))
    return response or redirect(url_for("entries.view", entry_id=entry_id))


@bp.post("/<int:entry_id>/reopen")
@login_required
def reopen(entry_id: int):
    response = _state_change(entry_id, can_reopen_entry, services.reopen_entry,
                             _("The entry is a draft again: edit it and submit it again "
                               "before the deadline. Its reference is kept."))
    return response or redirect(url_for("entries.edit", entry_id=entry_id))


@bp.post("/<int:entry_id>/delete")
@login_required
def delete(entry_id: int):
    response = _state_change(entry_id, can_delete_entry, services.delete_entry,
                             _("The draft has been deleted."))
    return response or redirect(url_for("entries.dashboard"))


# --- co-author invitations -----------------------------------------------------------------

def _answer_invitation(author_id: int, *, accept: bool):
    author = db.session.get(EntryAuthor, author_id)
    if author is None or not can_answer_invitation(current_user, author):
        abort(404)
    if not ActionForm().validate():
        abort(400)
    try:
        services.answer_invitation(author, user=current_user, accept=accept, now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("entries.dashboard")), exc.status
    db.session.commit()
    if accept:
        flash(_("You are now a co-author of “%(title)s”.", title=author.entry.title), "success")
        return redirect(url_for("entries.view", entry_id=author.entry_id))
    flash(_("You declined to be a co-author of “%(title)s”.", title=author.entry.title), "info")
    return redirect(url_for("entries.dashboard"))


@bp.post("/invitations/<int:author_id>/accept")
@login_required
def accept_invitation(author_id: int):
    return _answer_invitation(author_id, accept=True)


@bp.post("/invitations/<int:author_id>/decline")
@login_required
def decline_invitation(author_id: int):
    return _answer_invitation(author_id, accept=False)
