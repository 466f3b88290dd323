"""Forms of the accounts area: register, log in, passwords and profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
)

from portal.formfields import WholeNumberField, year_of_birth_between
from portal.formfields import phone_number as phone_number_validator

MIN_PASSWORD = 10


class YearField(WholeNumberField):
    not_a_number = _l("Enter the year as four digits, for example 1985.")


year_of_birth_range = year_of_birth_between(
    _l("The year of birth must be between %(first)s and %(last)s."))

phone_number = phone_number_validator(
    r"\+?[0-9 ]+",
    _l("Enter a phone number of 8 to 15 digits; only digits, spaces and a leading + "
       "are allowed."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field():
    return EmailField(
        _l("Email"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your email address.")),
                    Email(_l("Enter a valid email address, for example ten@baohatinh.vn.")),
                    Length(max=254, message=_l("The email address is too long."))],
    )


def _new_password_fields(label):
    password = PasswordField(
        label,
        validators=[DataRequired(_l("Enter a password.")),
                    Length(min=MIN_PASSWORD, max=200,
                           message=_l("The password must have at least %(min)s characters.",
                                      min=MIN_PASSWORD))],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Repeat the password.")),
                    EqualTo("password", _l("The two passwords are not the same."))],
    )
    return password, confirm


class ProfileForm(FlaskForm):
    """The personal details an entry form copies: pen name, birth year, title, agency, phone."""

    pen_name = StringField(_l("Pen name (bút danh)"), validators=[
        Optional(), Length(max=120, message=_l("At most %(max)s characters.", max=120))])
    year_of_birth = YearField(_l("Year of birth"), validators=[
        InputRequired(_l("Enter your year of birth.")), year_of_birth_range])
    title = StringField(_l("Title or position"), validators=[
        Optional(), Length(max=120, message=_l("At most %(max)s characters.", max=120))])
    # Anyone may enter (the national award is open to every citizen whose work a licensed
    # outlet published): a workplace is optional; screening checks each part's outlet.
    workplace = StringField(_l("Workplace (optional)"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)s characters.", max=200))])
    phone = StringField(_l("Phone"), validators=[
        DataRequired(_l("Enter your phone number.")), phone_number])


class RegisterForm(ProfileForm):
    email = _email_field()
    password, confirm = _new_password_fields(_l("Password"))
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter your full name.")),
        Length(max=120, message=_l("At most %(max)s characters.", max=120))])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip],
                       validators=[DataRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Remember me on this computer"))


class AccountForm(ProfileForm):
    pass


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password."))])
    password, confirm = _new_password_fields(_l("New password"))


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields(_l("New password"))


class ConfirmForm(FlaskForm):
    """A button (and its CSRF token): confirm an address, or send a new confirmation link."""
