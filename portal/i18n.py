"""Language and time-zone selection, and date formatting in the edition's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, session
from flask_babel import gettext
from flask_login import current_user

from judging.numbers import SYMBOLS, format_number
from judging.problems import Problem


def select_locale() -> str:
    """Vietnamese first: an explicit choice in the session, then the account, then 'vi'.

    Outside a request (CLI commands, mail sent from a job) the default, Vietnamese, applies.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    contest = getattr(g, "contest", None)
    if contest is not None:
        return contest.timezone
    return current_app.config["TIMEZONE"]


def to_local(value: datetime, tz: str | None = None) -> datetime:
    return value.astimezone(ZoneInfo(tz or select_timezone()))


def format_dt(value: datetime | None, tz: str | None = None) -> str:
    """'17:00 30/09/2025' in the edition's (or the configured) time zone."""
    if value is None:
        return ""
    return to_local(value, tz).strftime("%H:%M %d/%m/%Y")


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def format_num(value, places: int = 2, *, trim: bool = False, sign: bool = False,
               locale: str | None = None) -> str:
    """The ``num`` filter: half-up rounding of the exact value, written the current language's
    way (82,63 in Vietnamese, 82.63 in English); "" for None. See judging.numbers."""
    if value is None:
        return ""
    return format_number(value, locale or select_locale(), places, trim=trim, sign=sign)


def format_input_number(value) -> str:
    """A stored decimal put back into a text input: trailing zeros and grouping dropped, the
    current language's decimal mark ("7,5" in Vietnamese), so it parses again unchanged."""
    if value is None:
        return ""
    return format_number(value, select_locale(), 2, trim=True, group=False)


def decimal_mark() -> str:
    """"," on Vietnamese screens, "." on English ones (for the score sheet's script)."""
    return SYMBOLS.get(select_locale(), SYMBOLS["vi"])[0]


def localized(obj, field: str) -> str:
    """obj.<field>_vi or obj.<field>_en by the current language, falling back to Vietnamese."""
    lang = select_locale()
    value = getattr(obj, f"{field}_{lang}", "") or ""
    return value or getattr(obj, f"{field}_vi", "") or ""


def problem_text(problem: Problem, **params) -> str:
    """The one place a Problem becomes text: its message in the current language, filled
    with its params; `params` override them (an entry id shown as its reference, a
    number written the page language's way)."""
    return gettext(problem.message) % {**problem.params, **params}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["dt"] = format_dt
    app.jinja_env.filters["d"] = format_date
    app.jinja_env.filters["num"] = format_num
    app.jinja_env.filters["num_input"] = format_input_number
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["problem_text"] = problem_text
    app.jinja_env.globals["decimal_mark"] = decimal_mark
    app.jinja_env.globals["current_locale"] = select_locale
