"""judging stays a pure package: no web, database or I/O imports."""

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import judging
from judging.i18n import N_
from judging.problems import Problem, fmt_date, fmt_datetime, fmt_number

PACKAGE = Path(judging.__file__).parent
FORBIDDEN = {"flask", "sqlalchemy", "portal", "requests", "os", "io", "pathlib", "socket",
             "babel", "flask_babel", "subprocess", "shutil"}


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            names.add("open()")
    return names, ast.get_docstring(tree)


def test_no_forbidden_imports_and_every_module_has_a_one_line_docstring():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) == 15
    for path in modules:
        names, doc = _imports(path)
        assert names & (FORBIDDEN | {"open()"}) == set(), path.name
        assert doc is not None and "\n" not in doc.strip(), path.name


def test_marker_is_identity():
    assert N_("Part %(part)s") == "Part %(part)s"


def test_problem_render_and_formatting():
    p = Problem("x", N_("Part %(part)s on %(date)s"), {"part": 2, "date": "01/02/2024"})
    assert p.render() == "Part 2 on 01/02/2024"
    assert p.field is None
    assert fmt_date(date(2024, 2, 1)) == "01/02/2024"
    assert fmt_datetime(datetime(2024, 9, 30, 16, 59, tzinfo=UTC)) == "23:59 30/09/2024"
    assert fmt_datetime(datetime(2024, 9, 30, 16, 59, tzinfo=UTC), "UTC") == "16:59 30/09/2024"
    assert fmt_number(8.0) == 8
    assert fmt_number(7.333333) == 7.33
    assert fmt_number(82.625) == 82.63  # half-up, as Excel and a calculator
