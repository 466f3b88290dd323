"""Views of the home page and the language switcher."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.extensions import db
from portal.main import bp
from portal.models import Contest
from portal.security import safe_next


@bp.get("/")
def index():
    contests = db.session.scalars(
        sa.select(Contest).where(Contest.status != Contest.DRAFT).order_by(Contest.year.desc())
    ).all()
    return render_template("main/index.html", contests=contests)


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
