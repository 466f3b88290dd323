"""The judge's queue, the work page with its score sheet, autosave and conflict declaration."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from judging.rubric import fmt_decimal
from portal import clock
from portal.errors import DomainError, ScoreLocked, StaleEdit
from portal.extensions import db
from portal.i18n import (
    format_dt,
    format_input_number,
    format_num,
    localized,
    problem_text,
    to_local,
)
from portal.judge import bp, stash
from portal.judge.forms import SCORE_PREFIX, ConflictForm, ScoreSheetForm, score_values
from portal.judge.permissions import (
    can_declare_conflict,
    can_score_assignment,
    can_view_assignment,
    can_view_round_queue,
    round_is_scoring,
)
from portal.judge.services import (
    STATES,
    SUBMITTED,
    declare_conflict,
    judge_queue,
    judge_rounds,
    load_assignment,
    queue_neighbours,
    save_draft,
    sheet_state,
    submit_sheet,
    visible_authors,
)
from portal.links import public_base_url
from portal.models import Assignment, Contest, Round, ScoreSheet

SHEET_ENDPOINTS = ("judge.sheet", "judge.autosave")


# --- helpers ------------------------------------------------------------------------


def time_left(deadline: datetime, now: datetime) -> str:
    """'3 days 4 hours left', '2 hours 5 minutes left', '12 minutes left' or 'Closed'."""
    delta = deadline - now
    if delta <= timedelta(0):
        return _("Closed")
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s days %(hours)s hours left", days=days, hours=hours)
    if hours:
        return _("%(hours)s hours %(minutes)s minutes left", hours=hours, minutes=minutes)
    return _("%(minutes)s minutes left", minutes=minutes)


def duration(seconds: float | None) -> str:
    """mm:ss (h:mm:ss past an hour)."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _media_kind(content_type: str) -> str:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/pdf":
        return "pdf"
    for family in ("audio", "video", "image"):
        if mime.startswith(family + "/"):
            return family
    return "other"


def _file_urls(file_id: int, kind: str) -> tuple[str | None, str | None]:
    """(URL the page embeds, URL of the download link) built from the file id only, so
    no author name or personal data can appear in them."""
    download = url_for("files.download", file_id=file_id)
    embed = url_for("files.download", file_id=file_id, inline=1)
    return embed, download


def _media(assignment: Assignment) -> list[dict]:
    """The verified files of the work, as the page shows them (never the uploaded filename,
    which may carry an author's name)."""
    items = []
    for f in assignment.entry.files:
        if f.status != f.VERIFIED or not f.slot.visible_to_judges:
            continue
        kind = _media_kind(f.content_type)
        embed, download = _file_urls(f.id, kind)
        items.append({
            "id": f.id, "kind": kind, "label": localized(f.slot, "label"),
            "slot_kind": f.slot.kind, "part": f.part_number, "embed": embed,
            "download": download, "caption": f.caption, "pages": f.page_count,
            "duration": duration(f.duration_seconds), "size": f.size,
            "content_type": f.content_type,
        })
    items.sort(key=lambda m: (m["part"] or 0, m["slot_kind"] != "work", m["id"]))
    return items


def _criterion_names(round_: Round) -> dict[str, str]:
    return {c.code: localized(c, "name") for c in round_.criteria}


def _field_errors(exc: DomainError, round_: Round) -> dict[str, str]:
    names = _criterion_names(round_)
    errors = {}
    for p in exc.problems:
        params = {**p.params, "criterion": names.get(p.field, p.params.get("criterion", ""))}
        for key in ("max", "step"):  # rubric numbers, written the page language's way
            if key in params:
                params[key] = format_num(Decimal(str(params[key])), trim=True)
        errors[p.field] = problem_text(p, **params)
    return errors


def _saved_values(sheet: ScoreSheet | None) -> dict[str, str]:
    if sheet is None:
        return {}
    return {s.criterion.code: format_input_number(s.value) for s in sheet.scores}


def _load_for_judge(assignment_id: int) -> Assignment:
    assignment = load_assignment(assignment_id)
    if assignment is None or not can_view_assignment(current_user, assignment):
        abort(404)
    g.contest = assignment.round.contest
    return assignment


def _login_redirect(assignment_id: int):
    flash(_("Your session has expired. Log in again to continue scoring."), "warning")
    return redirect(
        url_for("auth.login", next=url_for("judge.sheet", assignment_id=assignment_id))
    )


