"""The organizer's judging screens: rounds, rubrics, panels, assignment, progress, advancement."""

from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/organize/<slug>/rounds")


@bp.record_once
def _register_sql_count(state) -> None:
    from portal.rounds import sqlcount

    sqlcount.init_app(state.app)


from portal.rounds import views  # noqa: E402,F401
