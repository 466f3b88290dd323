"""Views of the organizer's judging screens, under /organize/<slug>/rounds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.errors import DomainError
from portal.extensions import db, login_manager
from portal.i18n import problem_text, to_local
from portal.judge.services import reopen_sheet
from portal.loading import load_or_404
from portal.models import Assignment, Contest, Entry, Round, RoundEntry, ScoreSheet, User
from portal.pagination import page_count, requested_page
from portal.rounds import bp, services
from portal.rounds.forms import (
    AssignForm,
    ManualAssignForm,
    PanelForm,
    RecuseForm,
    ReopenForm,
    ReplacementForm,
    RoundForm,
    RubricForm,
    SimpleForm,
    StatusForm,
    SwapForm,
)
from portal.rounds.permissions import can_manage_rounds

PER_PAGE = 50


@bp.url_value_preprocessor
def _pull_slug(endpoint, values):
    g.rounds_slug = values.pop("slug", None) if values else None


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and getattr(g, "rounds_slug", None):
        values["slug"] = g.rounds_slug


@bp.before_request
def _load_contest_and_check():
    """Every screen here: a logged-in organizer of this edition (or admin); others get 404."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.contest = load_or_404(Contest, Contest.slug == g.rounds_slug, can=can_manage_rounds)


def _round(round_id: int) -> Round:
    return load_or_404(Round, round_id, where=lambda r: r.contest_id == g.contest.id)


def _fail(exc: DomainError) -> int:
    """Undo the transaction and flash the refusal with its details; return the status."""
    db.session.rollback()
    flash(exc.message, "danger")
    for p in exc.problems:
        flash(problem_text(p), "danger")
    return exc.status


def _local(value: datetime) -> datetime:
    return to_local(value, g.contest.timezone).replace(tzinfo=None)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=ZoneInfo(g.contest.timezone))


# --- rounds and rubric -------------------------------------------------------------------


@bp.get("/")
def index():
    rounds = services.contest_rounds(g.contest)
    return render_template("rounds/index.html", contest=g.contest, rounds=rounds,
                           maxima={r.id: services.rubric_maximum(r) for r in rounds},
                           status_form=StatusForm())


def _round_values(form: RoundForm) -> dict:
    values = {name: getattr(form, name).data for name in services.ROUND_FIELDS}
    values["name_en"] = values["name_en"] or values["name_vi"]
    values["opens_at"] = _aware(values["opens_at"])
    values["closes_at"] = _aware(values["closes_at"])
    return values


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = RoundForm()
    if form.validate_on_submit():
        try:
            rnd = services.create_round(contest=g.contest, values=_round_values(form),
                                        actor=current_user)
            db.session.commit()
        except DomainError as exc:
            return render_template("rounds/new.html", contest=g.contest,
                                   form=form), _fail(exc)
        flash(_("The round was created. Now set its rubric."), "success")
        return redirect(url_for("rounds.edit", round_id=rnd.id))
    status = 422 if form.is_submitted() else 200
    return render_template("rounds/new.html", contest=g.contest, form=form), status


def _rubric_form(rnd: Round) -> RubricForm:
    form = RubricForm(formdata=None, prefix="rubric")
    while len(form.criteria):
        form.criteria.pop_entry()
    for c in rnd.criteria:
        form.criteria.append_entry({
            "code": c.code, "name_vi": c.name_vi, "name_en": c.name_en,
            "description": c.description, "max_score": c.max_score,
            "step": "0.5" if Decimal(c.step) == Decimal("0.5") else "1",
            "weight": c.weight, "order": c.position + 1,
        })
    form.criteria.append_entry({"order": len(rnd.criteria) + 1, "weight": Decimal(1)})
    return form