def _stash_and_login(assignment_id: int, *, as_json: bool):
    """Keep what the judge typed in the signed pending-sheet cookie, then send them to log
    in (or tell the autosave script to)."""
    values = {
        key[len(SCORE_PREFIX):]: value[:40]
        for key, value in request.form.items()
        if key.startswith(SCORE_PREFIX) and len(key) <= 60
    }
    if as_json:
        response = jsonify(
            error=_("Your session has expired. Log in again to continue scoring."),
            login_url=url_for("auth.login",
                              next=url_for("judge.sheet", assignment_id=assignment_id)),
        )
        response.status_code = 401
    else:
        response = _login_redirect(assignment_id)
    stash.stash(response, assignment_id=assignment_id, values=values,
                comment=request.form.get("comment", ""), version=request.form.get("version", ""))
    return response


def _same_origin() -> bool:
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    host = public_base_url()
    return origin == host or origin.startswith(host + "/")


@bp.errorhandler(CSRFError)
def csrf_error(exc):
    """A score sheet posted after a logout elsewhere cleared the session (and with it the
    CSRF token): keep the typed values for after login when the post comes from our own
    pages (Origin/Referer), otherwise answer like every other expired form."""
    assignment_id = (request.view_args or {}).get("assignment_id")
    if (
        request.endpoint in SHEET_ENDPOINTS
        and assignment_id is not None
        and not current_user.is_authenticated
        and _same_origin()
    ):
        return _stash_and_login(assignment_id, as_json=request.endpoint == "judge.autosave")
    title = _("The form has expired")
    message = _(
        "The security token of this form is missing or has expired. "
        "Go back, reload the page and send the form again; nothing was changed."
    )
    if request.endpoint == "judge.autosave":
        return jsonify(error=message), 400
    return render_template("errors.html", status=400, title=title, message=message), 400


# --- pages --------------------------------------------------------------------------


@bp.get("/")
@login_required
def home():
    rows = judge_rounds(current_user)
    return render_template("judge/home.html", rows=rows, now=clock.now(), time_left=time_left)


@bp.get("/<slug>/rounds/<int:round_id>")
@login_required
def queue(slug: str, round_id: int):
    round_ = db.session.scalar(
        sa.select(Round).join(Round.contest).where(Round.id == round_id, Contest.slug == slug)
        .options(sa.orm.contains_eager(Round.contest))
    )
    if round_ is None or not can_view_round_queue(current_user, round_):
        abort(404)
    contest = round_.contest
    g.contest = contest
    now = clock.now()
    items = judge_queue(round_, current_user)
    state = request.args.get("state", "")
    genre = request.args.get("genre", "")
    genres = []
    for a in items:
        if a.entry.genre not in genres:
            genres.append(a.entry.genre)
    shown = [
        a for a in items
        if (state not in STATES or sheet_state(a.sheet) == state)
        and (not genre or a.entry.genre.code == genre)
    ]
    submitted = sum(1 for a in items if sheet_state(a.sheet) == SUBMITTED)
    return render_template(
        "judge/queue.html", contest=contest, round=round_, items=shown, total=len(items),
        submitted=submitted, genres=genres, state=state if state in STATES else "",
        genre=genre, states=STATES, sheet_state=sheet_state, now=now,
        time_left=time_left(round_.closes_at, now), scoring=round_is_scoring(round_, now),
    )


