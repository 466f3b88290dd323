"""Domain exceptions raised by services; views turn them into a clear message and a 4xx."""

from __future__ import annotations

from collections.abc import Iterable

from judging.problems import Problem


class DomainError(Exception):
    """A refusal the user can act on. `message` is shown as is (already translated);
    `problems` are the details, each a judging Problem (untranslated message, params and
    the field it concerns), turned into text by portal.i18n.problem_text where shown.

    Raises TypeError when a problem is anything else, so there is one shape to handle."""

    status = 422

    def __init__(self, message, *, problems: Iterable[Problem] = ()):
        super().__init__(str(message))
        self.message = message
        self.problems = list(problems)
        if not all(isinstance(p, Problem) for p in self.problems):
            raise TypeError("DomainError.problems holds judging.problems.Problem values only.")


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
