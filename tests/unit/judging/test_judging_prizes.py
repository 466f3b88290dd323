from judging.prizes import Level, PrizeProposal, propose_prizes
from judging.ranking import RankItem, rank

LEVELS = [Level("A", 90), Level("B", 80), Level("C"), Level("KK")]


def ranked(*rows):
    return rank([RankItem(e, g, s) for e, g, s in rows])


BI = ranked((1, "BI", 95), (2, "BI", 88), (3, "BI", 88), (4, "BI", 88), (5, "BI", 75),
            (6, "BI", 70), (7, "BI", 70))


def test_tie_across_quota_boundary_is_reported_not_broken():
    quotas = {("BI", "A"): 1, ("BI", "B"): 2, ("BI", "C"): 3, ("BI", "KK"): 1}
    result = propose_prizes(BI, levels=LEVELS, quotas=quotas)
    assert result.awards == {1: "A", 2: "C", 3: "C", 4: "C", 5: "KK"}
    [tie] = result.ties
    assert (tie.code, tie.field, tie.params) == (
        "prize_tie", "BI",
        {"genre": "BI", "level": "B", "entries": "2, 3, 4", "score": 88, "places": 2},
    )
    assert tie.render() == (
        "In BI, entries 2, 3, 4 are tied on 88 for the last 2 B prize place(s); decide "
        "which of them get it."
    )
    assert (result.held, result.unused) == ({("BI", "B"): 2}, {})


def test_tie_at_last_level_leaves_entries_out():
    quotas = {("BI", "A"): 1, ("BI", "B"): 3, ("BI", "C"): 1, ("BI", "KK"): 1}
    result = propose_prizes(BI, levels=LEVELS, quotas=quotas)
    assert result.awards == {1: "A", 2: "B", 3: "B", 4: "B", 5: "C"}
    assert [t.params["level"] for t in result.ties] == ["KK"]
    assert result.ties[0].params["entries"] == "6, 7"
    assert result.held == {("BI", "KK"): 1}


def test_entry_below_level_minimum_gets_a_lower_level_and_quota_stays_unused():
    th = ranked((10, "TH", 85), (11, "TH", 60))
    quotas = {("TH", "A"): 1, ("TH", "B"): 1, ("TH", "KK"): 2}
    result = propose_prizes(th, levels=LEVELS, quotas=quotas)
    assert result == PrizeProposal({10: "B", 11: "KK"}, [], {("TH", "A"): 1, ("TH", "KK"): 1})


def test_allow_transfer_moves_unused_places_down_one_level():
    th = ranked((10, "TH", 85), (11, "TH", 60))
    quotas = {("TH", "A"): 1, ("TH", "B"): 1}
    result = propose_prizes(th, levels=LEVELS, quotas=quotas, allow_transfer=True)
    # A's place goes to B (2 places: 10 only, 11 is below 80), B's spare place goes to C.
    assert (result.awards, result.unused) == ({10: "B", 11: "C"}, {})
    no_one = propose_prizes(ranked(), levels=LEVELS, quotas=quotas, allow_transfer=True)
    assert (no_one.awards, no_one.unused) == ({}, {("TH", "KK"): 2})


def test_special_prize_across_genres_does_not_consume_genre_quota():
    rows = ranked((1, "BI", 95), (2, "BI", 91), (20, "TH", 93), (21, "TH", 50),
                  (30, "PT", None))
    quotas = {("BI", "A"): 1, ("TH", "A"): 1, ("TH", "C"): 1}
    result = propose_prizes(rows, levels=LEVELS, quotas=quotas, special=Level("DB", 90),
                            special_count=1)
    assert result.awards == {1: "DB", 2: "A", 20: "A", 21: "C"}
    assert (result.ties, result.unused, result.held) == ([], {}, {})


def test_special_prize_tie_and_minimum():
    rows = ranked((1, "BI", 95), (2, "TH", 95), (3, "TH", 80))
    result = propose_prizes(rows, levels=LEVELS, quotas={}, special=Level("DB", 90),
                            special_count=1)
    assert result.awards == {}
    assert [(t.params["genre"], t.params["level"], t.params["entries"]) for t in result.ties] == [
        ("*", "DB", "1, 2")
    ]
    assert result.held == {("*", "DB"): 1}
    two = propose_prizes(rows, levels=LEVELS, quotas={}, special=Level("DB", 90),
                         special_count=3)
    assert (two.awards, two.unused) == ({1: "DB", 2: "DB"}, {("*", "DB"): 1})


def test_special_prize_with_more_places_than_entries():
    rows = ranked((1, "BI", 60), (2, "TH", 50))
    result = propose_prizes(rows, levels=LEVELS, quotas={("BI", "C"): 1},
                            special=Level("DB"), special_count=5)
    assert result == PrizeProposal({1: "DB", 2: "DB"}, [], {("*", "DB"): 3,
                                                           ("BI", "C"): 1})
