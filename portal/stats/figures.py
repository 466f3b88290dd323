"""Figures: a chart plus the table of the same numbers (the text alternative), built from
the services' results. Used by the dashboard, the judging page and the closing report."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup

from portal.i18n import format_num, select_locale
from portal.stats import charts
from portal.stats.judging import RoundStats, bands
from portal.stats.services import TOP_AGENCIES, EditionStats


@dataclass
class Figure:
    key: str
    title: str
    svg: Markup
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


def _genre_names(stats: EditionStats) -> dict[str, str]:
    en = select_locale() == "en"
    return {c: (name_en if en and name_en else name_vi) for c, name_vi, name_en in stats.genres}


def _day_label(offset: int) -> str:
    return _("deadline") if offset == 0 else f"-{offset}"


def funnel_labels() -> dict[str, str]:
    return {"received": _("Received"), "eligible": _("Eligible"), "round1": _("Round 1"),
            "final": _("Final round"), "prizes": _("Prizes"),
            "forwarded": _("Sent to the national award")}


def edition_figures(stats: EditionStats) -> list[Figure]:
    """Timeline (cumulative and per day), sources (agency, medium and form), funnel and
    ineligibility reasons."""
    names = _genre_names(stats)
    t = stats.timeline
    labels = [_day_label(o) for o in t.offsets]
    this_year = _("This edition")
    series = [(this_year, t.cumulative)]
    if t.previous is not None:
        series.append((t.previous_label, t.previous))
    figures = [Figure(
        "cumulative", _("Entries submitted, cumulative, by days before the deadline"),
        charts.line(_("Entries submitted, cumulative"), labels, series,
                    x_title=_("Days before the deadline"), y_title=_("Entries"),
                    dashed=[t.previous_label] if t.previous is not None else []),
        [_("Days before the deadline"), this_year]
        + ([t.previous_label] if t.previous is not None else []),
        [[lbl, n] + ([t.previous[i]] if t.previous is not None else [])
         for i, (lbl, n) in enumerate(zip(labels, t.cumulative, strict=True))],
        note=_("%(n)s drafts are still open.", n=stats.drafts),
    )]
    per_day_rows = [[lbl] + [t.per_day[c][i] for c in t.per_day]
                    for i, lbl in enumerate(labels)]
    figures.append(Figure(
        "per_day", _("Entries submitted per day, by medium"),
        charts.stacked_bar(_("Entries submitted per day, by medium"), labels,
                           [(names[c], t.per_day[c]) for c in t.per_day],
                           x_title=_("Days before the deadline"), y_title=_("Entries"),
                           every=max(1, len(labels) // 10)),
        [_("Days before the deadline")] + [names[c] for c in t.per_day],
        [r for r in per_day_rows if any(r[1:])],
        note=_("Drafts still open by medium: %(list)s.", list=", ".join(
            f"{names[c]} {stats.drafts_by_genre.get(c, 0)}" for c in names)),
    ))
    single, series_ = _("single work"), _("series")
    figures.append(Figure(
        "by_genre", _("Entries by medium and form"),
        charts.stacked_bar(_("Entries by medium and form"), [names[c] for c in names],
                           [(single, [stats.by_genre_form.get((c, "single"), 0) for c in names]),
                            (series_, [stats.by_genre_form.get((c, "series"), 0)
                                       for c in names])],
                           y_title=_("Entries")),
        [_("Medium"), single, series_, _("Total")],
        [[names[c], stats.by_genre_form.get((c, "single"), 0),
          stats.by_genre_form.get((c, "series"), 0), stats.by_genre.get(c, 0)] for c in names],
    ))
    agencies = agency_rows(stats)
    figures.append(Figure(
        "by_agency", _("Entries by agency"),
        charts.hbar(_("Entries by agency"), agencies),
        [_("Agency"), _("Entries")], [list(r) for r in agencies],
    ))
    flabels = funnel_labels()
    funnel = [(flabels[k], n) for k, n in stats.funnel]
    figures.append(Figure(
        "funnel", _("From received to the national award"),
        charts.hbar(_("From received to the national award"), funnel),
        [_("Stage"), _("Entries")], [list(r) for r in funnel],
        note=_("Prizes and works sent on count the decisions recorded so far; all of them "
               "once the results are published."),
    ))
    if stats.reasons:
        figures.append(Figure(
            "reasons", _("Reasons for ineligibility"),
            charts.hbar(_("Reasons for ineligibility"), stats.reasons[:12]),
            [_("Reason"), _("Entries")], [list(r) for r in stats.reasons],
        ))
    return figures


def agency_rows(stats: EditionStats, top: int | None = None) -> list[tuple[str, int]]:
    """The largest agencies, then one row for the rest; "not stated" named."""
    top = top or TOP_AGENCIES
    rows = [(name or _("(not stated)"), n) for name, n in stats.by_agency]
    if len(rows) > top:
        rest = sum(n for _name, n in rows[top:])
        rows = rows[:top] + [(_("%(n)s other agencies", n=len(rows) - top), rest)]
    return rows


def size_text(n: int) -> str:
    """Bytes as GB or MB, one decimal, in the current language's way."""
    if n >= 1024**3:
        return f"{format_num(n / 1024**3, 1)} GB"
    return f"{format_num(n / 1024**2, 1)} MB"


