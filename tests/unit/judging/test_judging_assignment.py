import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.assignment import (
    AssignmentResult,
    assign,
    assign_panels,
    judge_loads,
    propose_replacement,
)


def check_invariants(result, entries, judges, k, conflicts):
    assert result.ok is True
    assert result.problems == ()
    assert list(result.pairs) == sorted(result.pairs)
    per_entry = Counter(e for e, _ in result.pairs)
    assert per_entry == Counter({e: k for e in entries})
    assert len(set(result.pairs)) == len(result.pairs)
    assert not {(j, e) for e, j in result.pairs} & set(conflicts)
    loads = judge_loads(result.pairs, judges)
    low = len(entries) * k // len(judges)
    high = -(-len(entries) * k // len(judges))
    assert all(low <= n <= high for n in loads.values())
    assert sum(loads.values()) == len(entries) * k


def brute_force_feasible(entries, judges, k, conflicts):
    low = len(entries) * k // len(judges)
    high = -(-len(entries) * k // len(judges))
    loads = dict.fromkeys(judges, 0)
    options = {e: [c for c in itertools.combinations(judges, k)
                   if not any((j, e) in conflicts for j in c)] for e in entries}

    def go(i):
        if i == len(entries):
            return all(low <= n <= high for n in loads.values())
        for combo in options[entries[i]]:
            if all(loads[j] < high for j in combo):
                for j in combo:
                    loads[j] += 1
                if go(i + 1):
                    return True
                for j in combo:
                    loads[j] -= 1
        return False

    return go(0)


def test_simple_balanced_assignment():
    entries, judges = list(range(1, 11)), [101, 102, 103, 104]
    result = assign(entries, judges, 2, conflicts={(101, 1)}, seed=3)
    check_invariants(result, entries, judges, 2, {(101, 1)})
    assert sorted(judge_loads(result.pairs, judges).values()) == [5, 5, 5, 5]


def test_deterministic_for_seed_and_input_order():
    entries, judges = list(range(30)), list(range(100, 107))
    a = assign(entries, judges, 3, conflicts=set(), seed=5)
    b = assign(list(reversed(entries)), list(reversed(judges)), 3, conflicts=set(), seed=5)
    assert a == b
    assert any(assign(entries, judges, 3, conflicts=set(), seed=s) != a for s in range(1, 6))


def naive_greedy(entries, judges, k, conflicts):
    loads = dict.fromkeys(judges, 0)
    high = -(-len(entries) * k // len(judges))
    for e in entries:
        free = sorted((loads[j], j) for j in judges if (j, e) not in conflicts and loads[j] < high)
        if len(free) < k:
            return None
        for _, j in free[:k]:
            loads[j] += 1
    return loads


def test_feasible_case_that_greedy_fails_is_solved():
    # Entries 1-3 can go to anyone; entries 4-6 only to judges 10 and 11.  With k=2 and
    # loads of exactly 3, judges 10/11 must take ALL of 4-6, so entries 1-3 must go to
    # judges 12/13 only.  Greedy by least load gives entry 1 to judges 10 and 11 and fails.
    entries, judges = [1, 2, 3, 4, 5, 6], [10, 11, 12, 13]
    conflicts = {(j, e) for e in (4, 5, 6) for j in (12, 13)}
    assert naive_greedy(entries, judges, 2, conflicts) is None
    result = assign(entries, judges, 2, conflicts=conflicts)
    check_invariants(result, entries, judges, 2, conflicts)
    assert result.pairs == (
        (1, 12), (1, 13), (2, 12), (2, 13), (3, 12), (3, 13),
        (4, 10), (4, 11), (5, 10), (5, 11), (6, 10), (6, 11),
    )


def test_empty_and_invalid_inputs():
    assert assign([], [1], 3, conflicts=()) == AssignmentResult((), (), True)
    [p] = assign([1], [1], 0, conflicts=()).problems
    assert p.render() == "Each entry needs at least 1 judge, not 0."
    r = assign([1, 2], [7, 8], 3, conflicts=())
    assert (r.ok, r.pairs, r.problems[0].render()) == (
        False, (), "Each entry needs 3 judges but the panel has only 2."
    )
    with pytest.raises(ValueError, match="entry"):
        assign([1, 1], [7], 1, conflicts=())
    with pytest.raises(ValueError, match="judge"):
        assign([1], [7, 7], 1, conflicts=())


def test_infeasible_entry_is_named():
    r = assign([1, 2, 3], [7, 8, 9], 2, conflicts={(7, 2), (8, 2)})
    assert (r.ok, r.pairs) == (False, ())
    assert [p.render() for p in r.problems] == [
        "Entry 2 has only 1 judges without a conflict; 2 are needed."
    ]


def test_infeasible_judge_minimum_is_named():
    # 4 entries x k=1 over 2 judges -> each judge needs 2; judge 8 may only take entry 1.
    r = assign([1, 2, 3, 4], [7, 8], 1, conflicts={(8, 2), (8, 3), (8, 4)})
    assert [(p.code, p.params) for p in r.problems] == [
        ("judge_too_few_entries", {"judge": 8, "available": 1, "min": 2}),
    ]


def test_infeasible_hall_violation_on_judges():
    # k=1, 4 entries, 4 judges: every judge needs exactly 1 entry.  Judges 7 and 8 may
    # each score entry 1 only, so each alone has enough, but together they need 2 entries.
    conflicts = {(j, e) for j in (7, 8) for e in (2, 3, 4)}
    assert brute_force_feasible([1, 2, 3, 4], [7, 8, 9, 10], 1, conflicts) is False
    r = assign([1, 2, 3, 4], [7, 8, 9, 10], 1, conflicts=conflicts)
    assert (r.ok, r.pairs) == (False, ())
    [p] = r.problems
    assert p.code == "judge_cannot_reach_minimum"
    assert p.params["judge"] in (7, 8)
    assert p.render() == (
        f"Judge {p.params['judge']} cannot be given 1 entries without a conflict while every "
        "entry keeps 1 judges; conflicts leave too few entries for them."
    )


def test_infeasible_in_second_phase_names_entries():
    # 3 entries, k=1, 2 judges: loads 1 and 2.  Entries 1 and 2 can only use judge 7,
    # entry 3 only judge 8: judge 7 would need 2 and judge 8 1 -- feasible.
    ok = assign([1, 2, 3], [7, 8], 1, conflicts={(8, 1), (8, 2), (7, 3)})
    assert ok.pairs == ((1, 7), (2, 7), (3, 8))
    # Three entries that only judge 7 may score: judge 7 would need 3 > ceil(3/2).
    r = assign([1, 2, 3], [7, 8], 1, conflicts={(8, 1), (8, 2), (8, 3)})
    assert [p.code for p in r.problems] == ["judge_too_few_entries"]
    r = assign([1, 2, 3, 4, 5], [7, 8, 9], 1,
               conflicts={(j, e) for j in (8, 9) for e in (1, 2, 3)})
    assert r.ok is False
    assert [p.code for p in r.problems] == ["entry_unbalanced"]
    assert r.problems[0].render() == (
        f"Entry {r.problems[0].params['entry']} cannot get 1 judges: its 1 judges without a "
        "conflict are needed by other entries while loads stay between 1 and 2."
    )


@settings(max_examples=150, deadline=None)
@given(
    n_entries=st.integers(min_value=0, max_value=6),
    n_judges=st.integers(min_value=1, max_value=5),
    k=st.integers(min_value=1, max_value=3),
    conflict_bits=st.lists(st.booleans(), min_size=30, max_size=30),
    seed=st.integers(min_value=0, max_value=3),
)
def test_random_panels_respect_every_invariant(n_entries, n_judges, k, conflict_bits, seed):
    entries = list(range(1, n_entries + 1))
    judges = list(range(100, 100 + n_judges))
    conflicts = {(j, e) for e in entries for j in judges
                 if conflict_bits[(e * 7 + j) % 30] and (e + j) % 3 == 0}
    result = assign(entries, judges, k, conflicts=conflicts, seed=seed)
    assert result == assign(entries, judges, k, conflicts=conflicts, seed=seed)
    feasible = k <= n_judges and brute_force_feasible(entries, judges, k, conflicts)
    if not entries:
        feasible = True
    assert result.ok is feasible
    if feasible:
        check_invariants(result, entries, judges, k, conflicts)
    else:
        assert result.pairs == ()
        assert result.problems != ()


def test_assign_panels_combines_and_fails_atomically():
    panels = {"print": ([1, 2, 3, 4], [10, 11]), "tv": ([5, 6], [10, 12, 13])}
    r = assign_panels(panels, 1, conflicts={(10, 1)})
    assert r.ok is True
    assert [e for e, _ in r.pairs] == [1, 2, 3, 4, 5, 6]
    assert (1, 10) not in r.pairs
    bad = assign_panels({**panels, "radio": ([7], [10])}, 2, conflicts=())
    assert (bad.ok, bad.pairs) == (False, ())
    assert [(p.code, p.field, p.params["panel"]) for p in bad.problems] == [
        ("too_few_judges", "radio", "radio"),
    ]
    dup = assign_panels({"a": ([1], [10]), "b": ([1], [11])}, 1, conflicts=())
    assert [p.render() for p in dup.problems] == ["Entry 1 is in both panel a and panel b."]


def test_propose_replacement():
    pairs = {(1, 10), (1, 11), (2, 12), (2, 13), (3, 10), (3, 12)}
    judges = [10, 11, 12, 13]
    # judge 11 recuses from entry 1; loads after removal: 10:2, 11:0, 12:2, 13:1
    assert propose_replacement(1, 11, pairs, judges, conflicts=()) == 13
    assert propose_replacement(1, 11, pairs, judges, conflicts={(13, 1)}) == 12
    assert propose_replacement(1, 11, pairs, judges, conflicts={(13, 1), (12, 1)}) is None
    # ties broken by lowest id
    assert propose_replacement(2, 12, pairs, [10, 11, 12, 13, 14, 15],
                               conflicts=()) == 14
