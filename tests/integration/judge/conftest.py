"""Fixtures of the judge tests; the scenario itself is built in tests/support/judge_scenario.py."""

from __future__ import annotations

import pytest

from tests.support.judge_scenario import build


@pytest.fixture
def scenario(app):
    return build()


@pytest.fixture
def stub_files(app):
    """Until the files area lands, a stand-in `files.download` so the page builds media
    URLs; with the real blueprint present this changes nothing."""
    if "files.download" not in app.view_functions:
        app.add_url_rule("/files/<int:file_id>", "files.download",
                         lambda file_id: ("", 204))
    return app
