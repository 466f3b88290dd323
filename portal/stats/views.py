"""The edition dashboard and the judging charts. Each answers 404 when
`can_view_statistics` fails, like the other secretariat screens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, render_template
from flask_login import current_user, login_required

from portal import clock
from portal.extensions import db
from portal.models import Contest
from portal.stats import bp, services
from portal.stats.figures import edition_figures, round_figures, size_text
from portal.stats.judging import load_round, round_stats
from portal.stats.permissions import can_view_statistics


def _contest(slug: str) -> Contest:
    contest = db.first_or_404(sa.select(Contest).where(Contest.slug == slug))
    if not can_view_statistics(current_user, contest, now=clock.now()):
        abort(404)
    g.contest = contest
    return contest


@bp.get("/<slug>/dashboard")
@login_required
def dashboard(slug):
    contest = _contest(slug)
    stats = services.edition_stats(contest)
    return render_template("stats/dashboard.html", contest=contest, stats=stats,
                           figures=edition_figures(stats),
                           stored=size_text(stats.bytes_stored))


@bp.get("/<slug>/stats/rounds/<int:round_id>")
@login_required
def judging(slug, round_id):
    contest = _contest(slug)
    rnd = load_round(contest, round_id)
    if rnd is None:
        abort(404)
    stats = round_stats(contest, rnd, now=clock.now())
    return render_template("stats/judging.html", contest=contest, round=rnd, stats=stats,
                           figures=round_figures(stats))
