from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.rubric import (
    Criterion,
    fmt_decimal,
    parse_score,
    rubric_max,
    validate_rubric,
    validate_scores,
    weighted_total,
)

TRUTH = Criterion("truth", D(30), D("0.5"))
ORIENT = Criterion("orient", D(20), D(1))
EFFECT = Criterion("effect", D(50), D("2.5"), weight=D(2))
CRITERIA = (TRUTH, ORIENT, EFFECT)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", (D(7), None)),
        (" 7.5 ", (D("7.5"), None)),
        ("7,5", (D("7.5"), None)),
        ("-0", (D(0), None)),
        ("-2", (D(-2), None)),
        (".5", (D("0.5"), None)),
        (None, (None, "missing")),
        ("  ", (None, "missing")),
        ("abc", (None, "not_a_number")),
        ("7,5,1", (None, "ambiguous")),
        ("1.000,5", (None, "ambiguous")),
        ("1e1", (None, "not_a_number")),
        ("1_0", (None, "not_a_number")),
        ("NaN", (None, "not_finite")),
        ("-inf", (None, "not_finite")),
        ("Infinity", (None, "not_finite")),
    ],
)
def test_parse_score(raw, expected):
    assert parse_score(raw) == expected


def test_valid_scores():
    values, problems = validate_scores(
        CRITERIA, {"truth": "29,5", "orient": "20", "effect": "47.5", "extra": "x"}
    )
    assert values == {"truth": D("29.5"), "orient": D(20), "effect": D("47.5")}
    assert problems == {}
    assert weighted_total(CRITERIA, values) == D("144.5")


def test_each_kind_of_bad_score_is_reported_per_criterion():
    values, problems = validate_scores(CRITERIA, {"truth": "30.5", "orient": "7.5",
                                                  "effect": "-5"})
    assert values == {}
    assert {k: p.code for k, p in problems.items()} == {
        "truth": "score_above_max", "orient": "score_bad_step", "effect": "score_negative",
    }
    assert problems["truth"].render() == "The score for truth is 30.5; the maximum is 30."
    assert problems["orient"].render() == (
        "The score for orient must be a multiple of 1; 7.5 is not."
    )
    assert problems["effect"].render() == "The score for effect cannot be negative (-5)."
    assert problems["effect"].field == "effect"


def test_missing_and_garbage():
    values, problems = validate_scores(CRITERIA, {"truth": "", "orient": "nan",
                                                  "effect": "abc"})
    assert values == {}
    assert problems["truth"].render() == "Enter a score for truth."
    assert problems["orient"].code == "score_not_finite"
    assert problems["effect"].render() == (
        "The score for effect must be a number; “abc” is not."
    )


def test_missing_allowed_for_drafts():
    values, problems = validate_scores(CRITERIA, {"truth": "10"}, require_all=False)
    assert (values, problems) == ({"truth": D(10)}, {})
    assert weighted_total(CRITERIA, values) == D(10)


def test_boundaries_max_and_zero_and_step():
    values, problems = validate_scores(CRITERIA, {"truth": "30", "orient": "0",
                                                  "effect": "2.5"})
    assert problems == {}
    assert values == {"truth": D(30), "orient": D(0), "effect": D("2.5")}


def test_rubric_max():
    assert rubric_max(CRITERIA) == D(150)
    assert rubric_max(()) == D(0)


def test_fmt_decimal():
    assert [fmt_decimal(D(x)) for x in ("7.50", "1E+2", "-0", "0.000")] == ["7.5", "100", "0", "0"]


def test_validate_rubric_accepts_good_rubric():
    assert validate_rubric(CRITERIA) == []
    assert validate_rubric((Criterion("a", D(10), D("0.25")),)) == []
    assert validate_rubric((Criterion("a", D(7), D("0.5")),)) == []


def test_validate_rubric_problems():
    bad = (
        Criterion("a", D(10), D(1)),
        Criterion("a", D(0), D(3)),
        Criterion("b", D(10), D(3), weight=D(0)),
        Criterion(" ", D("NaN"), D("Infinity"), weight=D("-1")),
    )
    probs = validate_rubric(bad)
    assert [(p.code, p.field) for p in probs] == [
        ("criterion_duplicate", "a"),
        ("criterion_max_invalid", "a"),
        ("criterion_step_invalid", "a"),
        ("criterion_step_invalid", "b"),
        ("criterion_weight_invalid", "b"),
        ("criterion_code_empty", None),
        ("criterion_max_invalid", " "),
        ("criterion_step_invalid", " "),
        ("criterion_weight_invalid", " "),
    ]
    assert probs[3].render() == (
        "The step of b must be 1, 0.5 or divide its maximum 10; 3 does not."
    )
    assert probs[6].params["max"] == "NaN"
    assert validate_rubric(())[0].render() == "The rubric has no criteria."


@given(st.integers(min_value=0, max_value=60))
def test_every_half_step_up_to_max_is_accepted(halves):
    raw = f"{halves // 2},{5 if halves % 2 else 0}"
    values, problems = validate_scores((TRUTH,), {"truth": raw})
    assert (values, problems) == ({"truth": D(halves) / 2}, {})


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2,
                   min_value=-100, max_value=100))
def test_a_value_is_either_accepted_or_reported(x):
    values, problems = validate_scores((TRUTH,), {"truth": str(x)})
    ok = D(0) <= x <= D(30) and x % D("0.5") == 0
    assert ("truth" in values, "truth" in problems) == (ok, not ok)
