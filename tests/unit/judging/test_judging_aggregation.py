import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.aggregation import (
    AGREEMENT_HELP,
    EntryAggregate,
    JudgeStats,
    Sheet,
    aggregate,
    disagreement,
    disagreement_flags,
    judge_stats,
    judge_zscores,
    kendalls_w,
)
from judging.rubric import Criterion, score_scale, weighted_total

FIVE = [Sheet(1, j, t) for j, t in zip([1, 2, 3, 4, 5], [80, 90, 70, 85, 60], strict=True)]


def values(result):
    return {e: a.value for e, a in result.items()}


def test_mean_median_trimmed_by_hand():
    assert aggregate(FIVE, method="mean", k=5) == {1: EntryAggregate(1, 77.0, 5, True)}
    assert aggregate(FIVE, method="median", k=5) == {1: EntryAggregate(1, 80, 5, True)}
    trimmed = aggregate(FIVE, method="trimmed_mean", k=5)[1]
    assert trimmed.value == pytest.approx(235 / 3)  # drops 60 and 90: (70+80+85)/3
    assert aggregate(FIVE, method="trimmed_mean", k=5, trim_min=6)[1].value == 77.0


def test_incomplete_entries_still_get_a_value():
    sheets = [Sheet(1, 1, 70), Sheet(1, 2, 80)]
    assert aggregate(sheets, method="mean", k=3) == {1: EntryAggregate(1, 75.0, 2, False)}
    assert aggregate([], method="zscore", k=3) == {}


def test_median_of_even_count():
    sheets = [Sheet(2, j, t) for j, t in [(1, 60), (2, 70), (3, 90), (4, 100)]]
    assert aggregate(sheets, method="median", k=4)[2].value == 80.0


def test_zscore_by_hand():
    sheets = [Sheet(1, 1, 80), Sheet(2, 1, 60), Sheet(1, 2, 50), Sheet(2, 2, 50)]
    # judge 1: mean 70, sd 10 -> z +1/-1; judge 2: sd 0 -> z 0.  Overall mean 60,
    # population sd sqrt(150).  Entry 1 mean z = 0.5, entry 2 = -0.5.
    assert judge_zscores(sheets) == {(1, 1): 1.0, (2, 1): -1.0, (1, 2): 0.0, (2, 2): 0.0}
    result = aggregate(sheets, method="zscore", k=2)
    assert result[1].value == pytest.approx(60 + 0.5 * math.sqrt(150))
    assert result[2].value == pytest.approx(60 - 0.5 * math.sqrt(150))
    assert (result[1].mean_z, result[2].mean_z, result[1].complete) == (0.5, -0.5, True)


def test_zscore_single_sheet_judge_and_clamping():
    sheets = [Sheet(1, 1, 99), Sheet(2, 1, 1), Sheet(3, 2, 50)]
    result = aggregate(sheets, method="zscore", k=1, scale=(40, 60))
    assert values(result) == {1: 60, 2: 40, 3: 50.0}


def test_harsh_judge_changes_order_between_mean_and_zscore():
    sheets = [
        Sheet(1, 1, 80), Sheet(1, 9, 62),  # entry 1: judge A and harsh judge H
        Sheet(2, 2, 75), Sheet(2, 1, 70),  # entry 2: judges B and A
        Sheet(3, 2, 70), Sheet(3, 9, 60),  # entry 3: judge B and H
    ]
    mean = aggregate(sheets, method="mean", k=2)
    assert values(mean) == {1: 71.0, 2: 72.5, 3: 65.0}
    assert sorted(mean, key=lambda e: -mean[e].value) == [2, 1, 3]
    z = aggregate(sheets, method="zscore", k=2)
    assert {e: a.mean_z for e, a in z.items()} == {1: 1.0, 2: 0.0, 3: -1.0}
    sd = math.sqrt(287.5 / 6)
    assert values(z) == {1: pytest.approx(69.5 + sd), 2: pytest.approx(69.5),
                         3: pytest.approx(69.5 - sd)}
    assert sorted(z, key=lambda e: -z[e].value) == [1, 2, 3]


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="unknown method"):
        aggregate(FIVE, method="max", k=1)
    with pytest.raises(ValueError, match="two sheets"):
        aggregate([Sheet(1, 1, 5), Sheet(1, 1, 6)], method="mean", k=1)


