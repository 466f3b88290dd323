"""Forms of the organizer's judging screens."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.formfields import DayTimeField, DecimalTextField

AGGREGATION_CHOICES = [
    ("mean", _l("Mean")),
    ("trimmed_mean", _l("Trimmed mean (drop highest and lowest)")),
    ("median", _l("Median")),
    ("zscore", _l("Standardised (z-score) mean")),
]
RULE_CHOICES = [("top_n", _l("Top N per genre")), ("min_score", _l("Minimum score"))]
STEP_CHOICES = [("1", "1"), ("0.5", "0.5")]


class RoundForm(FlaskForm):
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    opens_at = DayTimeField(_l("Scoring opens"), validators=[InputRequired()])
    closes_at = DayTimeField(_l("Scoring closes"), validators=[InputRequired()])
    judges_per_entry = IntegerField(_l("Judges per entry (k)"), default=3,
                                    validators=[InputRequired(), NumberRange(1, 20)])
    blind = BooleanField(_l("Blind judging (judges do not see authors or outlets)"),
                         default=True)
    aggregation = SelectField(_l("Aggregation of judges' totals"), choices=AGGREGATION_CHOICES,
                              default="mean")
    trim_min_sheets = IntegerField(_l("Trim only with at least this many sheets"), default=5,
                                   validators=[InputRequired(), NumberRange(3, 50)])
    disagreement_threshold = DecimalTextField(_l("Disagreement threshold (rubric points)"),
                                              default=Decimal("20"), places=2,
                                              validators=[InputRequired(), NumberRange(0, 10000)])
    advance_rule = SelectField(_l("Advancement rule"), choices=RULE_CHOICES, default="top_n")
    advance_value = DecimalTextField(_l("Value (N, or the minimum score)"),
                                     default=Decimal("5"), places=2,
                                     validators=[InputRequired(), NumberRange(0, 10000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.opens_at.data and self.closes_at.data and \
                self.closes_at.data <= self.opens_at.data:
            self.closes_at.errors.append(_l("Scoring must close after it opens."))
            ok = False
        # Only on a value the field accepted: 1e308 % 1 or NaN < 1 raise InvalidOperation.
        if self.advance_rule.data == "top_n" and self.advance_value.data is not None and \
                not self.advance_value.errors and (
                self.advance_value.data < 1 or self.advance_value.data % 1 != 0):
            self.advance_value.errors.append(
                _l("For “top N per genre” the value is a whole number of entries, 1 or more."))
            ok = False
        return ok


class CriterionRow(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=30)])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[Optional(), Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    max_score = DecimalTextField(_l("Maximum"), places=2, validators=[Optional()])
    step = SelectField(_l("Step"), choices=STEP_CHOICES, default="1")
    weight = DecimalTextField(_l("Weight"), places=2, default=Decimal(1), validators=[Optional()])
    order = IntegerField(_l("Order"), validators=[Optional()])
    remove = BooleanField(_l("Remove"))

    def is_blank(self) -> bool:
        """A row the organizer left empty (the spare row for adding a criterion)."""
        texts = (self.code, self.name_vi, self.name_en, self.description)
        raw_max = (self.max_score.raw_data or [""])[0]
        return not any((f.data or "").strip() for f in texts) and not str(raw_max).strip()


class RubricForm(FlaskForm):
    criteria = FieldList(FormField(CriterionRow), min_entries=1)


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PanelForm(FlaskForm):
    name = StringField(_l("Panel name"), validators=[DataRequired(), Length(max=120)])
    genres = MultiCheckboxField(_l("Genres"), coerce=int)
    judges = MultiCheckboxField(_l("Judges"), coerce=int)


class SimpleForm(FlaskForm):
    """A button-only form: just the CSRF token."""


class AssignForm(FlaskForm):
    seed = IntegerField(_l("Seed (same seed, same assignment)"),
                        validators=[InputRequired(), NumberRange(0, 2**31 - 1)])


class ManualAssignForm(FlaskForm):
    entry_id = SelectField(_l("Entry"), coerce=int)
    judge_id = SelectField(_l("Judge"), coerce=int)
    override = BooleanField(_l("Assign despite the conflict"))


class SwapForm(FlaskForm):
    judge_id = SelectField(_l("New judge"), coerce=int)
    override = BooleanField(_l("Assign despite the conflict"))


class RecuseForm(FlaskForm):
    reason = StringField(_l("Reason for the recusal"), validators=[DataRequired(),
                                                                   Length(max=500)])


class ReplacementForm(FlaskForm):
    judge_id = HiddenField(validators=[DataRequired()])


class ReopenForm(FlaskForm):
    reason = StringField(_l("Reason for reopening"), validators=[DataRequired(),
                                                                 Length(max=500)])
