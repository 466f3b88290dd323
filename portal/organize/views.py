"""Views of the secretariat's edition screens: home, settings, structure, members,
registry, screening and audit. Each answers 404 when the permission predicate fails
(see portal.organize.permissions)."""

from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit, clock, jobs, outbox, permissions
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import localized, problem_text
from portal.loading import load_or_404
from portal.models import AuditEvent, Contest, Entry, FileSlot, Genre, Membership, PrizeLevel
from portal.organize import audit_text, audit_trail, bp, dashboard, edition, listing, rulings, staff
from portal.organize.forms import (
    EmptyForm,
    GrantForm,
    RetryJobForm,
    RulingForm,
    SettingsForm,
    SlotForm,
    level_form,
)
from portal.organize.permissions import (
    can_manage_contest,
    can_retry_jobs,
    can_screen_entries,
    can_view_audit,
    can_view_jobs,
)
from portal.organize.screening import check_entries, identity_warnings
from portal.pagination import page_count, requested_page


def _contest(slug: str, predicate) -> Contest:
    """The edition by slug, or 404 when it does not exist or the user may not see it."""
    contest = load_or_404(Contest, Contest.slug == slug, can=predicate)
    g.contest = contest
    return contest


def _apply_problems(form, problems) -> None:
    for p in problems:
        target = getattr(form, p.field, None)
        if target is not None:
            message = problem_text(p)
            target.errors = [*target.errors, message] if isinstance(target.errors, list) \
                else [message]


# --------------------------------------------------------------------------- home


@bp.get("/")
@login_required
def home():
    if permissions.is_admin(current_user):
        contests = db.session.scalars(
            sa.select(Contest).order_by(Contest.year.desc(), Contest.id.desc())).all()
    else:
        ids = permissions.organizer_contest_ids(current_user)
        if not ids:
            abort(404)
        contests = db.session.scalars(
            sa.select(Contest).where(Contest.id.in_(ids))
            .order_by(Contest.year.desc(), Contest.id.desc())).all()
    counts = dashboard.dashboard_counts([c.id for c in contests])
    return render_template("organize/home.html", contests=contests, counts=counts)


# --------------------------------------------------------------------------- settings


def _settings_values(form: SettingsForm) -> dict:
    tz = (form.timezone.data or "").strip()
    zone = tz if edition.valid_timezone(tz) else g.contest.timezone
    return {
        "name": (form.name.data or "").strip(),
        "name_en": (form.name_en.data or "").strip(),
        "year": form.year.data,
        "number": form.number.data,
        "organizing_body": (form.organizing_body.data or "").strip(),
        "province": (form.province.data or "").strip(),
        "issuing_body": (form.issuing_body.data or "").strip(),
        "document_place": (form.document_place.data or "").strip(),
        "name_style": form.name_style.data,
        "timezone": tz,
        "ref_prefix": (form.ref_prefix.data or "").strip(),
        "publication_start": form.publication_start.data,
        "publication_end": form.publication_end.data,
        "submission_opens": edition.local_to_utc(form.submission_opens.data, zone),
        "submission_closes": edition.local_to_utc(form.submission_closes.data, zone),
        "per_author_cap": form.per_author_cap.data,
        "max_authors": form.max_authors.data,
        "max_parts": form.max_parts.data,
        "status": form.status.data,
        "allow_quota_transfer": bool(form.allow_quota_transfer.data),
        "special_prize_count": form.special_prize_count.data,
        "release_averages": bool(form.release_averages.data),
        "national_reason_required": bool(form.national_reason_required.data),
        "entry_routes": form.entry_routes.data,
    }