def test_disagreement_flags_by_hand():
    sheets = [Sheet(1, 1, 10), Sheet(1, 2, 8), Sheet(1, 3, 6),  # 10 vs 7, 6 vs 9: who?
              Sheet(2, 1, 10), Sheet(2, 2, 8),                  # exactly 2 apart
              Sheet(3, 1, 7.3), Sheet(3, 2, 5.3),               # 2 apart with float noise
              Sheet(4, 4, 1)]                                   # single sheet
    # Entry 1: setting aside 10 or 6 both leave two sheets 2 apart; no single sheet is to
    # blame, so the entry is disputed and nobody is flagged (issue 11: it blamed both).
    flags, disputes = disagreement(sheets, 2)
    assert flags == [] and disagreement_flags(sheets, 2) == []
    assert [(d.entry_id, d.low, d.high, d.n_sheets, d.code) for d in disputes] == [
        (1, 6, 10, 3, "judges_disagree")]
    assert disputes[0].message % disputes[0].params == (
        "The judges disagree on entry 1: totals run from 6 to 10 and no sheet can be "
        "singled out (threshold 2)."
    )
    stats = judge_stats(sheets, flags)
    assert stats[3] == JudgeStats(3, 1, 6.0, 0.0, 0, -3.0)
    # judge 2: totals 8, 8, 5.3; differences from the others' mean 0, -2, -2
    assert stats[2] == JudgeStats(2, 3, pytest.approx(7.1), pytest.approx(math.sqrt(1.62)),
                                  0, pytest.approx(-4 / 3))
    assert stats[4] == JudgeStats(4, 1, 1.0, 0.0, 0, None)
    assert (stats[1].n, stats[1].flags, sorted(stats)) == (3, 0, [1, 2, 3, 4])


def blamed(totals, threshold):
    """Judge numbers (1-based positions in ``totals``) blamed, and whether disputed."""
    flags, disputes = disagreement([Sheet(1, j, t) for j, t in enumerate(totals, 1)],
                                   threshold)
    return [f.judge_id for f in flags], bool(disputes)


def test_three_judges_only_the_outlier_is_flagged():
    """Issue 11: 84.25, 81.00, 34.75 with threshold 20 flagged all three sheets."""
    flags, disputes = disagreement(
        [Sheet(7, 1, 84.25), Sheet(7, 2, 81.0), Sheet(7, 3, 34.75)], 20)
    assert disputes == []
    assert [(f.judge_id, f.total, f.others_mean, f.difference) for f in flags] == [
        (3, 34.75, 82.625, -47.875)]
    assert flags[0].code == "score_far_from_others"
    assert flags[0].message % flags[0].params == (
        "Judge 3 gave entry 7 34.75 points, 47.88 away from the other judges' average of "
        "82.63 (more than 20)."
    )
    stats = judge_stats([Sheet(7, 1, 84.25), Sheet(7, 2, 81.0), Sheet(7, 3, 34.75)], flags)
    assert [stats[j].flags for j in (1, 2, 3)] == [0, 0, 1]


def test_five_judges_one_outlier():
    assert blamed([80, 82, 79, 81, 55], 10) == ([5], False)


def test_five_judges_two_outliers_on_the_same_side():
    assert blamed([80, 81, 82, 40, 41], 10) == ([4, 5], False)


def test_five_judges_all_spread_is_a_dispute_without_blame():
    assert blamed([20, 40, 60, 80, 100], 10) == ([], True)


def test_two_camps_and_two_judges_are_disputes():
    assert blamed([80, 81, 40, 41], 10) == ([], True)  # no majority agrees
    assert blamed([80, 50], 10) == ([], True)          # who is right cannot be told
    assert blamed([80, 75], 10) == ([], False)


def test_an_outlier_tied_with_an_agreeing_sheet_is_not_blamed_alone():
    # 70 vs others' 76.7 is within 10; 60 breaks; but two sheets of 60 cannot be told apart
    # from each other and setting aside only one of them is arbitrary.
    assert blamed([90, 90, 90, 60, 60], 10) == ([4, 5], False)
    assert blamed([90, 88, 60, 60], 10) == ([], True)


def test_kendalls_w_by_hand():
    same = [Sheet(e, j, t) for j in (1, 2, 3) for e, t in [(1, 90), (2, 80), (3, 70), (4, 60)]]
    assert kendalls_w(same) == 1.0
    reversed_ = [Sheet(1, 1, 9), Sheet(2, 1, 8), Sheet(1, 2, 8), Sheet(2, 2, 9)]
    assert kendalls_w(reversed_) == 0.0
    ties = [Sheet(1, 1, 10), Sheet(2, 1, 8), Sheet(3, 1, 6),
            Sheet(1, 2, 9), Sheet(2, 2, 9), Sheet(3, 2, 5),
            Sheet(4, 1, 7)]  # entry 4 is not scored by judge 2: left out of the block
    assert kendalls_w(ties) == pytest.approx(13 / 14)


def test_kendalls_w_undefined_cases():
    assert kendalls_w([Sheet(1, 1, 5), Sheet(2, 1, 6)]) is None
    assert kendalls_w([Sheet(1, 1, 5), Sheet(1, 2, 6), Sheet(2, 1, 5)]) is None
    assert kendalls_w([Sheet(e, j, 5) for e in (1, 2) for j in (1, 2)]) is None
    assert AGREEMENT_HELP.startswith("Kendall's W runs from 0")


# --- properties -------------------------------------------------------------------------

@st.composite
def rounds(draw):
    n_entries = draw(st.integers(min_value=1, max_value=8))
    sheets = []
    for e in range(1, n_entries + 1):
        judges = draw(st.sets(st.integers(min_value=1, max_value=6), min_size=1, max_size=6))
        for j in sorted(judges):
            sheets.append(Sheet(e, j, float(draw(st.integers(min_value=0, max_value=100)))))
    return sheets


