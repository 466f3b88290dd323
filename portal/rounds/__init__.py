"""The organizer's judging screens: rounds, rubrics, panels, assignment, progress, advancement."""

from flask import Blueprint

from portal.rounds import sqlcount

bp = Blueprint("rounds", __name__, url_prefix="/organize/<slug>/rounds")


@bp.record_once
def _register_sql_count(state) -> None:
    sqlcount.init_app(state.app)