def _render_sheet(assignment: Assignment, form: ScoreSheetForm, *, values: dict[str, str],
                  errors: dict[str, str] | None = None, notice: str | None = None,
                  error: str | None = None, status: int = 200):
    round_ = assignment.round
    now = clock.now()
    prev_id, next_id, position, count = queue_neighbours(assignment)
    sheet = assignment.sheet
    if not form.version.data:
        form.version.data = str(sheet.version if sheet is not None else 0)
    if form.comment.data is None and sheet is not None:
        form.comment.data = sheet.comment
    return render_template(
        "judge/sheet.html", assignment=assignment, entry=assignment.entry, round=round_,
        contest=round_.contest, sheet=sheet, form=form, values=values, errors=errors or {},
        notice=notice, error=error, media=_media(assignment),
        authors=visible_authors(assignment), state=sheet_state(sheet),
        can_score=can_score_assignment(current_user, assignment, now=now),
        can_declare=can_declare_conflict(current_user, assignment),
        scoring=round_is_scoring(round_, now), prev_id=prev_id, next_id=next_id,
        position=position, count=count, now=now, time_left=time_left(round_.closes_at, now),
        score_prefix=SCORE_PREFIX, fmt=fmt_decimal,
    ), status


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
def sheet(assignment_id: int):
    if not current_user.is_authenticated:
        if request.method == "POST":
            return _stash_and_login(assignment_id, as_json=False)
        return current_app.login_manager.unauthorized()
    assignment = _load_for_judge(assignment_id)
    form = ScoreSheetForm()
    if request.method == "GET":
        pending = stash.read(request, assignment_id)
        if pending is None:
            return _render_sheet(assignment, form, values=_saved_values(assignment.sheet))
        form.comment.data = pending["comment"]
        form.version.data = pending["version"]
        notice = _("The scores you typed before your session expired have been restored; "
                   "check them and save.")
        if pending["truncated"]:
            notice += " " + _("The comment was too long to keep in full; check its end.")
        response = current_app.make_response(
            _render_sheet(assignment, form, values=pending["values"], notice=notice)
        )
        stash.clear(response)
        return response
    criteria = assignment.round.criteria
    values = score_values(request.form, criteria)
    if not form.validate_on_submit():
        return _render_sheet(assignment, form, values=values, status=422,
                             error=_("The sheet could not be saved; see the marked fields."))
    submitting = request.form.get("action") == "submit"
    now = clock.now()
    service = submit_sheet if submitting else save_draft
    try:
        sheet = service(assignment=assignment, judge=current_user, values=values,
                        comment=form.comment.data or "",
                        expected_version=form.expected_version(), now=now)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        assignment = _load_for_judge(assignment_id)
        message = exc.message
        if isinstance(exc, StaleEdit):
            message = exc.message + " " + _(
                "The values you typed are shown below: check them and save again to keep "
                "them, or reload the page to see the saved sheet."
            )
            current = assignment.sheet
            form.version.data = str(current.version if current is not None else 0)
        elif isinstance(exc, ScoreLocked):
            form.version.data = ""
        return _render_sheet(assignment, form, values=values, error=message,
                             errors=_field_errors(exc, assignment.round), status=exc.status)
    tz = assignment.round.contest.timezone
    if submitting:
        flash(_("Score sheet submitted at %(time)s. Total: %(total)s.",
                time=format_dt(sheet.submitted_at, tz), total=format_num(sheet.total, trim=True)),
              "success")
        _prev, next_id, _pos, _count = queue_neighbours(assignment)
        if next_id is not None:
            return redirect(url_for("judge.sheet", assignment_id=next_id))
        return redirect(url_for("judge.queue", slug=assignment.round.contest.slug,
                                round_id=assignment.round_id))
    flash(_("Draft saved at %(time)s.", time=to_local(sheet.updated_at, tz).strftime("%H:%M")),
          "success")
    return redirect(url_for("judge.sheet", assignment_id=assignment_id))


@bp.post("/assignments/<int:assignment_id>/autosave")
def autosave(assignment_id: int):
    """The score sheet's script saves the draft here every few seconds while typing."""
    if not current_user.is_authenticated:
        return _stash_and_login(assignment_id, as_json=True)
    assignment = load_assignment(assignment_id)
    if assignment is None or not can_view_assignment(current_user, assignment):
        return jsonify(error=_("This page does not exist, or you do not have access to it.")), 404
    form = ScoreSheetForm()
    if not form.validate_on_submit():
        return jsonify(error=_("The sheet could not be saved; see the marked fields."),
                       errors={"comment": " ".join(form.comment.errors)}), 422
    values = score_values(request.form, assignment.round.criteria)
    try:
        sheet = save_draft(assignment=assignment, judge=current_user, values=values,
                           comment=form.comment.data or "",
                           expected_version=form.expected_version(), now=clock.now())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        body = jsonify(error=exc.message, errors=_field_errors(exc, assignment.round),
                       stale=isinstance(exc, StaleEdit), locked=isinstance(exc, ScoreLocked))
        return body, exc.status
    tz = assignment.round.contest.timezone
    return jsonify(
        ok=True, version=sheet.version,
        saved_at=to_local(sheet.updated_at, tz).strftime("%H:%M"),
        total=format_num(sheet.total, trim=True),
    )


@bp.route("/assignments/<int:assignment_id>/conflict", methods=["GET", "POST"])
@login_required
def conflict(assignment_id: int):
    assignment = _load_for_judge(assignment_id)
    if not can_declare_conflict(current_user, assignment):
        abort(404)
    form = ConflictForm()
    queue_url = url_for("judge.queue", slug=assignment.round.contest.slug,
                        round_id=assignment.round_id)
    if form.validate_on_submit():
        try:
            declare_conflict(assignment=assignment, judge=current_user,
                             reason=form.reason.data, now=clock.now())
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            assignment = _load_for_judge(assignment_id)
            form.reason.errors = [*form.reason.errors, exc.message]
            return render_template("judge/conflict.html", assignment=assignment, form=form,
                                   queue_url=queue_url), exc.status
        flash(_("Your conflict of interest is recorded and the work has left your queue. "
                "The secretariat will assign another judge."), "success")
        return redirect(queue_url)
    return render_template("judge/conflict.html", assignment=assignment, form=form,
                           queue_url=queue_url), 422 if form.errors else 200
