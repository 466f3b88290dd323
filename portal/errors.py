"""Domain exceptions raised by services; views turn them into a clear message and a 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can act on. `message` is shown as is (already translated)."""

    status = 422

    def __init__(self, message, *, problems=None):
        super().__init__(str(message))
        self.message = message
        self.problems = list(problems or [])


class SubmissionClosed(DomainError):
    status = 409


class NotEligible(DomainError):
    status = 422


class ScoreLocked(DomainError):
    status = 409


class StaleEdit(DomainError):
    """Someone (or another tab) saved this record first."""

    status = 409


class NotAllowed(DomainError):
    status = 403