def _json(text: str | None) -> dict:
    """An audit event's before/after as a dict ({} when empty or not an object)."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

@bp.route("/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug):
    contest = _contest(slug, can_manage_contest)
    if request.method == "GET":
        data = edition.settings_snapshot(contest)
        data["submission_opens"] = edition.utc_to_local(contest.submission_opens,
                                                         contest.timezone)
        data["submission_closes"] = edition.utc_to_local(contest.submission_closes,
                                                          contest.timezone)
        form = SettingsForm(data=data)
        return render_template("organize/settings.html", contest=contest, form=form)
    form = SettingsForm()
    form_ok = form.validate_on_submit()
    problems = edition.settings_errors(_settings_values(form))
    # Only report a service rule on a field the form itself found well-formed.
    problems = [p for p in problems if not getattr(form, p.field).errors]
    if form_ok and not problems:
        try:
            changed = edition.update_settings(contest=contest, values=_settings_values(form),
                                               actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            _apply_problems(form, exc.problems)
            flash(exc.message, "danger")
            return render_template("organize/settings.html", contest=contest, form=form), 422
        db.session.commit()
        flash(_("The settings were saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("organize.settings", slug=contest.slug))
    _apply_problems(form, problems)
    flash(_("The settings were not saved: correct the marked fields."), "danger")
    return render_template("organize/settings.html", contest=contest, form=form), 422


# --------------------------------------------------------------------------- structure


@bp.get("/<slug>/structure")
@login_required
def structure(slug):
    contest = _contest(slug, can_manage_contest)
    genres = db.session.scalars(
        sa.select(Genre).where(Genre.contest_id == contest.id).order_by(Genre.position)
        .options(so.selectinload(Genre.slots))).all()
    levels = db.session.scalars(
        sa.select(PrizeLevel).where(PrizeLevel.contest_id == contest.id)
        .order_by(PrizeLevel.position).options(so.selectinload(PrizeLevel.quotas))).all()
    quotas = {(q.level_id, q.genre_id): q.quota for lv in levels for q in lv.quotas}
    return render_template("organize/structure.html", contest=contest, genres=genres,
                           levels=levels, quotas=quotas)


def _slot(contest: Contest, slot_id: int) -> FileSlot:
    return load_or_404(FileSlot, slot_id, where=lambda s: s.genre.contest_id == contest.id)


@bp.route("/<slug>/slots/<int:slot_id>", methods=["GET", "POST"])
@login_required
def edit_slot(slug, slot_id):
    contest = _contest(slug, can_manage_contest)
    slot = _slot(contest, slot_id)
    if request.method == "GET":
        form = SlotForm(data={"formats": ", ".join(slot.format_list),
                              "max_size_mb": Decimal(slot.max_size) / edition.MB,
                              "min_count": slot.min_count, "max_count": slot.max_count,
                              "required": slot.required})
        return render_template("organize/slot.html", contest=contest, slot=slot, form=form)
    form = SlotForm()
    if form.validate_on_submit():
        values = {f: form[f].data for f in ("formats", "max_size_mb", "min_count", "max_count",
                                            "required")}
        try:
            changed = edition.update_slot(slot=slot, values=values, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            _apply_problems(form, exc.problems)
            flash(exc.message, "danger")
            return render_template("organize/slot.html", contest=contest, slot=slot,
                                   form=form), 422
        db.session.commit()
        flash(_("The file requirements were saved.") if changed else _("Nothing was changed."),
              "success")
        return redirect(url_for("organize.structure", slug=contest.slug))
    flash(_("The file requirements were not saved: correct the marked fields."), "danger")
    return render_template("organize/slot.html", contest=contest, slot=slot, form=form), 422


@bp.route("/<slug>/levels/<int:level_id>", methods=["GET", "POST"])
@login_required
def edit_level(slug, level_id):
    contest = _contest(slug, can_manage_contest)
    level = load_or_404(PrizeLevel, level_id, where=lambda lv: lv.contest_id == contest.id)
    genres = contest.genres
    if request.method == "GET":
        data = {"min_score": level.min_score}
        data.update({f"quota_{q.genre_id}": q.quota for q in level.quotas})
        data.update({f"quota_{g_.id}": data.get(f"quota_{g_.id}", 0) for g_ in genres})
        form = level_form(genres, data=data)
        return render_template("organize/level.html", contest=contest, level=level, form=form,
                               genres=genres)
    form = level_form(genres)
    if form.validate_on_submit():
        values = {"min_score": form.min_score.data,
                  "quotas": {g_.id: form[f"quota_{g_.id}"].data for g_ in genres}}
        try:
            changed = edition.update_level(level=level, values=values, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            _apply_problems(form, exc.problems)
            flash(exc.message, "danger")
            return render_template("organize/level.html", contest=contest, level=level,
                                   form=form, genres=genres), 422
        db.session.commit()
        flash(_("The prize level was saved.") if changed else _("Nothing was changed."),
              "success")
        return redirect(url_for("organize.structure", slug=contest.slug))
    flash(_("The prize level was not saved: correct the marked fields."), "danger")
    return render_template("organize/level.html", contest=contest, level=level, form=form,
                           genres=genres), 422


# --------------------------------------------------------------------------- members


def _members_page(contest, form, status=200):
    return render_template("organize/members.html", contest=contest, form=form,
                           revoke_form=EmptyForm(), members=staff.members_of(contest)), status


@bp.route("/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug):
    contest = _contest(slug, can_manage_contest)
    form = GrantForm()
    if request.method == "GET":
        return _members_page(contest, form)
    if not form.validate_on_submit():
        return _members_page(contest, form, 422)
    try:
        membership = staff.grant_role(contest=contest, email=form.email.data,
                                          role=form.role.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.email.errors = [exc.message]
        flash(exc.message, "danger")
        return _members_page(contest, form, exc.status)
    db.session.commit()
    flash(_("%(email)s is now %(role)s of this edition.", email=membership.user.email,
            role=_("an organizer") if membership.role == Membership.ORGANIZER
            else _("a judge")), "success")
    return redirect(url_for("organize.members", slug=contest.slug))


@bp.post("/<slug>/members/<int:membership_id>/revoke")
@login_required
def revoke(slug, membership_id):
    contest = _contest(slug, can_manage_contest)
    membership = load_or_404(Membership, membership_id,
                             where=lambda m: m.contest_id == contest.id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    email = membership.user.email
    try:
        ended = staff.revoke_role(membership=membership, actor=current_user,
                                     now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _members_page(contest, GrantForm(formdata=None), exc.status)
    db.session.commit()
    flash(_("The role of %(email)s was removed.", email=email), "success")
    if not ended:
        return redirect(url_for("organize.members", slug=contest.slug))
    works = ", ".join(f"{a.entry.reference or '#' + str(a.entry_id)} "
                      f"({localized(a.round, 'name')})" for a in ended)
    flash(_("%(n)s unfinished assignments of this judge were ended. These works now need "
            "another judge: %(works)s. Confirm the proposed replacements below.",
            n=len(ended), works=works), "warning")
    return redirect(url_for("rounds.assignments", slug=contest.slug,
                            round_id=ended[0].round_id) + "#replacements")


# --------------------------------------------------------------------------- registry


def _registry_filter() -> listing.RegistryFilter:
    a = request.args
    return listing.RegistryFilter(
        genre=a.get("genre", ""),
        status=a.get("status", "") if a.get("status") in (Entry.DRAFT, Entry.SUBMITTED,
                                                          Entry.WITHDRAWN) else "",
        eligibility=a.get("eligibility", "") if a.get("eligibility") in (
            Entry.PENDING, Entry.ELIGIBLE, Entry.INELIGIBLE) else "",
        outlet=a.get("outlet", ""),
        q=a.get("q", "")[:200],
        include_drafts=a.get("drafts") == "1",
    )


@bp.get("/<slug>/entries")
@login_required
def registry(slug):
    contest = _contest(slug, can_screen_entries)
    f = _registry_filter()
    page = requested_page()
    entries, total = listing.registry_page(contest, f, page)
    ids = [e.id for e in entries]
    return render_template(
        "organize/registry.html", contest=contest, f=f, entries=entries, total=total,
        page=page, pages=page_count(total, listing.PAGE_SIZE),
        counts=listing.verified_file_counts(ids), dups=listing.duplicate_files(contest, ids),
        genres=contest.genres, outlets=listing.outlets_of(contest),
        form_label=listing.form_label, agencies=listing.agencies,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


def _csv_response(data: bytes, filename: str) -> Response:
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<slug>/entries.csv")
@login_required
def registry_csv(slug):
    contest = _contest(slug, can_screen_entries)
    entries = listing.registry_all(contest, _registry_filter())
    return _csv_response(listing.registry_csv(contest, entries), f"{contest.slug}-tac-pham.csv")


# --------------------------------------------------------------------------- screening


def _screening_page(contest, form, status=200, selected=()):
    now = clock.now()
    eligibility = request.args.get("eligibility", "")
    if eligibility not in (Entry.PENDING, Entry.ELIGIBLE, Entry.INELIGIBLE):
        eligibility = ""
    page = requested_page()
    entries, total = rulings.screening_page(contest, eligibility, page)
    ids = [e.id for e in entries]
    return render_template(
        "organize/screening.html", contest=contest, form=form, entries=entries, total=total,
        page=page, pages=page_count(total, listing.PAGE_SIZE),
        eligibility=eligibility, problems=check_entries(contest, entries),
        identity=identity_warnings(entries),
        dups=listing.duplicate_files(contest, ids), counts=listing.verified_file_counts(ids),
        is_open=rulings.screening_open(contest, now), form_label=listing.form_label,
        agencies=listing.agencies, selected={int(s) for s in selected if str(s).isdigit()},
        args={k: v for k, v in request.args.items() if k != "page"},
    ), status


def _rule(contest, entries, form):
    """Apply the ruling; returns an error message, or None after commit and mails."""
    try:
        changed = rulings.rule_entries(entries=entries, ruling=form.ruling.data,
                                        reason=form.reason.data, actor=current_user,
                                        now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        return exc
    rulings.notify_rulings(changed)  # outbox rows, committed with the rulings
    db.session.commit()
    flash(_("%(n)s entries were ruled.", n=len(changed)) if changed
          else _("Nothing was changed."), "success")
    return None


@bp.route("/<slug>/screening", methods=["GET", "POST"])
@login_required
def screening(slug):
    contest = _contest(slug, can_screen_entries)
    form = RulingForm()
    if request.method == "GET":
        return _screening_page(contest, RulingForm(formdata=None))
    selected = request.form.getlist("entry_ids")
    if not form.validate_on_submit():
        return _screening_page(contest, form, 422, selected)
    ids = [int(s) for s in selected if s.isdigit()]
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.contest_id == contest.id, Entry.id.in_(ids))).all()
    error = _rule(contest, entries, form)
    if error is not None:
        flash(error.message, "danger")
        form.reason.errors = [error.message]
        return _screening_page(contest, form, error.status, selected)
    return redirect(url_for("organize.screening", slug=contest.slug, **{
        k: v for k, v in request.args.items()}))


@bp.route("/<slug>/screening/<int:entry_id>", methods=["GET", "POST"])
@login_required
def screen_entry(slug, entry_id):
    contest = _contest(slug, can_screen_entries)
    entry = load_or_404(Entry, entry_id, where=lambda e: e.contest_id == contest.id
                        and e.status != Entry.DRAFT)
    if request.method == "GET":
        form = RulingForm(data={"ruling": entry.eligibility
                                if entry.eligibility != Entry.PENDING else None,
                                "reason": entry.eligibility_reason})
        status = 200
    else:
        form = RulingForm()
        status = 422
        if form.validate_on_submit():
            error = _rule(contest, [entry], form)
            if error is None:
                return redirect(url_for("organize.screening", slug=contest.slug))
            flash(error.message, "danger")
            form.reason.errors = [error.message]
            status = error.status
    history = [(ev, _json(ev.before), _json(ev.after)) for ev in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entry_id == entry.id,
                                          AuditEvent.action == "entry.ruled")
        .order_by(AuditEvent.id.desc()))]
    return render_template(
        "organize/screen_entry.html", contest=contest, entry=entry, form=form,
        problems=check_entries(contest, [entry]).get(entry.id, []),
        dups=listing.duplicate_files(contest, [entry.id]).get(entry.id, []),
        is_open=rulings.screening_open(contest, clock.now()), history=history,
        form_label=listing.form_label, agencies=listing.agencies,
    ), status


# --------------------------------------------------------------------------- audit


def _audit_filter() -> audit_trail.AuditFilter:
    a = request.args
    return audit_trail.AuditFilter(entry=a.get("entry", "")[:40], actor=a.get("actor", "")[:254],
                                action=a.get("action", "")[:60])


@bp.get("/<slug>/audit")
@login_required
def audit_log(slug):
    contest = _contest(slug, can_view_audit)
    checked = broken = None
    if request.args.get("verify"):
        # Walking the whole chain is linear in the log's length: only on request.
        contest_id = contest.id
        checked, broken = audit.verify_chain()
        # verify_chain empties the session; load the edition again.
        contest = db.session.get(Contest, contest_id)
    g.contest = contest
    f = _audit_filter()
    page = requested_page()
    events, total = audit_trail.audit_page(contest, f, page)
    return render_template(
        "organize/audit.html", contest=contest, f=f, events=events, total=total, page=page,
        audit_action_text=audit_text.action_text, audit_changes=audit_text.changes,
        pages=page_count(total, listing.PAGE_SIZE),
        refs=audit_trail.entry_references(e.entry_id for e in events),
        actions=audit_trail.audit_actions(contest), checked=checked, broken=broken,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/<slug>/audit.csv")
@login_required
def audit_csv(slug):
    contest = _contest(slug, can_view_audit)
    return _csv_response(audit_trail.audit_csv(contest, _audit_filter()),
                         f"{contest.slug}-nhat-ky.csv")


# --------------------------------------------------------------------------- jobs and mail


@bp.get("/<slug>/jobs")
@login_required
def jobs_page(slug):
    """The queue's health, the edition's failed jobs (every edition's for an administrator)
    with their reason and a retry button, and the mail sent for the edition: to whom, when."""
    contest = _contest(slug, can_view_jobs)
    page = requested_page()
    health = jobs.runner().health(contest_id=contest.id,
                                  everything=permissions.is_admin(current_user))
    mails, total = outbox.recent(contest_id=contest.id, page=page, per_page=listing.PAGE_SIZE)
    return render_template(
        "organize/jobs.html", contest=contest, health=health, mails=mails, total=total,
        page=page, pages=page_count(total, listing.PAGE_SIZE), retry_form=RetryJobForm(),
        args={},
    )


@bp.post("/<slug>/jobs/retry")
@login_required
def retry_job(slug):
    contest = _contest(slug, can_retry_jobs)
    form = RetryJobForm()
    runner = jobs.runner()
    if form.validate_on_submit():
        failed, job_contest = runner.failed_job_contest(form.job_id.data)
        if failed and (job_contest == contest.id or permissions.is_admin(current_user)):
            runner.requeue_failed(form.job_id.data)
            flash(_("The job is back on the queue."), "success")
            return redirect(url_for("organize.jobs_page", slug=contest.slug))
    flash(_("This job is no longer among the failed jobs (it may have been retried "
            "already)."), "warning")
    return redirect(url_for("organize.jobs_page", slug=contest.slug))
