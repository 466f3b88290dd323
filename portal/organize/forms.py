"""Forms of the secretariat's screens (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import IntegerField as _IntegerField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.formfields import DayDateField, DayTimeField, DecimalTextField
from portal.models import Contest, Entry, Membership

NUMBER = _l("Enter a whole number.")
DATE = _l("Enter a date.")
DATETIME = _l("Enter a date and time.")


def _parse_error(field_class, message):
    """A field whose unparseable input gets our translated message, not WTForms' English."""

    class Field(field_class):
        def process_formdata(self, valuelist):
            try:
                super().process_formdata(valuelist)
            except ValueError as exc:
                raise ValueError(str(message)) from exc

    Field.__name__ = field_class.__name__
    return Field


IntegerField = _parse_error(_IntegerField, NUMBER)


def status_choices():
    labels = {
        Contest.DRAFT: _l("Draft (not visible)"),
        Contest.OPEN: _l("Open for submissions"),
        Contest.CLOSED: _l("Submissions closed"),
        Contest.JUDGING: _l("Judging"),
        Contest.PUBLISHED: _l("Results published"),
    }
    return [(s, labels[s]) for s in Contest.STATUSES]


class SettingsForm(FlaskForm):
    name = StringField(_l("Name (Vietnamese)"), validators=[Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=255)])
    year = IntegerField(_l("Year"), validators=[InputRequired(NUMBER)])
    number = IntegerField(_l("Edition number"), validators=[InputRequired(NUMBER)])
    organizing_body = StringField(_l("Organizing body"), validators=[Length(max=255)])
    issuing_body = StringField(_l("Body issuing the decision (lines separated by /)"),
                               validators=[Length(max=255)])
    name_style = SelectField(_l("Authors' names in public lists and the annex"), choices=[
        ("pen", _l("Pen name")), ("full", _l("Full name")),
        ("full_pen", _l("Full name (pen name)"))], default="pen")
    document_place = StringField(_l("Place on the decision's date line"),
                                 validators=[Length(max=120)])
    province = StringField(_l("Province"), validators=[Length(max=120)])
    timezone = StringField(_l("Time zone"), validators=[Length(max=60)])
    ref_prefix = StringField(_l("Reference prefix"), validators=[Length(max=20)])
    publication_start = DayDateField(_l("Publication window starts"),
                                  validators=[InputRequired(DATE)])
    publication_end = DayDateField(_l("Publication window ends"),
                                   validators=[InputRequired(DATE)])
    submission_opens = DayTimeField(_l("Submissions open"), validators=[InputRequired(DATETIME)])
    submission_closes = DayTimeField(_l("Submissions close"),
                                     validators=[InputRequired(DATETIME)])
    per_author_cap = IntegerField(_l("Works per author (cap)"), validators=[InputRequired(NUMBER)])
    max_authors = IntegerField(_l("Authors per work (max)"), validators=[InputRequired(NUMBER)])
    max_parts = IntegerField(_l("Parts per series (max)"), validators=[InputRequired(NUMBER)])
    status = SelectField(_l("Status"), choices=status_choices)
    allow_quota_transfer = BooleanField(_l("Allow moving unused prize quotas between genres"))
    special_prize_count = IntegerField(_l("Special prizes"), validators=[InputRequired(NUMBER)])
    release_averages = BooleanField(_l("Publish average scores with the results"))
    national_reason_required = BooleanField(
        _l("Require a reason for each work sent to the national award"))
    entry_routes = SelectField(_l("How entries are sent"), choices=[
        (Contest.ROUTE_BOTH, _l("By each entrant or in an agency's dossier")),
        (Contest.ROUTE_INDIVIDUAL, _l("By each entrant only")),
        (Contest.ROUTE_AGENCY, _l("Only in an agency's dossier")),
    ], default=Contest.ROUTE_BOTH)

    # Errors for these may come from the service's cross-field rules.
    SERVICE_FIELDS = ("name", "timezone", "ref_prefix", "year", "number", "per_author_cap",
                      "max_authors", "max_parts", "special_prize_count", "status",
                      "publication_start", "publication_end", "submission_opens",
                      "submission_closes", "entry_routes")


class SlotForm(FlaskForm):
    formats = StringField(_l("Accepted formats"), validators=[Length(max=120)])
    max_size_mb = DecimalTextField(_l("Maximum size per file (MB)"),
                                   validators=[InputRequired(_l("Enter a number."))])
    min_count = IntegerField(_l("Minimum number of files"), validators=[InputRequired(NUMBER)])
    max_count = IntegerField(_l("Maximum number of files"), validators=[InputRequired(NUMBER)])
    required = BooleanField(_l("Required"))


class LevelForm(FlaskForm):
    """Minimum score plus one quota field per genre, added at construction."""

    min_score = DecimalTextField(_l("Minimum score (empty: none)"), validators=[Optional()])


def level_form(genres, **kwargs) -> LevelForm:
    class _Form(LevelForm):
        pass

    for genre in genres:
        setattr(_Form, f"quota_{genre.id}",
                IntegerField(genre.name_vi, validators=[InputRequired(NUMBER)]))
    return _Form(**kwargs)


class GrantForm(FlaskForm):
    email = EmailField(_l("E-mail of the account"),
                       filters=[lambda s: s.strip() if isinstance(s, str) else s],
                       validators=[DataRequired(_l("Enter an e-mail address.")),
                                   Email(_l("Enter a valid e-mail address."))])
    role = SelectField(_l("Role"), choices=[(Membership.ORGANIZER, _l("Organizer")),
                                            (Membership.JUDGE, _l("Judge"))])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token (revoke buttons)."""


class RulingForm(FlaskForm):
    ruling = RadioField(_l("Ruling"), choices=[(Entry.ELIGIBLE, _l("Eligible")),
                                               (Entry.INELIGIBLE, _l("Ineligible"))],
                        validators=[InputRequired(_l("Choose eligible or ineligible."))])
    reason = TextAreaField(_l("Reason (required when ineligible or when changing a ruling)"),
                           validators=[Length(max=2000)])
    next = HiddenField()


class RetryJobForm(FlaskForm):
    """The retry button of one failed job on the jobs page."""

    job_id = HiddenField(validators=[DataRequired(), Length(max=100)])
