"""When the scheduled reminders are due: pure functions of a deadline and `now`."""

from __future__ import annotations

from datetime import datetime, timedelta

# Judges with unsubmitted sheets: 3 days, then 1 day, before the round closes.
JUDGE_STEPS = (("1d", timedelta(days=1)), ("3d", timedelta(days=3)))
# Entrants with drafts: 48 hours before submissions close.
DRAFT_STEP = ("48h", timedelta(hours=48))


def judge_reminder_step(closes_at: datetime, now: datetime) -> str | None:
    """The reminder step due for a round closing at `closes_at`: "1d" in its last day,
    "3d" in the two days before that, None otherwise (too early, or already closed).
    A tick that first sees a round in its last day sends only "1d"."""
    left = closes_at - now
    if left <= timedelta(0):
        return None
    for step, before in JUDGE_STEPS:
        if left <= before:
            return step
    return None


def draft_reminder_step(closes_at: datetime, now: datetime) -> str | None:
    """"48h" in the last 48 hours before submissions close, None otherwise."""
    step, before = DRAFT_STEP
    left = closes_at - now
    return step if timedelta(0) < left <= before else None
