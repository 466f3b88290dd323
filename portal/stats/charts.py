"""Static SVG charts drawn by pygal from numbers the services computed.

Every chart leaves here without a script (pygal always embeds one for its tooltips) and
without an XML declaration, so it can sit inline in a page under the CSP
(``script-src 'self'``) and in a WeasyPrint PDF. It carries role="img" and an accessible
name; the page puts the same numbers in a table next to it for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pygal
from lxml import etree
from markupsafe import Markup
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    font_family="'DejaVu Sans', 'Noto Sans', Arial, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=11,
    tooltip_font_size=11,
    guide_stroke_color="#bbbbbb",
    major_guide_stroke_color="#bbbbbb",
    guide_stroke_dasharray="2,3",
    major_guide_stroke_dasharray="2,3",
    colors=("#b3261e", "#1f5fa8", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f", "#5d4037",
            "#455a64"),
)


def _config(**kw) -> dict:
    base = dict(style=STYLE, js=[], disable_xml_declaration=True, width=720, height=340,
                explicit_size=False, legend_at_bottom=True, truncate_legend=-1,
                truncate_label=-1, print_values=False, show_y_guides=True)
    base.update(kw)
    return base


def _count_axis(chart, values: Sequence[float]) -> None:
    """Whole-number ticks for counts (pygal would print 0.2 entries)."""
    top = max([0, *values])
    step = max(1, math.ceil(top / 8))
    chart.y_labels = list(range(0, int(top) + step + 1, step)) if top else [0, 1]


def to_svg(chart, label: str) -> Markup:
    """The chart as inline SVG markup: no <script>, no XML declaration, role="img" and
    aria-label, and a stable id prefix so two charts on one page do not clash."""
    tree = chart.render_tree()
    for node in tree.iter(f"{{{SVG_NS}}}script", "script"):
        node.getparent().remove(node)
    tree.set("role", "img")
    tree.set("aria-label", label)
    text = etree.tostring(tree, encoding="unicode")
    return Markup(text)


def line(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]],
         *, x_title: str = "", y_title: str = "", dashed: Sequence[str] = ()) -> Markup:
    """Lines over shared x labels (e.g. days before the deadline)."""
    chart = pygal.Line(**_config(title=title, x_title=x_title or None,
                                 y_title=y_title or None, x_label_rotation=0,
                                 show_minor_x_labels=False, dots_size=2,
                                 x_labels_major_every=max(1, len(labels) // 10)))
    chart.x_labels = list(labels)
    _count_axis(chart, [v for _n, vs in series for v in vs if v is not None])
    for name, values in series:
        chart.add(name, list(values),
                  stroke_style={"width": 2, "dasharray": "6, 4"} if name in dashed else
                  {"width": 2})
    return to_svg(chart, title)


def stacked_bar(title: str, labels: Sequence[str],
                series: Sequence[tuple[str, Sequence[int]]], *, x_title: str = "",
                y_title: str = "", every: int | None = None) -> Markup:
    """Stacked bars, one stack per x label."""
    chart = pygal.StackedBar(**_config(
        title=title, x_title=x_title or None, y_title=y_title or None,
        show_minor_x_labels=every is None or every <= 1,
        x_labels_major_every=every or None))
    chart.x_labels = list(labels)
    _count_axis(chart, [sum(col) for col in zip(*(vs for _n, vs in series), strict=True)]
                if series else [])
    for name, values in series:
        chart.add(name, list(values))
    return to_svg(chart, title)


def hbar(title: str, rows: Sequence[tuple[str, int | float]], *, value_title: str = "",
         counts: bool = True) -> Markup:
    """One horizontal bar per row, the first on top, values printed at the bar; whole-number
    ticks when the values are counts."""
    height = max(160, 70 + 26 * len(rows))
    chart = pygal.HorizontalBar(**_config(title=title, height=height, show_legend=False,
                                          print_values=True, y_title=value_title or None))
    # pygal draws the first x label at the bottom: reverse so the first row is on top.
    chart.x_labels = [name for name, _v in reversed(rows)]
    if counts:
        _count_axis(chart, [v for _n, v in rows])
    chart.add(title, [v for _n, v in reversed(rows)])
    return to_svg(chart, title)


def box(title: str, series: Sequence[tuple[str, Sequence[float]]], *, y_title: str = "") -> Markup:
    """Box plots (quartiles, whiskers at the extremes), one per series."""
    chart = pygal.Box(**_config(title=title, box_mode="tukey", show_legend=False,
                                y_title=y_title or None, x_label_rotation=20))
    chart.x_labels = [name for name, _v in series]
    for name, values in series:
        chart.add(name, list(values))
    return to_svg(chart, title)


def histogram(title: str, bins: Sequence[tuple[int, float, float]],
              marks: Sequence[tuple[str, float]], *, x_title: str = "",
              y_title: str = "") -> Markup:
    """Counts per score band, with thin bars marking thresholds (e.g. prize levels)."""
    chart = pygal.Histogram(**_config(title=title, x_title=x_title or None,
                                      y_title=y_title or None))
    chart.add(y_title or title, list(bins))
    top = max((n for n, _a, _b in bins), default=1) or 1
    _count_axis(chart, [top])
    for name, value in marks:
        chart.add(name, [(top, value - 0.15, value + 0.15)])
    return to_svg(chart, title)
