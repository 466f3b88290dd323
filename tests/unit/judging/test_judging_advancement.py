from hypothesis import given
from hypothesis import strategies as st

from judging.advancement import AdvancementProposal, MinScore, TopN, propose_advancement
from judging.ranking import RankItem

ITEMS = [RankItem(1, "BI", 10), RankItem(2, "BI", 9), RankItem(3, "BI", 9),
         RankItem(4, "BI", 8), RankItem(5, "BI", None), RankItem(6, "TH", 7),
         RankItem(7, "TH", 9, (2,)), RankItem(8, "TH", 9, (1,))]


def test_top_n_with_tie_straddling_the_boundary():
    result = propose_advancement(ITEMS, TopN(2))
    assert result.advance == frozenset({1, 7, 8})
    assert result.excluded_incomplete == frozenset({5})
    [tie] = result.boundary_ties
    assert (tie.code, tie.field, tie.params) == (
        "advancement_tie", "BI",
        {"group": "BI", "entries": "2, 3", "score": 9, "places": 1},
    )
    assert tie.render() == (
        "In BI, entries 2, 3 are tied on 9 for the last 1 place(s) going to the next round; "
        "decide which advance."
    )


def test_top_n_when_tie_fits_and_zero():
    assert propose_advancement(ITEMS, TopN(3)).advance == frozenset({1, 2, 3, 6, 7, 8})
    assert propose_advancement(ITEMS, TopN(0)) == AdvancementProposal(
        frozenset(), [], frozenset({5})
    )


def test_min_score():
    assert propose_advancement(ITEMS, MinScore(9)) == AdvancementProposal(
        frozenset({1, 2, 3, 7, 8}), [], frozenset({5})
    )


raw_items = st.lists(
    st.tuples(st.sampled_from(["A", "B"]), st.one_of(st.none(), st.integers(0, 4))),
    max_size=15,
)


def build(raw):
    return [RankItem(i, g, None if s is None else float(s)) for i, (g, s) in enumerate(raw)]


@given(raw_items, st.integers(min_value=0, max_value=8))
def test_top_n_properties(raw, n):
    items = build(raw)
    result = propose_advancement(items, TopN(n))
    bigger = propose_advancement(items, TopN(n + 1))
    assert result.advance <= bigger.advance
    for group in ("A", "B"):
        assert len([i for i in items if i.group == group and i.entry_id in result.advance]) <= n
    for a in items:
        if a.entry_id in result.advance:
            for b in items:
                if b.group == a.group and b.score is not None and b.score > a.score:
                    assert b.entry_id in result.advance
    assert result.excluded_incomplete == frozenset(i.entry_id for i in items if i.score is None)
    assert not result.advance & result.excluded_incomplete


@given(raw_items, st.integers(0, 5))
def test_min_score_takes_exactly_those_at_or_above(raw, threshold):
    items = build(raw)
    assert propose_advancement(items, MinScore(threshold)).advance == frozenset(
        i.entry_id for i in items if i.score is not None and i.score >= threshold
    )
