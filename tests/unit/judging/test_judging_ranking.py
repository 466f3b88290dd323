import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.ranking import Ranked, RankItem, rank


def test_competition_ranking_with_tiebreak_and_unscored():
    items = [
        RankItem(5, "TH", 80.0), RankItem(1, "BI", 90.0), RankItem(2, "BI", 85.0, (9.0,)),
        RankItem(3, "BI", 85.0, (9.0,)), RankItem(4, "BI", 85.0, (8.0,)),
        RankItem(6, "BI", None), RankItem(7, "BI", 70.0), RankItem(8, "TH", 80.0),
    ]
    assert rank(items) == [
        Ranked(1, "BI", 90.0, 1, False),
        Ranked(2, "BI", 85.0, 2, True, (9.0,)),
        Ranked(3, "BI", 85.0, 2, True, (9.0,)),
        Ranked(4, "BI", 85.0, 4, False, (8.0,)),
        Ranked(7, "BI", 70.0, 5, False),
        Ranked(6, "BI", None, None, False),
        Ranked(5, "TH", 80.0, 1, True),
        Ranked(8, "TH", 80.0, 1, True),
    ]


def test_tiebreak_is_lexicographic():
    items = [RankItem(1, "G", 50, (1, 9)), RankItem(2, "G", 50, (2, 0)), RankItem(3, "G", 50)]
    assert [(r.entry_id, r.rank) for r in rank(items)] == [(2, 1), (1, 2), (3, 3)]


def test_duplicates_rejected_and_empty_ok():
    assert rank([]) == []
    with pytest.raises(ValueError):
        rank([RankItem(1, "G", 1.0), RankItem(1, "H", 2.0)])


items_strategy = st.lists(
    st.tuples(st.sampled_from(["A", "B"]), st.one_of(st.none(), st.integers(0, 5)),
              st.integers(0, 1)),
    max_size=12,
)


@given(items_strategy)
def test_rank_is_one_plus_number_strictly_better(raw):
    items = [RankItem(i, g, None if s is None else float(s), (float(t),))
             for i, (g, s, t) in enumerate(raw)]
    result = rank(items)
    assert sorted(r.entry_id for r in result) == list(range(len(items)))
    for r in result:
        same_group = [i for i in items if i.group == r.group and i.score is not None]
        if r.score is None:
            assert (r.rank, r.tied) == (None, False)
            continue
        better = [i for i in same_group if (i.score, i.tiebreak) > (r.score, r.tiebreak)]
        equal = [i for i in same_group if (i.score, i.tiebreak) == (r.score, r.tiebreak)]
        assert (r.rank, r.tied) == (1 + len(better), len(equal) > 1)
