"""The entry form: work, parts, authors and declarations; plus the small action forms.

Only structural rules live here (lengths, formats, counts): a draft saves whenever
these pass. The award's screening rules run at submission (services.screening_problems).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from judging.eligibility import check_url
from portal.entries.services import AuthorData, EntryData, PartData
from portal.formfields import WholeNumberField, phone_number, year_of_birth_between
from portal.i18n import localized
from portal.models import Contest, Entry, EntryAuthor

MAX_ROWS = 50  # a sanity bound on posted rows; the edition's limits are far lower


class FlexibleDateField(DateField):
    """A date typed as dd/mm/yyyy or yyyy-mm-dd; shown back as dd/mm/yyyy."""

    widget = TextInput()  # not type=date: browsers would reject dd/mm/yyyy

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%d/%m/%Y", "%Y-%m-%d"], **kwargs)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        for fmt in self.format:
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Enter the date as dd/mm/yyyy, for example 30/09/2026."))


class YearOfBirthField(WholeNumberField):
    not_a_number = _l("Enter the year of birth as four digits, for example 1985.")


_year_range = year_of_birth_between(
    _l("Enter a year of birth between %(first)s and %(last)s."))

_phone = phone_number(r"\+?[0-9 .()-]+", _l("Enter a phone number of 8 to 15 digits."))


def _url(form, field) -> None:
    value = (field.data or "").strip()
    if value and not check_url(value):
        raise ValidationError(_l("Enter a full web address starting with http:// or https://."))


def _len(n: int) -> Length:
    return Length(max=n, message=_l("Enter at most %(max)d characters (you entered %(length)d)."))


class CountField(WholeNumberField):
    not_a_number = _l("Enter a whole number.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _texts(data: dict, *keep_none: str) -> dict:
    """A row's data with absent text fields as "" (the columns are NOT NULL)."""
    return {k: ("" if v is None and k not in keep_none else v) for k, v in data.items()}


class PartForm(Form):
    """One part (kỳ); a single work has exactly one."""

    title = StringField(_l("Part title"), [_len(300)], filters=[_strip])
    published_on = FlexibleDateField(_l("Publication date (dd/mm/yyyy)"), [Optional()])
    outlet = StringField(_l("Press outlet"), [_len(200)], filters=[_strip])
    section = StringField(_l("Section or programme"), [_len(200)], filters=[_strip])
    url = StringField(_l("Address (URL)"), [_len(1000), _url], filters=[_strip])


class AuthorForm(Form):
    full_name = StringField(_l("Full name"), [DataRequired(_l("Enter the author's full name.")),
                                              _len(120)], filters=[_strip])
    pen_name = StringField(_l("Pen name"), [_len(120)], filters=[_strip])
    year_of_birth = YearOfBirthField(_l("Year of birth"), [Optional(), _year_range])
    workplace = StringField(_l("Workplace"), [_len(200)], filters=[_strip])
    title = StringField(_l("Title / position"), [_len(120)], filters=[_strip])
    phone = StringField(_l("Phone"), [_len(30), _phone], filters=[_strip])
    email = StringField(_l("Email"), [Optional(), _len(254),
                                      Email(_l("Enter a valid email address."))],
                        filters=[_strip])
    role = SelectField(_l("Role"), choices=[(EntryAuthor.LEAD, _l("Lead author")),
                                            (EntryAuthor.CO, _l("Co-author"))],
                       default=EntryAuthor.CO)
    can_manage_files = BooleanField(_l("May upload and delete the entry's files"))