def _render_edit(rnd: Round, form: RoundForm, rubric_form: RubricForm, *, status: int = 200,
                 row_errors: dict | None = None):
    return render_template(
        "rounds/edit.html", contest=g.contest, rnd=rnd, form=form, rubric_form=rubric_form,
        frozen=services.rubric_is_frozen(rnd), maximum=services.rubric_maximum(rnd),
        row_errors=row_errors or {}, status_form=StatusForm(),
    ), status


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
def edit(round_id: int):
    rnd = _round(round_id)
    if request.method == "GET":
        form = RoundForm(obj=rnd)
        form.opens_at.data = _local(rnd.opens_at)
        form.closes_at.data = _local(rnd.closes_at)
        return _render_edit(rnd, form, _rubric_form(rnd))
    form = RoundForm()
    if form.validate_on_submit():
        try:
            services.update_round(rnd=rnd, values=_round_values(form), actor=current_user)
            db.session.commit()
        except DomainError as exc:
            return _render_edit(rnd, form, _rubric_form(rnd), status=_fail(exc))
        flash(_("The round's settings were saved."), "success")
        return redirect(url_for("rounds.edit", round_id=rnd.id))
    return _render_edit(rnd, form, _rubric_form(rnd), status=422)


def _rubric_rows(form: RubricForm) -> tuple[list[services.CriterionInput], dict]:
    """The kept rows in the chosen order, and per-row errors the form itself found."""
    kept = []
    errors: dict[int, list[str]] = {}
    for i, sub in enumerate(form.criteria):
        row = sub.form
        if row.remove.data or row.is_blank():
            continue
        problems = [str(e) for f in row for e in f.errors]
        if not (row.name_vi.data or "").strip():
            problems.append(_("Give the criterion a Vietnamese name."))
        if row.max_score.data is None and not row.max_score.errors:
            problems.append(_("Give the criterion a maximum score."))
        if problems:
            errors[i] = problems
            continue
        order = row.order.data if row.order.data is not None else 10_000 + i
        kept.append((order, i, services.CriterionInput(
            code=(row.code.data or "").strip() or f"c{i + 1}",
            name_vi=row.name_vi.data.strip(),
            name_en=(row.name_en.data or "").strip() or row.name_vi.data.strip(),
            description=(row.description.data or "").strip(),
            max_score=row.max_score.data, step=Decimal(row.step.data),
            weight=row.weight.data if row.weight.data is not None else Decimal(1),
        )))
    kept.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in kept], errors


@bp.post("/<int:round_id>/rubric")
def rubric(round_id: int):
    rnd = _round(round_id)
    rubric_form = RubricForm(prefix="rubric")
    settings = RoundForm(obj=rnd, formdata=None)
    settings.opens_at.data = _local(rnd.opens_at)
    settings.closes_at.data = _local(rnd.closes_at)
    if services.rubric_is_frozen(rnd):
        flash(_("The rubric is frozen: judges have already saved scores in this round, so "
                "its criteria can no longer change."), "danger")
        return _render_edit(rnd, settings, _rubric_form(rnd), status=409)
    if not rubric_form.validate_on_submit():
        return _render_edit(rnd, settings, rubric_form, status=422)
    rows, row_errors = _rubric_rows(rubric_form)
    if row_errors:
        flash(_("The rubric was not saved: fix the problems below."), "danger")
        return _render_edit(rnd, settings, rubric_form, status=422, row_errors=row_errors)
    try:
        services.save_rubric(rnd=rnd, rows=rows, actor=current_user)
        db.session.commit()
    except services.RubricProblems as exc:
        status = _fail(exc)
        by_code: dict[str, list[str]] = {}
        for p in exc.problems:
            if p.field:
                by_code.setdefault(p.field, []).append(problem_text(p))
        by_row = {}
        for i, sub in enumerate(rubric_form.criteria):
            code = (sub.form.code.data or "").strip() or f"c{i + 1}"
            if code in by_code:
                by_row[i] = by_code[code]
        return _render_edit(_round(round_id), settings, rubric_form, status=status,
                            row_errors=by_row)
    except DomainError as exc:
        return _render_edit(_round(round_id), settings, rubric_form, status=_fail(exc))
    flash(_("The rubric was saved."), "success")
    return redirect(url_for("rounds.edit", round_id=rnd.id) + "#rubric")


