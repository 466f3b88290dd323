"""Views: the organizer's results review and decisions, publication, exports, public results."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from judging.aggregation import AGREEMENT_HELP, DISAGREEMENT_RULE, agreement_level
from portal import clock
from portal.errors import DomainError
from portal.exports import (
    closing_report,
    national_dossier,
    results_csv,
    results_pdf,
    results_xlsx,
)
from portal.extensions import db
from portal.i18n import format_num
from portal.loading import load_or_404
from portal.models import Contest, Entry, PrizeCategory, ResultSnapshot, Round
from portal.results import bp, categories, services
from portal.results.forms import (
    NO_PRIZE,
    AcceptIncompleteForm,
    CategoryForm,
    DecisionForm,
    ForwardForm,
    LevelForm,
    PublishForm,
    TiebreakForm,
    shares_form,
)
from portal.results.permissions import (
    can_decide_results,
    can_export_judge_sheets,
    can_export_results,
    can_review_results,
    can_view_published_results,
)
from portal.storage import get_storage


def _snapshots(contest: Contest) -> list[ResultSnapshot]:
    return list(db.session.execute(
        sa.select(ResultSnapshot.version, ResultSnapshot.published_at, ResultSnapshot.sha256)
        .where(ResultSnapshot.contest_id == contest.id).order_by(ResultSnapshot.version)
    ).all())


def _render_review(contest: Contest, *, decision_form=None, tiebreak_form=None,
                   category_form=None, status=200):
    review = services.review_results(contest)
    category_views = categories.propose_categories(review, categories.categories_of(contest))
    if decision_form is None:
        decision_form = DecisionForm(number=contest.decision_number,
                                     decided_on=contest.decision_date)
    if tiebreak_form is None and review.round is not None:
        tiebreak_form = TiebreakForm().fill(review.round.criteria,
                                            services.tiebreak_codes(review.round))
    disagreement_rule = _(DISAGREEMENT_RULE) % {
        "threshold": format_num(review.round.disagreement_threshold, trim=True)
    } if review.round is not None else ""
    return render_template(
        "results/review.html", contest=contest, review=review,
        decision_form=decision_form, tiebreak_form=tiebreak_form, publish_form=PublishForm(),
        snapshots=_snapshots(contest), agreement_help=_(AGREEMENT_HELP),
        agreement_level=agreement_level,
        disagreement_rule=disagreement_rule, forwarded_counts=review.forwarded_counts(),
        category_views=category_views, category_form=category_form or CategoryForm(),
    ), status


@bp.get("/<slug>/review")
@login_required
def review(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_review_results)
    return _render_review(contest)


@bp.post("/<slug>/decision")
@login_required
def decision(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_review(contest, decision_form=form, status=422)
    try:
        services.record_decision(contest, number=form.number.data,
                                 decided_on=form.decided_on.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_review(contest, decision_form=form, status=exc.status)
    db.session.commit()
    flash(_("Decision recorded."), "success")
    return redirect(url_for("results.review", slug=slug))


@bp.post("/<slug>/tiebreak")
@login_required
def tiebreak(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    round_ = services.final_round(contest) or abort(404)
    form = TiebreakForm().fill(round_.criteria, services.tiebreak_codes(round_))
    if form.validate_on_submit():
        codes = form.codes()
        try:
            services.set_tiebreak(round_, codes=codes, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return _render_review(contest, tiebreak_form=form, status=exc.status)
        db.session.commit()
        flash(_("Tie-break saved."), "success")
        return redirect(url_for("results.review", slug=slug))
    return _render_review(contest, tiebreak_form=form, status=422)


@bp.post("/<slug>/publish")
@login_required
def publish(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    if not PublishForm().validate_on_submit():
        abort(400)
    try:
        snapshot = services.publish(contest, actor=current_user, now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_review(contest, status=exc.status)
    db.session.commit()
    flash(_("Results published as version %(version)d.", version=snapshot.version), "success")
    return redirect(url_for("results.version", slug=slug, n=snapshot.version))


# ---------------------------------------------------------------------------- one entry


def _entry(contest: Contest, entry_id: int) -> Entry:
    return load_or_404(Entry, entry_id, where=lambda e: e.contest_id == contest.id)


def _render_entry(contest, entry, *, level_form=None, forward_form=None, accept_form=None,
                  share_form=None, status=200):
    review = services.review_results(contest, with_agreement=False)
    row = review.results.rows.get(entry.id) if review.results else None
    if row is None:
        abort(404)
    choices = [(NO_PRIZE, _("No prize"))] + [(pl.code, pl.name_vi) for pl in review.levels]
    if level_form is None:
        level_form = LevelForm(level=row.level or NO_PRIZE)
    level_form.level.choices = choices
    if forward_form is None:
        forward_form = ForwardForm(forwarded=row.forwarded,
                                   reason=row.award.forward_reason if row.award else "")
    return render_template(
        "results/entry.html", contest=contest, entry=entry, row=row, review=review,
        level_form=level_form, forward_form=forward_form,
        accept_form=accept_form or AcceptIncompleteForm(),
        share_form=share_form or shares_form(entry.authors, data={
            f"share_{a.id}": a.prize_share for a in entry.authors}),
    ), status


@bp.post("/<slug>/entries/<int:entry_id>/shares")
@login_required
def shares(slug, entry_id):
    """How the group splits the work's prize money among its authors."""
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    entry = _entry(contest, entry_id)
    form = shares_form(entry.authors)
    if not form.validate_on_submit():
        return _render_entry(contest, entry, share_form=form, status=422)
    try:
        services.set_prize_shares(
            contest, entry, shares={a.id: getattr(form, f"share_{a.id}").data
                                    for a in entry.authors}, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_entry(contest, entry, share_form=form, status=exc.status)
    db.session.commit()
    flash(_("The prize money shares are saved."), "success")
    return redirect(url_for("results.entry", slug=slug, entry_id=entry.id))


@bp.get("/<slug>/entries/<int:entry_id>")
@login_required
def entry(slug, entry_id):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_review_results)
    return _render_entry(contest, _entry(contest, entry_id))


