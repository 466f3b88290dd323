"""Form fields and validators shared by the areas' forms (each area keeps its own wording)."""

from __future__ import annotations

import re

from wtforms import IntegerField
from wtforms.validators import ValidationError

from portal.clock import now

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
