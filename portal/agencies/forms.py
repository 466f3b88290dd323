"""Forms of the agencies area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length


def _strip(s):
    return s.strip() if isinstance(s, str) else s


class AgencyForm(FlaskForm):
    name = StringField(_l("Name of the agency or unit"), filters=[_strip],
                       validators=[DataRequired(_l("Enter the agency's name.")),
                                   Length(max=255)])


class FocalPointForm(FlaskForm):
    email = EmailField(_l("E-mail of the focal point's account"), filters=[_strip],
                       validators=[DataRequired(_l("Enter an e-mail address.")),
                                   Email(_l("Enter a valid e-mail address."))])


class ButtonForm(FlaskForm):
    """Only the CSRF token: confirm, withdraw a confirmation, send the dossier."""
