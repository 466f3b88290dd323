"""The chart helpers: SVG without script or XML declaration, labelled for screen readers."""

from __future__ import annotations

import pytest
from lxml import etree

from portal.stats import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("svg", [
    lambda: charts.line("Cộng dồn", ["-2", "-1", "0"], [("Kỳ này", [1, 3, 4])]),
    lambda: charts.stacked_bar("Mỗi ngày", ["-1", "0"], [("Báo in", [1, 2]), ("Ảnh", [0, 1])]),
    lambda: charts.hbar("Cơ quan", [("Báo Hà Tĩnh", 5), ("Đài", 2)]),
    lambda: charts.box("Giám khảo", [("A", [80.0, 85.0, 90.0]), ("B", [70.0, 75.0])]),
    lambda: charts.histogram("Điểm", [(2, 80, 85), (1, 85, 90)], [("Giải A", 85)]),
])
def test_chart_svg_has_no_script_and_is_labelled(svg):
    text = str(svg())
    assert not text.startswith("<?xml")
    root = etree.fromstring(text.encode())
    assert root.tag == f"{SVG}svg"
    assert list(root.iter(f"{SVG}script", "script")) == []
    assert "<script" not in text
    assert root.get("role") == "img" and root.get("aria-label")


def test_hbar_puts_the_first_row_on_top():
    text = str(charts.hbar("Cơ quan", [("Báo Hà Tĩnh", 5), ("Đài", 2)]))
    # pygal writes the x labels bottom-up: the first row must be written last
    assert text.index("Đài") < text.index("Báo Hà Tĩnh")
