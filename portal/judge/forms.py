"""Forms of the judge's pages: the score sheet and the conflict-of-interest declaration.

The per-criterion score inputs are named ``score-<criterion code>``; their values are
checked by the service with ``judging.rubric.validate_scores`` (maximum, step, number),
so the same rules hold for the plain form, the JSON autosave and any other caller.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.judge.services import MAX_COMMENT

SCORE_PREFIX = "score-"


class ScoreSheetForm(FlaskForm):
    """Comment, the sheet version the page was built from, and the chosen action."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_COMMENT)])
    version = HiddenField()
    action = HiddenField()  # sent by the button pressed: "save" or "submit"

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Explain the conflict of interest: the reason is required.")),
            Length(max=MAX_COMMENT),
        ],
    )


def score_values(formdata, criteria) -> dict[str, str]:
    """The raw text typed for each criterion, keyed by criterion code."""
    return {c.code: (formdata.get(SCORE_PREFIX + c.code) or "") for c in criteria}