@bp.post("/<slug>/entries/<int:entry_id>/level")
@login_required
def set_level(slug, entry_id):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    entry = _entry(contest, entry_id)
    form = LevelForm()
    form.level.choices = [(NO_PRIZE, "")] + [(pl.code, pl.code) for pl in contest.prize_levels]
    if not form.validate_on_submit():
        return _render_entry(contest, entry, level_form=form, status=422)
    try:
        services.set_level(contest, entry,
                           level_code=None if form.level.data == NO_PRIZE else form.level.data,
                           reason=form.reason.data, actor=current_user, now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_entry(contest, entry, level_form=form, status=exc.status)
    db.session.commit()
    flash(_("Prize level saved."), "success")
    return redirect(url_for("results.review", slug=slug, _anchor=f"e{entry.id}"))


@bp.post("/<slug>/entries/<int:entry_id>/forward")
@login_required
def forward(slug, entry_id):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    entry = _entry(contest, entry_id)
    form = ForwardForm()
    if not form.validate_on_submit():
        return _render_entry(contest, entry, forward_form=form, status=422)
    try:
        services.set_forwarded(contest, entry, forwarded=form.forwarded.data,
                               reason=form.reason.data, actor=current_user, now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_entry(contest, entry, forward_form=form, status=exc.status)
    db.session.commit()
    flash(_("Forwarding saved."), "success")
    return redirect(url_for("results.review", slug=slug, _anchor=f"e{entry.id}"))


@bp.post("/<slug>/entries/<int:entry_id>/accept")
@login_required
def accept(slug, entry_id):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    entry = _entry(contest, entry_id)
    form = AcceptIncompleteForm()
    if not form.validate_on_submit():
        return _render_entry(contest, entry, accept_form=form, status=422)
    try:
        services.accept_incomplete(contest, entry, reason=form.reason.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_entry(contest, entry, accept_form=form, status=exc.status)
    db.session.commit()
    flash(_("The entry is accepted with fewer score sheets and is now ranked."), "success")
    return redirect(url_for("results.review", slug=slug, _anchor=f"e{entry.id}"))


@bp.post("/<slug>/categories")
@login_required
def category(slug):
    """Decide one prize category: accept its proposal, add the council's choice, or clear."""
    contest = load_or_404(Contest, Contest.slug == slug, can=can_decide_results)
    form = CategoryForm()
    cat = None
    if form.validate_on_submit():
        cat = db.session.scalar(sa.select(PrizeCategory).where(
            PrizeCategory.contest_id == contest.id, PrizeCategory.code == form.category.data))
    if cat is None:
        flash(_("Choose a prize category of this edition."), "error")
        return _render_review(contest, category_form=form, status=422)
    try:
        if form.action.data == "accept":
            review = services.review_results(contest, with_agreement=False)
            (view,) = categories.propose_categories(review, [cat])
            categories.accept_proposal(cat, view, actor=current_user, now=clock.now())
        elif form.action.data == "award":
            entry = None
            if (form.reference.data or "").strip():
                entry = db.session.scalar(sa.select(Entry).where(
                    Entry.contest_id == contest.id,
                    Entry.reference == form.reference.data.strip().upper()))
                if entry is None:
                    raise services.ResultsError(_("No work of this edition has the reference "
                                                  "%(ref)s.", ref=form.reference.data.strip()))
            categories.award_by_council(cat, name=form.name.data, entry=entry,
                                        reason=form.reason.data, actor=current_user,
                                        now=clock.now())
        else:
            categories.clear_category(cat, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_review(contest, category_form=form, status=exc.status)
    db.session.commit()
    flash(_("The prize %(name)s is saved.", name=cat.name_vi), "success")
    return redirect(url_for("results.review", slug=slug, _anchor=f"cat-{cat.code}"))


# ---------------------------------------------------------------------------- public


def _public(slug: str, version: int | None):
    query = (sa.select(ResultSnapshot).join(Contest, Contest.id == ResultSnapshot.contest_id)
             .where(Contest.slug == slug))
    if version is None:
        query = query.order_by(ResultSnapshot.version.desc()).limit(1)
    else:
        query = query.where(ResultSnapshot.version == version)
    snapshot = db.session.scalar(query)
    if not can_view_published_results(current_user, snapshot, now=clock.now()):
        abort(404)
    payload = services.snapshot_payload(snapshot)
    return render_template("results/public.html", snapshot=snapshot, payload=payload,
                           latest=version is None)


@bp.get("/<slug>")
def public(slug):
    return _public(slug, None)


@bp.get("/<slug>/v/<int:n>")
def version(slug, n):
    return _public(slug, n)


# ---------------------------------------------------------------------------- exports


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.get("/<slug>/export/results.xlsx")
@login_required
def export_xlsx(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_export_results)
    data = results_xlsx.build(contest)
    return _download(data, f"{contest.slug}-ket-qua.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/<slug>/export/<any(prizes, forwarded):which>.csv")
@login_required
def export_csv(slug, which):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_export_results)
    data = results_csv.build(contest, which=which)
    name = "dat-giai" if which == "prizes" else "chuyen-vong-toan-quoc"
    return _download(data, f"{contest.slug}-{name}.csv", "text/csv; charset=utf-8")


@bp.get("/<slug>/export/annex.pdf")
@login_required
def export_annex(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_export_results)
    return _download(results_pdf.annex(contest), f"{contest.slug}-phu-luc-dat-giai.pdf",
                     "application/pdf")


@bp.get("/<slug>/export/report.pdf")
@login_required
def export_report(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_export_results)
    return _download(closing_report.build(contest, now=clock.now()),
                     f"{contest.slug}-bao-cao-tong-ket.pdf", "application/pdf")


@bp.get("/<slug>/export/rounds/<int:round_id>/judges/<int:judge_id>.pdf")
@login_required
def export_judge_sheets(slug, round_id, judge_id):
    # Organizers, and the judge for their own sheets (can_export_judge_sheets).
    contest = load_or_404(Contest, Contest.slug == slug)
    round_ = load_or_404(Round, round_id, where=lambda r: r.contest_id == contest.id)
    if not can_export_judge_sheets(current_user, round_, judge_id):
        abort(404)
    data = results_pdf.judge_sheets(round_, judge_id)
    if data is None:
        abort(404)
    return _download(data, f"{contest.slug}-vong{round_.position}-gk{judge_id}.pdf",
                     "application/pdf")


@bp.get("/<slug>/export/nomination.zip")
@login_required
def export_nomination(slug):
    contest = load_or_404(Contest, Contest.slug == slug, can=can_export_results)
    stream = national_dossier.dossier_stream(
        contest, storage=get_storage(), decision_pdf=results_pdf.annex(contest), now=clock.now())
    return Response(stream, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{contest.slug}-ho-so-toan-quoc.zip"',
        "Cache-Control": "no-store"})
