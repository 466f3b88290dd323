"""Other prize categories proposed from the ranking: oldest/youngest author, collectives,
best works; ties across the last place are left to the council."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from judging.prizes import (
    AuthorBirth,
    UnitWork,
    propose_best_works,
    propose_by_age,
    propose_units,
)
from judging.ranking import RankItem, rank


def test_oldest_author_counts_each_person_once_and_skips_unknown_years():
    authors = [AuthorBirth("an", 1, 1950), AuthorBirth("an", 2, 1950),
               AuthorBirth("binh", 3, 1962), AuthorBirth("chi", 4, None),
               AuthorBirth("dung", 5, 1990)]
    assert propose_by_age(authors, count=2, oldest=True).chosen == ("an", "binh")
    assert propose_by_age(authors, count=1, oldest=False).chosen == ("dung",)


def test_authors_born_the_same_year_across_the_last_place_are_a_tie():
    authors = [AuthorBirth("an", 1, 1950), AuthorBirth("binh", 2, 1955),
               AuthorBirth("chi", 3, 1955)]
    proposal = propose_by_age(authors, count=2, oldest=True)
    assert proposal.chosen == ("an",)
    (tie,) = proposal.ties
    assert tie.render() == ("binh, chi are tied for the last 1 place(s) of this prize; the "
                            "council decides.")


def test_units_rank_by_prizes_then_works_then_mean_score():
    works = [UnitWork("Báo Hà Tĩnh", 1, 90, True), UnitWork("Báo Hà Tĩnh", 2, 70, False),
             UnitWork("Đài PT-TH", 3, 95, True), UnitWork("Đài PT-TH", 4, 60, False),
             UnitWork("Đài PT-TH", 5, 60, False), UnitWork("Tạp chí", 6, 99, True),
             UnitWork("  ", 7, 99, True)]
    # Đài: 1 prize, 3 works; Báo: 1 prize, 2 works; Tạp chí: 1 prize, 1 work.
    assert propose_units(works, count=3).chosen == ("Đài PT-TH", "Báo Hà Tĩnh", "Tạp chí")


def test_units_equal_on_everything_are_a_tie():
    works = [UnitWork("A", 1, 80, True), UnitWork("B", 2, 80, True), UnitWork("C", 3, 70, True)]
    proposal = propose_units(works, count=1)
    assert proposal.chosen == () and proposal.ties[0].params == {"candidates": "A, B",
                                                                 "places": 1}


def test_best_works_leave_out_excluded_and_report_ties():
    ranked = rank([RankItem(1, "BI", 95), RankItem(2, "AB", 93), RankItem(3, "BI", 93),
                   RankItem(4, "AB", 90), RankItem(5, "BI", None)])
    assert propose_best_works(ranked, count=2, exclude=frozenset({1})).chosen == (2, 3)
    proposal = propose_best_works(ranked, count=2)
    assert proposal.chosen == (1,) and proposal.ties[0].params["candidates"] == "2, 3"


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.none() | st.integers(1930, 2005)),
                max_size=20),
       st.integers(0, 6), st.booleans())
def test_age_proposal_never_exceeds_count_and_is_extreme(rows, count, oldest):
    authors = [AuthorBirth(k, i, y) for i, (k, y) in enumerate(rows)]
    years = {}
    for a in authors:
        if a.year_of_birth is not None:
            years[a.key] = a.year_of_birth
    proposal = propose_by_age(authors, count=count, oldest=oldest)
    assert len(proposal.chosen) <= count
    assert len(set(proposal.chosen)) == len(proposal.chosen)
    rest = [y for k, y in years.items() if k not in proposal.chosen]
    for key in proposal.chosen:
        # every chosen author is at least as old (young) as everyone left out
        assert all((years[key] <= y) if oldest else (years[key] >= y) for y in rest)
    if not proposal.ties:
        assert len(proposal.chosen) == min(count, len(years))


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.none() |
                          st.integers(50, 100), st.booleans()), max_size=20),
       st.integers(0, 4))
def test_unit_proposal_is_monotonic_in_count(rows, count):
    works = [UnitWork(u, i, s, p) for i, (u, s, p) in enumerate(rows)]
    small = propose_units(works, count=count)
    larger = propose_units(works, count=count + 1)
    assert len(small.chosen) <= count
    assert set(small.chosen) <= set(larger.chosen)


def test_published_name_styles():
    from judging.prizes import published_name

    assert published_name("Phạm Văn Tác Giả", "Hồng Lĩnh Sơn", "full") == "Phạm Văn Tác Giả"
    assert published_name("Phạm Văn Tác Giả", "Hồng Lĩnh Sơn", "pen") == "Hồng Lĩnh Sơn"
    assert published_name("Phạm Văn Tác Giả", "Hồng Lĩnh Sơn", "full_pen") == (
        "Phạm Văn Tác Giả (Hồng Lĩnh Sơn)")
    assert published_name("Lê Thị Hoa", "", "pen") == "Lê Thị Hoa"
    assert published_name("Lê Thị Hoa", "Lê Thị Hoa", "full_pen") == "Lê Thị Hoa"


def test_split_prize_equally_or_by_shares_and_exactly():
    from decimal import Decimal

    from judging.prizes import split_prize

    assert split_prize(5_000_000, 3) == [1_666_667, 1_666_667, 1_666_666]
    assert split_prize(5_000_000, 2, [Decimal(70), Decimal(30)]) == [3_500_000, 1_500_000]
    # Shares that do not add up to 100, or are missing for someone: equal split.
    assert split_prize(3_000_000, 2, [Decimal(70), None]) == [1_500_000, 1_500_000]
    assert split_prize(3_000_000, 2, [Decimal(70), Decimal(20)]) == [1_500_000, 1_500_000]


@given(st.integers(0, 10**10), st.integers(1, 8))
def test_split_prize_parts_add_up_and_differ_by_at_most_one(amount, n):
    from judging.prizes import split_prize

    parts = split_prize(amount, n)
    assert sum(parts) == amount and max(parts) - min(parts) <= 1