class EntryForm(FlaskForm):
    """The whole entry; `contest` gives the genres and the edition's limits."""

    version = HiddenField()
    genre_id = SelectField(_l("Genre"), coerce=int,
                           validators=[DataRequired(_l("Choose a genre."))])
    title = StringField(_l("Title of the work"),
                        [DataRequired(_l("Enter the title of the work.")), _len(300)],
                        filters=[_strip])
    form = RadioField(_l("Form"), choices=[(Entry.SINGLE, _l("Single work")),
                                           (Entry.SERIES, _l("Series (several parts)"))],
                      default=Entry.SINGLE)
    parts_count = CountField(_l("Number of parts"), default=1)
    parts = FieldList(FormField(PartForm), min_entries=1)
    summary = TextAreaField(_l("Summary"), [_len(5000)], filters=[_strip])
    language = StringField(_l("Language"), [_len(60)], default="Tiếng Việt",
                           filters=[_strip])
    authors = FieldList(FormField(AuthorForm))
    prior_prize = BooleanField(_l("This work has already won a prize elsewhere"))
    prior_prize_name = StringField(_l("Which prize"), [_len(255)], filters=[_strip])
    prior_prize_level = StringField(_l("Level"), [_len(120)], filters=[_strip])
    prior_prize_giver = StringField(_l("Given by"), [_len(255)], filters=[_strip])
    not_national_award = BooleanField(
        _l("I confirm that this work did not win the National Press Award "
           "(Giải Báo chí Quốc gia)."))
    accepted_rules = BooleanField(_l("I have read and accept the rules of this edition."))
    # The service checks the agency is on the edition's list.
    agency_id = SelectField(_l("Sending agency"), coerce=int, validate_choice=False,
                            default=0)

    def __init__(self, *args, contest: Contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.contest = contest
        self.genre_id.choices = [(g.id, localized(g, "name")) for g in contest.genres]
        self.agency_id.choices = [(0, _l("None: I send the work myself"))] + (
            [(a.id, a.name) for a in contest.agencies] if contest.agency_route_open else [])
        # Errors about a whole list (how many authors, which one leads).
        self.list_errors: dict[str, list[str]] = {"parts": [], "authors": []}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        c = self.contest
        n_parts = len(self.parts.entries)
        declared = self.parts_count.data
        if n_parts > MAX_ROWS or len(self.authors.entries) > MAX_ROWS:
            self.list_errors["parts"].append(_l("Too many rows."))
            return False
        if declared is None:
            if not self.parts_count.errors:
                self.parts_count.errors.append(_l("Enter the number of parts."))
        elif self.form.data == Entry.SINGLE and declared != 1:
            self.parts_count.errors.append(
                _l("A single work has exactly one part; choose “Series” for several parts."))
        elif self.form.data == Entry.SERIES and declared < 2:
            self.parts_count.errors.append(_l("A series has at least 2 parts."))
        elif declared > c.max_parts:
            self.parts_count.errors.append(
                _l("A series may have at most %(max)s parts in this edition.", max=c.max_parts))
        elif declared != n_parts:
            self.parts_count.errors.append(
                _l("You declared %(declared)s parts but filled in %(actual)s. Add or remove "
                   "parts so that they match.", declared=declared, actual=n_parts))
        n_authors = len(self.authors.entries)
        if n_authors == 0:
            self.list_errors["authors"].append(_l("Name at least one author."))
        elif n_authors > c.max_authors:
            self.list_errors["authors"].append(
                _l("An entry may name at most %(max)s authors in this edition; you named "
                   "%(actual)s.", max=c.max_authors, actual=n_authors))
        leads = sum(1 for a in self.authors.entries if a.form.role.data == EntryAuthor.LEAD)
        if n_authors and leads != 1:
            self.list_errors["authors"].append(_l("Mark exactly one author as the lead author."))
        if self.prior_prize.data:
            for fld in (self.prior_prize_name, self.prior_prize_level, self.prior_prize_giver):
                if not fld.data:
                    fld.errors.append(_l("Required when the work has already won a prize."))
        return (ok and not self.parts_count.errors and not any(self.list_errors.values())
                and not any(f.errors for f in (self.prior_prize_name, self.prior_prize_level,
                                               self.prior_prize_giver)))

    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None

    def to_data(self) -> EntryData:
        """The validated values as plain data for the services."""
        return EntryData(
            genre_id=self.genre_id.data,
            title=self.title.data,
            form=self.form.data,
            parts_count=self.parts_count.data,
            summary=self.summary.data or "",
            language=self.language.data or "",
            parts=[PartData(**_texts(p.data, "published_on")) for p in self.parts.entries],
            authors=[AuthorData(**_texts(a.data, "year_of_birth")) for a in self.authors.entries],
            prior_prize=bool(self.prior_prize.data),
            prior_prize_name=self.prior_prize_name.data or "",
            prior_prize_level=self.prior_prize_level.data or "",
            prior_prize_giver=self.prior_prize_giver.data or "",
            not_national_award=bool(self.not_national_award.data),
            accepted_rules=bool(self.accepted_rules.data),
            agency_id=self.agency_id.data or None,
        )


class ActionForm(FlaskForm):
    """Submit, withdraw, reopen, delete: only the CSRF token and the version seen."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None