def _signed(value: float | None) -> str:
    return "" if value is None else format_num(value, 2, sign=True)


def round_figures(stats: RoundStats) -> list[Figure]:
    """Sheets left per panel by day, judges' totals beside their panel's, judges' bias, and
    the score distribution per medium with the proposal's thresholds."""
    en = select_locale() == "en"
    labels = [d.strftime("%d/%m") for d in stats.days]
    figures = [Figure(
        "burndown", _("Sheets left per panel, day by day until the round closes"),
        charts.line(_("Sheets left per panel"), labels,
                    [(p.name, p.left_by_day[:stats.today_index + 1]
                      if stats.today_index is not None else p.left_by_day)
                     for p in stats.panels],
                    x_title=_("Day"), y_title=_("Sheets left")),
        [_("Panel"), _("Sheets owed"), _("Submitted"), _("Sheets left")],
        [[p.name, p.needed, p.submitted, p.left] for p in stats.panels],
    )]
    for p in stats.panels:
        members = [j for j in stats.judges if p.name in j.panel.split(", ") and j.totals]
        series = [(_("Whole panel"), stats.panel_totals.get(p.name, []))]
        series += [(j.name, j.totals) for j in members]
        if not any(values for _n, values in series):
            continue
        figures.append(Figure(
            f"calibration-{p.panel_id}",
            _("Judges' totals beside the panel's: %(panel)s", panel=p.name),
            charts.box(_("Judges' totals beside the panel's: %(panel)s", panel=p.name),
                       [(n, v) for n, v in series if v], y_title=_("Total")),
            [_("Judge"), _("Sheets"), _("Mean"), _("Bias"), _("Flags"), _("Sheets left")],
            [[j.name, j.n, format_num(j.mean, 2), _signed(j.bias), j.flags, j.left]
             for j in members],
            note=_("Bias is the judge's mean difference from colleagues on the same works "
                   "(negative: harsher)."),
        ))
    biased = [(j.name, round(j.bias, 2)) for j in stats.judges if j.bias is not None]
    if biased:
        figures.append(Figure(
            "bias", _("Bias of each judge against colleagues on the same works"),
            charts.hbar(_("Bias of each judge against colleagues on the same works"), biased,
                        counts=False),
            [_("Judge"), _("Panel"), _("Bias"), _("Flags")],
            [[j.name, j.panel, _signed(j.bias), j.flags] for j in stats.judges],
            note=_("%(flags)s flags and %(disputes)s disputed entries in this round.",
                   flags=stats.flags, disputes=stats.disputes),
        ))
    for g in stats.genres:
        if not g.values:
            continue
        name = g.name_en if en and g.name_en else g.name_vi
        rows = bands(g.values, low=min(g.values), high=max(g.values))
        marks = [(f"{level_vi} ({format_num(value, 2)})", value)
                 for _code, level_vi, value in g.thresholds]
        figures.append(Figure(
            f"scores-{g.code}", _("Scores in %(medium)s", medium=name),
            charts.histogram(_("Scores in %(medium)s", medium=name), rows, marks,
                             x_title=_("Score"), y_title=_("Entries")),
            [_("Score band"), _("Entries")],
            [[f"{format_num(a, 0)}–{format_num(b, 0)}", n] for n, a, b in rows],
            note=(_("Lowest score of each prize level in the proposal: %(list)s.",
                    list="; ".join(m for m, _v in marks)) if marks else ""),
        ))
    return figures
