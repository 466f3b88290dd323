"""Views of the secretariat's screens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user, login_required

from portal import permissions
from portal.extensions import db
from portal.models import Contest
from portal.organize import bp


@bp.get("/")
@login_required
def home():
    if permissions.is_admin(current_user):
        contests = db.session.scalars(sa.select(Contest).order_by(Contest.year.desc())).all()
    else:
        ids = permissions.organizer_contest_ids(current_user)
        if not ids:
            abort(403)
        contests = db.session.scalars(
            sa.select(Contest).where(Contest.id.in_(ids)).order_by(Contest.year.desc())
        ).all()
    return render_template("organize/home.html", contests=contests)
