"""The closing report of an edition (Báo cáo tổng kết Giải): one A4 PDF in Vietnamese with
the Party document header, the edition's numbers, the charts and the prize list as annex.

The numbers come from the statistics services (portal.stats) and the current prize decision
(the rows of the annex to the prize decision, portal.exports.results_lists), so the report,
the dashboard and the annex agree. Editions have no issuing-body setting yet: the header
names the edition's organizing body.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale

from portal.exports.results_lists import lists
from portal.results.services import review_results
from portal.stats.figures import edition_figures, round_figures
from portal.stats.judging import load_round, round_stats
from portal.stats.services import edition_stats, previous_contest


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return HTML(string=html).write_pdf()


def report_data(contest, *, now: datetime) -> dict:
    """Everything the report prints, as plain values (tested against the database)."""
    review = review_results(contest, with_agreement=False)
    found = lists(contest, review)
    prizes, forwarded = found.prizes, found.forwarded
    stats = edition_stats(contest)
    # The report counts the current decision (what the annex lists), not only recorded rows.
    rows = review.results.rows.values() if review.results else []
    by_level = Counter(r.level for r in rows if r.level)
    stats.prizes = sum(by_level.values())
    stats.prizes_by_level = dict(by_level)
    stats.forwarded = sum(1 for r in rows if r.forwarded)
    level_genre = Counter((r.level, r.genre_code) for r in rows if r.level)
    rounds = []
    for rid, _pos, _vi, _en, _n in stats.rounds:
        rnd = load_round(contest, rid)
        rs = round_stats(contest, rnd, now=now, with_agreement=True)
        rounds.append((rnd, rs))
    prev = previous_contest(contest)
    prev_stats = edition_stats(prev) if prev is not None else None
    return {"review": review, "prizes": prizes, "forwarded": forwarded, "stats": stats,
            "level_genre": level_genre, "rounds": rounds, "prev": prev,
            "prev_stats": prev_stats}


def build(contest, *, now: datetime) -> bytes:
    """The report as PDF bytes, always in Vietnamese whatever the reader's language."""
    with force_locale("vi"):
        data = report_data(contest, now=now)
        stats = data["stats"]
        figures = edition_figures(stats)
        round_figs = [(rnd, round_figures(rs)) for rnd, rs in data["rounds"]]
        local = now.astimezone(ZoneInfo(contest.timezone or "Asia/Ho_Chi_Minh"))
        html = render_template("exports/closing_report.html", contest=contest, now=local,
                               figures=figures, round_figs=round_figs, **data)
    return _pdf(html)