@bp.post("/<int:round_id>/status")
def status(round_id: int):
    rnd = _round(round_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.set_round_status(rnd=rnd, status=form.status.data, actor=current_user,
                                      now=clock.now())
            db.session.commit()
            flash(_("The round is now open.") if rnd.status == Round.OPEN
                  else _("The round is now closed."), "success")
        except DomainError as exc:
            _fail(exc)
    return redirect(request.form.get("back") == "progress"
                    and url_for("rounds.progress", round_id=round_id)
                    or url_for("rounds.index"))


# --- panels ------------------------------------------------------------------------------


def _panel_form(rnd: Round, judges: list[User], panel=None, formdata=True) -> PanelForm:
    prefix = f"p{panel.id}" if panel is not None else "new"
    kwargs = {"prefix": prefix}
    if formdata is None:
        kwargs["formdata"] = None
    if panel is not None and formdata is None:
        form = PanelForm(name=panel.name, genres=[x.id for x in panel.genres],
                         judges=[u.id for u in panel.judges], **kwargs)
    else:
        form = PanelForm(**kwargs)
    form.genres.choices = [(x.id, x.name_vi) for x in g.contest.genres]
    form.judges.choices = [(u.id, f"{u.full_name} — {u.workplace}") for u in judges]
    return form


def _render_panels(rnd: Round, *, failed=None, failed_panel=None, status=200):
    judges = services.edition_judges(g.contest)
    panels = services.round_panels(rnd)
    forms = {}
    for p in panels:
        forms[p.id] = failed if (failed is not None and failed_panel is p) else \
            _panel_form(rnd, judges, p, formdata=None)
    new_form = failed if (failed is not None and failed_panel is None) else \
        _panel_form(rnd, judges, None, formdata=None)
    return render_template("rounds/panels.html", contest=g.contest, rnd=rnd, panels=panels,
                           forms=forms, new_form=new_form, delete_form=SimpleForm()), status


@bp.get("/<int:round_id>/panels")
def panels(round_id: int):
    return _render_panels(_round(round_id))


@bp.post("/<int:round_id>/panels", defaults={"panel_id": None})
@bp.post("/<int:round_id>/panels/<int:panel_id>")
def save_panel(round_id: int, panel_id: int | None):
    rnd = _round(round_id)
    panel = None
    if panel_id is not None:
        panel = next((p for p in rnd.panels if p.id == panel_id), None)
        if panel is None:
            abort(404)
    form = _panel_form(rnd, services.edition_judges(g.contest), panel)
    if not form.validate_on_submit():
        return _render_panels(rnd, failed=form, failed_panel=panel, status=422)
    try:
        services.save_panel(rnd=rnd, panel=panel, name=form.name.data,
                            genre_ids=form.genres.data, judge_ids=form.judges.data,
                            actor=current_user)
        db.session.commit()
    except DomainError as exc:
        status = _fail(exc)
        rnd = _round(round_id)
        panel = next((p for p in rnd.panels if p.id == panel_id), None)
        return _render_panels(rnd, failed=form, failed_panel=panel, status=status)
    flash(_("The panel was saved."), "success")
    return redirect(url_for("rounds.panels", round_id=round_id))


@bp.post("/<int:round_id>/panels/<int:panel_id>/delete")
def delete_panel(round_id: int, panel_id: int):
    rnd = _round(round_id)
    panel = next((p for p in rnd.panels if p.id == panel_id), None)
    if panel is None:
        abort(404)
    if SimpleForm().validate_on_submit():
        try:
            services.delete_panel(panel=panel, actor=current_user)
            db.session.commit()
            flash(_("The panel was removed."), "success")
        except DomainError as exc:
            _fail(exc)
    return redirect(url_for("rounds.panels", round_id=round_id))


# --- conflicts and entries ---------------------------------------------------------------


@bp.get("/<int:round_id>/conflicts")
def conflicts(round_id: int):
    rnd = _round(round_id)
    judges = services.edition_judges(g.contest)
    entries = services.round_entries(rnd)
    found = services.round_conflicts(rnd, judges=judges, entries=entries)
    by_judge = {u.id: u for u in judges}
    by_entry = {e.id: e for e in entries}
    rows = []
    for (jid, eid), items in sorted(found.items(), key=lambda kv: (
            by_judge[kv[0][0]].full_name, by_entry[kv[0][1]].reference or "")):
        labels = {eid: services.entry_label(by_entry[eid])}
        rows.append((by_judge[jid], by_entry[eid],
                     [problem_text(services.label_problem(c, labels)) for c in items]))
    return render_template("rounds/conflicts.html", contest=g.contest, rnd=rnd, rows=rows,
                           n_entries=len(entries), n_judges=len(judges))


@bp.post("/<int:round_id>/populate")
def populate(round_id: int):
    rnd = _round(round_id)
    if SimpleForm().validate_on_submit():
        try:
            n = services.populate_first_round(rnd=rnd, actor=current_user)
            db.session.commit()
            flash(_("%(n)s eligible entries were added to the round.", n=n), "success")
        except DomainError as exc:
            _fail(exc)
    return redirect(url_for("rounds.assignments", round_id=round_id))


# --- assignments -------------------------------------------------------------------------


def _manual_form(rnd: Round, formdata=True) -> ManualAssignForm:
    form = ManualAssignForm() if formdata else ManualAssignForm(formdata=None)
    entries = db.session.execute(
        sa.select(Entry.id, Entry.reference, Entry.title)
        .join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .where(RoundEntry.round_id == rnd.id).order_by(Entry.reference, Entry.id)).all()
    form.entry_id.choices = [(i, f"{ref or '#' + str(i)} — {title[:60]}")
                             for i, ref, title in entries]
    form.judge_id.choices = [(u.id, u.full_name) for u in services.edition_judges(g.contest)]
    return form


def _render_assignments(rnd: Round, *, manual=None, assign_form=None, status=200,
                        conflict_warning=False):
    page = requested_page()
    manual = manual or _manual_form(rnd, formdata=False)
    total = len(manual.entry_id.choices)
    rows = services.assignments_page(rnd, page=page, per_page=PER_PAGE)
    if assign_form is None:
        assign_form = AssignForm(formdata=None, seed=services.default_seed(rnd))
    return render_template(
        "rounds/assignments.html", contest=g.contest, rnd=rnd, rows=rows, total=total,
        page=page, pages=page_count(total, PER_PAGE),
        assign_form=assign_form, manual=manual,
        conflict_warning=conflict_warning, simple=SimpleForm(),
        replacements=services.pending_replacements(rnd), replace_form=ReplacementForm(),
        first=services.is_first_round(rnd),
    ), status


@bp.get("/<int:round_id>/assignments")
def assignments(round_id: int):
    return _render_assignments(_round(round_id))


@bp.post("/<int:round_id>/assignments/auto")
def auto_assign(round_id: int):
    rnd = _round(round_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _render_assignments(rnd, assign_form=form, status=422)
    try:
        n = services.run_assignment(rnd=rnd, seed=form.seed.data, actor=current_user)
        db.session.commit()
    except DomainError as exc:
        status = _fail(exc)
        return _render_assignments(_round(round_id), assign_form=form, status=status)
    flash(_("%(n)s assignments were made.", n=n), "success")
    return redirect(url_for("rounds.assignments", round_id=round_id))


@bp.post("/<int:round_id>/assignments/add")
def add_assignment(round_id: int):
    rnd = _round(round_id)
    form = _manual_form(rnd)
    if not form.validate_on_submit():
        return _render_assignments(rnd, manual=form, status=422)
    entry = db.session.get(Entry, form.entry_id.data)
    judge = db.session.get(User, form.judge_id.data)
    try:
        services.add_assignment(rnd=rnd, entry=entry, judge=judge,
                                override=form.override.data, actor=current_user)
        db.session.commit()
    except services.ConflictNeedsConfirmation as exc:
        status = _fail(exc)
        return _render_assignments(_round(round_id), manual=form, status=status,
                                   conflict_warning=True)
    except DomainError as exc:
        status = _fail(exc)
        return _render_assignments(_round(round_id), manual=form, status=status)
    flash(_("%(judge)s was assigned to %(entry)s.", judge=judge.full_name,
            entry=services.entry_label(entry)), "success")
    return redirect(url_for("rounds.assignments", round_id=round_id))


def _assignment(rnd: Round, assignment_id: int) -> Assignment:
    return load_or_404(Assignment, assignment_id, where=lambda a: a.round_id == rnd.id)


def _swap_form(a: Assignment, formdata=True) -> SwapForm:
    """The judges who may take the assignment over: never its own judge, and a judge who
    declared a conflict with the work comes last, marked, so is never the default choice."""
    form = SwapForm() if formdata else SwapForm(formdata=None)
    declared = services.declared_conflict_judge_ids(a.entry)
    judges = [u for u in services.edition_judges(g.contest) if u.id != a.judge_id]
    form.judge_id.choices = (
        [(u.id, u.full_name) for u in judges if u.id not in declared]
        + [(u.id, _("%(judge)s (declared a conflict with this work)", judge=u.full_name))
           for u in judges if u.id in declared])
    return form


def _render_change(rnd, a, *, swap=None, recuse=None, status=200, conflict_warning=False):
    return render_template(
        "rounds/change.html", contest=g.contest, rnd=rnd, a=a,
        swap=swap or _swap_form(a, formdata=False), recuse=recuse or RecuseForm(formdata=None),
        simple=SimpleForm(), conflict_warning=conflict_warning,
    ), status


@bp.get("/<int:round_id>/assignments/<int:assignment_id>")
def change(round_id: int, assignment_id: int):
    rnd = _round(round_id)
    return _render_change(rnd, _assignment(rnd, assignment_id))


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/swap")
def swap(round_id: int, assignment_id: int):
    rnd = _round(round_id)
    a = _assignment(rnd, assignment_id)
    form = _swap_form(a)
    if not form.validate_on_submit():
        return _render_change(rnd, a, swap=form, status=422)
    judge = db.session.get(User, form.judge_id.data)
    try:
        services.swap_assignment(assignment=a, judge=judge, override=form.override.data,
                                 actor=current_user)
        db.session.commit()
    except DomainError as exc:
        status = _fail(exc)
        rnd = _round(round_id)
        return _render_change(rnd, _assignment(rnd, assignment_id), swap=form, status=status,
                              conflict_warning=isinstance(exc,
                                                          services.ConflictNeedsConfirmation))
    flash(_("The assignment now goes to %(judge)s.", judge=judge.full_name), "success")
    return redirect(url_for("rounds.assignments", round_id=round_id))


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/remove")
def remove(round_id: int, assignment_id: int):
    rnd = _round(round_id)
    a = _assignment(rnd, assignment_id)
    if SimpleForm().validate_on_submit():
        try:
            services.remove_assignment(assignment=a, actor=current_user)
            db.session.commit()
            flash(_("The assignment was removed."), "success")
        except DomainError as exc:
            _fail(exc)
            return redirect(url_for("rounds.change", round_id=round_id,
                                    assignment_id=assignment_id))
    return redirect(url_for("rounds.assignments", round_id=round_id))


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/recuse")
def recuse(round_id: int, assignment_id: int):
    rnd = _round(round_id)
    a = _assignment(rnd, assignment_id)
    form = RecuseForm()
    if not form.validate_on_submit():
        return _render_change(rnd, a, recuse=form, status=422)
    try:
        services.recuse_assignment(assignment=a, reason=form.reason.data, actor=current_user)
        db.session.commit()
    except DomainError as exc:
        status = _fail(exc)
        rnd = _round(round_id)
        return _render_change(rnd, _assignment(rnd, assignment_id), recuse=form, status=status)
    flash(_("The assignment was recused; confirm the proposed replacement below."), "success")
    return redirect(url_for("rounds.assignments", round_id=round_id) + "#replacements")


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/replace")
def replace(round_id: int, assignment_id: int):
    rnd = _round(round_id)
    a = _assignment(rnd, assignment_id)
    form = ReplacementForm()
    if form.validate_on_submit() and form.judge_id.data.isdigit():
        judge = db.session.get(User, int(form.judge_id.data))
        if judge is None:
            abort(404)
        try:
            services.confirm_replacement(recused=a, judge=judge, actor=current_user)
            db.session.commit()
            flash(_("%(judge)s now scores %(entry)s.", judge=judge.full_name,
                    entry=services.entry_label(a.entry)), "success")
        except DomainError as exc:
            _fail(exc)
    return redirect(url_for("rounds.assignments", round_id=round_id) + "#replacements")


# --- progress ----------------------------------------------------------------------------


@bp.get("/<int:round_id>/progress")
def progress(round_id: int):
    rnd = _round(round_id)
    page = requested_page()
    panels = services.panel_progress(rnd)
    total = sum(p["entries"] for p in panels)
    return render_template(
        "rounds/progress.html", contest=g.contest, rnd=rnd,
        judges=services.judge_progress(rnd), panels=panels,
        entries=services.entry_progress(rnd, page=page, per_page=PER_PAGE), page=page,
        pages=page_count(total, PER_PAGE), simple=SimpleForm(),
        status_form=StatusForm(),
    )


@bp.post("/<int:round_id>/reminders")
def reminders(round_id: int):
    rnd = _round(round_id)
    if SimpleForm().validate_on_submit():
        try:
            n = services.send_reminders(rnd=rnd, now=clock.now(), actor=current_user)
            db.session.commit()
            flash(_("Reminders were sent to %(n)s judges with work left.", n=n), "success")
        except DomainError as exc:
            _fail(exc)
    return redirect(url_for("rounds.progress", round_id=round_id))


@bp.get("/<int:round_id>/entries/<int:entry_id>")
def entry_sheets(round_id: int, entry_id: int):
    rnd = _round(round_id)
    entry = load_or_404(Entry, entry_id, where=lambda e: e.contest_id == g.contest.id)
    return render_template("rounds/entry.html", contest=g.contest, rnd=rnd, entry=entry,
                           rows=services.entry_sheets(rnd, entry), form=ReopenForm(),
                           maximum=services.rubric_maximum(rnd))


@bp.post("/<int:round_id>/sheets/<int:sheet_id>/reopen")
def reopen(round_id: int, sheet_id: int):
    rnd = _round(round_id)
    sheet = load_or_404(ScoreSheet, sheet_id, where=lambda s: s.assignment.round_id == rnd.id)
    entry = sheet.assignment.entry
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for reopening this score sheet."), "danger")
        return render_template("rounds/entry.html", contest=g.contest, rnd=rnd, entry=entry,
                               rows=services.entry_sheets(rnd, entry), form=form,
                               maximum=services.rubric_maximum(rnd)), 422
    try:
        reopen_sheet(sheet=sheet, actor=current_user, reason=form.reason.data,
                     now=clock.now())
        db.session.commit()
        flash(_("The score sheet was reopened; its judge can change it again."), "success")
    except DomainError as exc:
        _fail(exc)
    return redirect(url_for("rounds.entry_sheets", round_id=round_id, entry_id=entry.id))


# --- advancement -------------------------------------------------------------------------


@bp.route("/<int:round_id>/advance", methods=["GET", "POST"])
def advance(round_id: int):
    rnd = _round(round_id)
    form = SimpleForm()
    target = services.next_round(rnd)
    chosen = reasons = None
    status = 200
    if rnd.status != Round.CLOSED:
        flash(_("Close the round before deciding which entries advance."), "warning")
    elif form.validate_on_submit():
        chosen = {int(x) for x in request.form.getlist("advance") if x.isdigit()}
        reasons = {int(k[7:]): v for k, v in request.form.items()
                   if k.startswith("reason-") and k[7:].isdigit()}
        try:
            n = services.confirm_advancement(rnd=rnd, chosen=chosen, reasons=reasons,
                                             actor=current_user)
            db.session.commit()
            flash(_("%(n)s entries go on to %(round)s.", n=n, round=target.name_vi),
                  "success")
            return redirect(url_for("rounds.index"))
        except DomainError as exc:
            status = _fail(exc)
            rnd = _round(round_id)
            target = services.next_round(rnd)
    view = services.advancement_proposal(rnd)
    done = target is not None and services.round_entry_count(target) > 0
    return render_template("rounds/advance.html", contest=g.contest, rnd=rnd, target=target,
                           view=view, form=form, chosen=chosen, reasons=reasons or {},
                           done=done), status
