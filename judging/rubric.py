"""Rubric criteria: parsing and checking a judge's raw scores, totals and rubric sanity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from judging.i18n import N_
from judging.numbers import parse_decimal
from judging.problems import Problem

__all__ = [
    "Criterion",
    "fmt_decimal",
    "parse_score",
    "rubric_max",
    "score_scale",
    "validate_rubric",
    "validate_scores",
    "weighted_total",
]


@dataclass(frozen=True)
class Criterion:
    """One rubric line: scores run from 0 to ``max_score`` in multiples of ``step``."""

    code: str
    max_score: Decimal
    step: Decimal
    weight: Decimal = Decimal(1)


def fmt_decimal(d: Decimal) -> str:
    """Return ``d`` without exponent or trailing zeros ("7.50" -> "7.5", "1E+2" -> "100")."""
    text = f"{d.normalize():f}"
    return "0" if text in ("-0", "0") else text


def parse_score(raw: str | None) -> tuple[Decimal | None, str | None]:
    """Parse "7", "7.5" or "7,5" by ``judging.numbers.parse_decimal``'s rule; return
    ``(value, None)`` or ``(None, error code)``.

    Error codes: "missing" (None/blank), "not_a_number", "not_finite" (NaN, infinity),
    "ambiguous" ("1.234,5", "1,2,3", "1.234": could be read two ways, never guessed).
    Signs are parsed; range checks are ``validate_scores``' job.
    """
    return parse_decimal(raw)


_MESSAGES = {
    "missing": N_("Enter a score for %(criterion)s."),
    "not_a_number": N_("The score for %(criterion)s must be a number; “%(value)s” is not."),
    "not_finite": N_("The score for %(criterion)s must be a number; “%(value)s” is not."),
    "ambiguous": N_("The score for %(criterion)s, “%(value)s”, can be read two ways: write "
                    "it with one decimal mark (7,5 or 7.5) and no thousands separator."),
    "negative": N_("The score for %(criterion)s cannot be negative (%(value)s)."),
    "above_max": N_("The score for %(criterion)s is %(value)s; the maximum is %(max)s."),
    "bad_step": N_("The score for %(criterion)s must be a multiple of %(step)s; "
                   "%(value)s is not."),
}


def validate_scores(
    criteria: Sequence[Criterion],
    raw: Mapping[str, str | None],
    *,
    require_all: bool = True,
) -> tuple[dict[str, Decimal], dict[str, Problem]]:
    """Parse each criterion's raw value; return ``(valid values, problems by criterion code)``.

    A criterion lands in exactly one of the two dicts, except a blank value with
    ``require_all=False``, which lands in neither (a draft may be partial).  Keys of ``raw``
    that name no criterion are ignored.  Problem codes: missing, not_a_number, not_finite,
    ambiguous, negative, above_max, bad_step; ``field`` is the criterion code.
    """
    values: dict[str, Decimal] = {}
    problems: dict[str, Problem] = {}
    for c in criteria:
        text = raw.get(c.code)
        value, code = parse_score(text)
        if value is not None:
            if value < 0:
                code = "negative"
            elif value > c.max_score:
                code = "above_max"
            elif c.step > 0 and value % c.step != 0:
                code = "bad_step"
            else:
                values[c.code] = value
                continue
        elif code == "missing" and not require_all:
            continue
        params: dict[str, str | int | float] = {
            "criterion": c.code,
            "value": (text or "").strip(),
            "max": fmt_decimal(c.max_score),
            "step": fmt_decimal(c.step),
        }
        problems[c.code] = Problem(f"score_{code}", _MESSAGES[str(code)], params, c.code)
    return values, problems


def weighted_total(criteria: Sequence[Criterion], values: Mapping[str, Decimal]) -> Decimal:
    """Return the sum of value * weight over the criteria present in ``values``."""
    return sum((values[c.code] * c.weight for c in criteria if c.code in values), Decimal(0))


def rubric_max(criteria: Sequence[Criterion]) -> Decimal:
    """Return the highest possible weighted total (sum of max_score * weight)."""
    return sum((c.max_score * c.weight for c in criteria), Decimal(0))


def score_scale(criteria: Sequence[Criterion]) -> tuple[float, float]:
    """Return the range a sheet's weighted total lies in: (0, ``rubric_max``), or (0, 100)
    for an empty rubric.  The raw maxima's sum is NOT the scale when weights differ from 1."""
    top = rubric_max(criteria)
    return (0.0, float(top) if top > 0 else 100.0)


def validate_rubric(criteria: Sequence[Criterion]) -> list[Problem]:
    """Return problems with a rubric: none, duplicate codes, bad maximum, step or weight.

    A step is valid when positive and either 1, 0.5, or it divides the maximum exactly.
    """
    out: list[Problem] = []
    if not criteria:
        out.append(Problem("rubric_empty", N_("The rubric has no criteria."), {}))
    seen: set[str] = set()
    for c in criteria:
        p: dict[str, str | int | float] = {
            "criterion": c.code,
            "max": fmt_decimal(c.max_score) if c.max_score.is_finite() else str(c.max_score),
            "step": fmt_decimal(c.step) if c.step.is_finite() else str(c.step),
            "weight": fmt_decimal(c.weight) if c.weight.is_finite() else str(c.weight),
        }
        if not c.code.strip():
            out.append(Problem("criterion_code_empty", N_("A criterion has no code."), p))
        elif c.code in seen:
            out.append(
                Problem(
                    "criterion_duplicate",
                    N_("The criterion code %(criterion)s is used more than once."),
                    p,
                    c.code,
                )
            )
        seen.add(c.code)
        max_ok = c.max_score.is_finite() and c.max_score > 0
        if not max_ok:
            out.append(
                Problem(
                    "criterion_max_invalid",
                    N_("The maximum of %(criterion)s must be a positive number, "
                       "not %(max)s."),
                    p,
                    c.code,
                )
            )
        step_ok = c.step.is_finite() and c.step > 0 and (
            c.step in (Decimal(1), Decimal("0.5"))
            or (max_ok and c.max_score % c.step == 0)
        )
        if not step_ok:
            out.append(
                Problem(
                    "criterion_step_invalid",
                    N_("The step of %(criterion)s must be 1, 0.5 or divide its maximum "
                       "%(max)s; %(step)s does not."),
                    p,
                    c.code,
                )
            )
        if not (c.weight.is_finite() and c.weight > 0):
            out.append(
                Problem(
                    "criterion_weight_invalid",
                    N_("The weight of %(criterion)s must be positive, not %(weight)s."),
                    p,
                    c.code,
                )
            )
    return out
