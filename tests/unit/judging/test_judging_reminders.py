"""When scheduled reminders are due."""

from datetime import UTC, datetime, timedelta

import pytest

from judging.reminders import draft_reminder_step, judge_reminder_step

CLOSES = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("before", "step"), [
    (timedelta(days=5), None),
    (timedelta(days=3, seconds=1), None),
    (timedelta(days=3), "3d"),
    (timedelta(days=1, seconds=1), "3d"),
    (timedelta(days=1), "1d"),
    (timedelta(minutes=5), "1d"),
    (timedelta(0), None),
    (-timedelta(hours=1), None),
])
def test_judge_reminder_step_by_time_left(before, step):
    assert judge_reminder_step(CLOSES, CLOSES - before) == step


@pytest.mark.parametrize(("before", "step"), [
    (timedelta(hours=49), None),
    (timedelta(hours=48), "48h"),
    (timedelta(minutes=1), "48h"),
    (timedelta(0), None),
])
def test_draft_reminder_step_by_time_left(before, step):
    assert draft_reminder_step(CLOSES, CLOSES - before) == step