METHODS = ["mean", "trimmed_mean", "median", "zscore"]


@given(rounds(), st.randoms(use_true_random=False), st.sampled_from(METHODS))
def test_sheet_order_and_judge_labels_change_nothing(sheets, rnd, method):
    base = aggregate(sheets, method=method, k=3)
    shuffled = sheets[:]
    rnd.shuffle(shuffled)
    relabel = {j: 100 - j for j in range(1, 7)}
    relabelled = [Sheet(s.entry_id, relabel[s.judge_id], s.total) for s in shuffled]
    assert aggregate(shuffled, method=method, k=3) == base
    assert aggregate(relabelled, method=method, k=3) == base
    assert disagreement_flags(shuffled, 5) == disagreement_flags(sheets, 5)
    assert kendalls_w(shuffled) == kendalls_w(sheets)


@given(rounds(), st.integers(min_value=-50, max_value=50),
       st.sampled_from(["mean", "trimmed_mean", "median"]))
def test_adding_a_constant_shifts_location_methods(sheets, c, method):
    base = aggregate(sheets, method=method, k=3)
    shifted = aggregate([Sheet(s.entry_id, s.judge_id, s.total + c) for s in sheets],
                        method=method, k=3)
    assert {e: a.value for e, a in shifted.items()} == {
        e: pytest.approx(a.value + c, abs=1e-9) for e, a in base.items()
    }


@given(rounds(), st.integers(min_value=1, max_value=6),
       st.floats(min_value=-30, max_value=30), st.floats(min_value=0.5, max_value=2))
def test_zscore_ignores_one_judges_affine_shift(sheets, judge, shift, factor):
    moved = [Sheet(s.entry_id, s.judge_id, s.total * factor + shift if s.judge_id == judge
                   else s.total) for s in sheets]
    z0, z1 = judge_zscores(sheets), judge_zscores(moved)
    assert z1 == {key: pytest.approx(v, abs=1e-9) for key, v in z0.items()}
    a0 = aggregate(sheets, method="zscore", k=2)
    a1 = aggregate(moved, method="zscore", k=2)
    assert {e: a.mean_z for e, a in a1.items()} == {
        e: pytest.approx(a.mean_z, abs=1e-9) for e, a in a0.items()
    }


@given(rounds(), st.integers(min_value=1, max_value=20))
def test_a_sheet_at_the_mean_of_the_others_is_never_flagged(sheets, threshold):
    by_entry = {}
    for s in sheets:
        by_entry.setdefault(s.entry_id, []).append(s.total)
    added = [Sheet(e, 99, math.fsum(ts) / len(ts)) for e, ts in by_entry.items()]
    flags, _disputes = disagreement(sheets + added, threshold)
    assert [f for f in flags if f.judge_id == 99] == []


@st.composite
def weighted_rubrics(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    return [Criterion(f"c{i}", Decimal(draw(st.integers(min_value=1, max_value=40))), Decimal(1),
                      draw(st.decimals(min_value="0.1", max_value="5", places=2)))
            for i in range(n)]


@given(weighted_rubrics(), st.data(), st.integers(min_value=1, max_value=5))
def test_zscore_keeps_the_mean_order_when_all_judges_score_alike(criteria, data, n_judges):
    """Issue 11: with every judge giving the same totals, zscore and mean rank alike, for any
    weights; the scale must be the weighted one (raw maxima clamped a 100-point rubric at 70)."""
    n_entries = data.draw(st.integers(min_value=2, max_value=8))
    totals = [float(weighted_total(criteria, {
        c.code: Decimal(data.draw(st.integers(min_value=0, max_value=int(c.max_score))))
        for c in criteria})) for _ in range(n_entries)]
    sheets = [Sheet(e, j, t) for e, t in enumerate(totals) for j in range(n_judges)]
    scale = score_scale(criteria)
    mean = aggregate(sheets, method="mean", k=n_judges, scale=scale)
    z = aggregate(sheets, method="zscore", k=n_judges, scale=scale)
    for a in range(n_entries):
        for b in range(n_entries):
            assert ((mean[a].value > mean[b].value) == (z[a].value > z[b].value)
                    and (mean[a].value == mean[b].value) == (z[a].value == z[b].value))


def test_score_scale_is_the_weighted_maximum():
    rubric = [Criterion("content", Decimal(40), Decimal(1), Decimal(1)),
              Criterion("form", Decimal(30), Decimal(1), Decimal(2))]
    assert (score_scale(rubric), score_scale([])) == ((0.0, 100.0), (0.0, 100.0))


@pytest.mark.parametrize(("w", "level"), [
    (None, None), (0.0, "low"), (0.39, "low"), (0.4, "moderate"), (0.69, "moderate"),
    (0.7, "high"), (1.0, "high"),
])
def test_agreement_level_reads_kendalls_w_in_words(w, level):
    from judging.aggregation import agreement_level

    assert agreement_level(w) == level
