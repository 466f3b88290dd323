"""Forms of the results review: level change, forwarding, incomplete entries, decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.formfields import DayDateField, DecimalTextField
from portal.i18n import localized

NO_PRIZE = "-"


class LevelForm(FlaskForm):
    level = SelectField(_l("Prize level"), choices=[])
    reason = TextAreaField(_l("Reason for the change"),
                           validators=[DataRequired(_l("Give the reason for changing the "
                                                       "prize level.")), Length(max=2000)])
    submit = SubmitField(_l("Save level"))


class ForwardForm(FlaskForm):
    forwarded = BooleanField(_l("Send to the national award"))
    reason = TextAreaField(_l("Reason for sending it"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save the selection"))


class AcceptIncompleteForm(FlaskForm):
    reason = TextAreaField(_l("Reason for accepting fewer score sheets"),
                           validators=[DataRequired(_l("Give the reason for accepting an "
                                                       "incomplete entry.")),
                                       Length(max=2000)])
    submit = SubmitField(_l("Accept and rank"))


class DecisionForm(FlaskForm):
    number = StringField(_l("Decision number"),
                         validators=[DataRequired(_l("Enter the decision number.")),
                                     Length(max=120)])
    decided_on = DayDateField(_l("Decision date"),
                              validators=[DataRequired(_l("Enter the decision date."))])
    submit = SubmitField(_l("Save decision"))


class TiebreakForm(FlaskForm):
    """Up to three of the round's criteria, chosen by name from lists, in order."""

    first = SelectField(_l("First tie-break criterion"), choices=[], validate_choice=False)
    second = SelectField(_l("Second tie-break criterion"), choices=[], validate_choice=False)
    third = SelectField(_l("Third tie-break criterion"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save tie-break"))

    def fill(self, criteria, current: list[str]):
        """Offer the round's criteria by name; preselect the saved order (GET only)."""
        choices = [("", _l("(none)"))] + [(c.code, localized(c, "name")) for c in criteria]
        for i, field in enumerate((self.first, self.second, self.third)):
            field.choices = choices
            if not self.is_submitted():
                field.data = current[i] if i < len(current) else ""
        return self

    def codes(self) -> list[str]:
        picked = [f.data for f in (self.first, self.second, self.third) if f.data]
        return list(dict.fromkeys(picked))


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Publish results"))


class CategoryForm(FlaskForm):
    """One prize category's decision: accept the ranking's proposal, add the council's
    choice (with a reason), or clear it."""

    category = StringField(validators=[DataRequired(), Length(max=20)])
    action = SelectField(choices=[("accept", "accept"), ("award", "award"),
                                  ("clear", "clear")], validators=[DataRequired()])
    name = StringField(_l("Recipient"), validators=[Optional(), Length(max=255)])
    reference = StringField(_l("Reference of the work"), validators=[Optional(), Length(max=40)])
    reason = TextAreaField(_l("The council's reason"), validators=[Optional(), Length(max=2000)])


class SharesForm(FlaskForm):
    """One percentage per author of a prize-winning work, added at construction; all empty
    means an equal split."""

    submit = SubmitField(_l("Save the shares"))


def shares_form(authors, **kwargs) -> SharesForm:
    class _Form(SharesForm):
        pass

    for author in authors:
        setattr(_Form, f"share_{author.id}",
                DecimalTextField(author.full_name, validators=[Optional()], places=2))
    return _Form(**kwargs)
