"""Form fields and validators shared by the areas' forms (each area keeps its own wording)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeField, Field, IntegerField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from judging.numbers import parse_decimal
from portal.clock import now
from portal.i18n import format_input_number

MIN_YEAR = 1900


class WholeNumberField(IntegerField):
    """An integer field whose not-a-number error is the subclass's translated message."""

    not_a_number = "Enter a whole number."

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.not_a_number) from exc


def year_of_birth_between(message):
    """A validator: the year lies between MIN_YEAR and this year; `message` takes both."""

    def check(form, field) -> None:
        if field.data is None:
            return
        last = now().year
        if not MIN_YEAR <= field.data <= last:
            raise ValidationError(message % {"first": MIN_YEAR, "last": last})

    return check


def phone_number(pattern: str, message):
    """A validator: empty, or `pattern` with 8 to 15 digits in all."""
    allowed = re.compile(pattern)

    def check(form, field) -> None:
        value = (field.data or "").strip()
        digits = sum(c.isdigit() for c in value)
        if value and (not allowed.fullmatch(value) or not 8 <= digits <= 15):
            raise ValidationError(message)

    return check


def _decimal_places(value: Decimal) -> int:
    """Significant decimal places ("7.50" -> 1), by digits alone: no context rounding and no
    InvalidOperation on a 40-digit number, as quantize() would give."""
    sign, digits, exponent = value.as_tuple()
    while exponent < 0 and digits and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return max(0, -int(exponent))


class DecimalTextField(Field):
    """A decimal typed as text: "7,5" and "7.5" are both 7.5 (``judging.numbers``' rule).

    ``type="number"`` is not used: browsers drop or misread the comma ("1,5" became 15).
    Input that reads two ways ("1.234,5", "1,2,3", "1.234") or has more decimals than
    ``places`` is refused with a message naming the field, never rounded or guessed. A
    stored value is shown back with the interface language's decimal mark ("7,5" in
    Vietnamese); what the user typed is shown back unchanged when the form fails.
    """

    widget = TextInput()
    not_a_number = _l("%(field)s: enter a number, such as 7,5 or 7.5.")
    ambiguous = _l("%(field)s: “%(value)s” can be read two ways; write one decimal mark "
                   "(7,5 or 7.5) and no thousands separator.")
    too_precise = _l("%(field)s: use at most %(places)s decimal places, not “%(value)s”.")

    def __init__(self, label=None, validators=None, places: int = 2, **kwargs):
        render_kw = {"inputmode": "decimal", "pattern": "[+]?[0-9]*[.,]?[0-9]*",
                     "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.places = places

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        value, code = parse_decimal(text)
        self.data = None
        if code == "missing":
            return
        params = {"field": self.label.text, "value": (text or "").strip()[:40],
                  "places": self.places}
        if code == "ambiguous":
            raise ValueError(self.ambiguous % params)
        if code is not None:
            raise ValueError(self.not_a_number % params)
        if _decimal_places(value) > self.places:
            raise ValueError(self.too_precise % params)
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_input_number(self.data)


class DayDateField(DateField):
    """A date typed and shown as dd/mm/yyyy whatever the browser's locale (a native date input
    shows 11/20/2025 in an English browser); yyyy-mm-dd is accepted too."""

    widget = TextInput()
    formats = ("%d/%m/%Y", "%Y-%m-%d")
    pattern = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
    placeholder = _l("dd/mm/yyyy")
    invalid = _l("Enter the date as dd/mm/yyyy, for example 30/09/2026.")

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"pattern": self.pattern, "placeholder": self.placeholder,
                     "autocomplete": "off",
                     **(kwargs.pop("render_kw", None) or {})}
        kwargs.pop("format", None)
        super().__init__(label, validators, format=list(self.formats), render_kw=render_kw,
                         **kwargs)

    def process_formdata(self, valuelist):
        text = " ".join((valuelist[0] if valuelist else "").split())
        if not text:
            self.data = None
            return
        for fmt in self.format:
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            self.data = parsed.date() if type(self) is DayDateField else parsed
            return
        self.data = None
        raise ValueError(str(self.invalid))


class DayTimeField(DayDateField, DateTimeField):
    """A date and 24-hour time typed and shown as dd/mm/yyyy hh:mm (naive: the view reads it in
    the edition's time zone); the ISO form yyyy-mm-ddThh:mm is accepted too."""

    formats = ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
    pattern = (r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
    placeholder = _l("dd/mm/yyyy hh:mm")
    invalid = _l("Enter the date and time as dd/mm/yyyy hh:mm (24-hour), "
                 "for example 30/09/2026 17:00.")
