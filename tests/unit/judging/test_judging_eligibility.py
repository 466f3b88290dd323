import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.eligibility import (
    DateWindow,
    EditionRules,
    EntryFacts,
    Part,
    Person,
    SlotRequirement,
    SubmissionWindow,
    check_entry,
    check_url,
    check_window,
    same_person,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OPENS = datetime(2024, 5, 1, 0, 0, tzinfo=VN)
CLOSES = datetime(2024, 9, 30, 17, 0, tzinfo=VN)
INSIDE = datetime(2024, 6, 1, 9, 0, tzinfo=VN)
RULES = EditionRules(
    publication_window=DateWindow(date(2023, 11, 1), date(2024, 9, 15)),
    submission_window=SubmissionWindow(OPENS, CLOSES),
    max_parts=5,
    max_authors=5,
    per_author_cap=2,
)
AN = Person("Nguyễn Văn An", 1980, user_id=7, workplace="Báo Kon Tum")
BINH = Person("Trần Thị Bình", 1990)
PDF = SlotRequirement("pdf", "Printed pages (PDF)", True, 1, 5)


def part(n=1, d=date(2024, 3, 1), url=None):
    return Part(n, f"Kỳ {n}", d, "Báo Kon Tum", url)


def entry(**kw):
    base = dict(
        entry_id=1, genre_code="BI", requires_url=False, declared_parts=1, parts=(part(),),
        authors=(AN,), verified_files={"pdf": 1}, slots=(PDF,),
    )
    base.update(kw)
    return EntryFacts(**base)


def codes(problems):
    return [p.code for p in problems]


def test_clean_entry_has_no_problems():
    assert check_entry(entry(), RULES, now=INSIDE) == []


# --- windows ---------------------------------------------------------------------------

def test_window_opening_instant_is_open_and_one_microsecond_before_is_not():
    assert check_window(RULES, OPENS) == []
    [p] = check_window(RULES, OPENS - timedelta(microseconds=1))
    assert (p.code, p.params) == (
        "submission_not_open", {"opens": "00:00 01/05/2024", "closes": "17:00 30/09/2024"}
    )
    assert p.render() == "Submissions open at 00:00 01/05/2024; they are not accepted yet."


def test_window_closing_instant_is_closed_and_shown_in_edition_tz():
    assert check_window(RULES, CLOSES - timedelta(microseconds=1)) == []
    [p] = check_window(RULES, CLOSES)
    assert p.code == "submission_closed"
    assert p.render() == "Submissions closed at 17:00 30/09/2024."
    # a UTC 'now' after the deadline gives the same Vietnamese-time message
    [q] = check_window(RULES, datetime(2024, 9, 30, 10, 0, tzinfo=UTC))
    assert q == p
    assert SubmissionWindow(OPENS, CLOSES).is_open(CLOSES) is False
    assert SubmissionWindow(OPENS, CLOSES).is_open(OPENS) is True


def test_closing_time_uses_rules_tz():
    rules = dataclasses.replace(RULES, tz="UTC")
    [p] = check_window(rules, CLOSES)
    assert p.params == {"closes": "10:00 30/09/2024"}


def test_naive_now_and_bad_windows_are_rejected():
    with pytest.raises(ValueError, match="aware"):
        check_window(RULES, datetime(2024, 6, 1))
    with pytest.raises(ValueError, match="aware"):
        SubmissionWindow(datetime(2024, 1, 1), CLOSES)
    with pytest.raises(ValueError, match="opens at or after"):
        SubmissionWindow(CLOSES, OPENS)
    with pytest.raises(ValueError, match="after end"):
        DateWindow(date(2024, 2, 1), date(2024, 1, 1))


def test_check_entry_reports_window_too():
    assert codes(check_entry(entry(), RULES, now=CLOSES)) == ["submission_closed"]


# --- publication dates ---------------------------------------------------------------------

@pytest.mark.parametrize("d", [date(2023, 11, 1), date(2024, 9, 15)])
def test_first_and_last_day_of_publication_window_are_inside(d):
    assert check_entry(entry(parts=(part(d=d),)), RULES, now=INSIDE) == []
    assert d in RULES.publication_window
    assert "2024-01-01" not in RULES.publication_window


def test_day_before_window():
    [p] = check_entry(entry(parts=(part(d=date(2023, 10, 31)),)), RULES, now=INSIDE)
    assert (p.code, p.field) == ("part_before_window", "parts-0-published_on")
    assert p.render() == (
        "Part 1 was published on 31/10/2023, before the window opens on 01/11/2023."
    )


def test_day_after_window_names_the_part_and_its_field():
    parts = (part(1), part(2), part(3, d=date(2024, 9, 16)))
    [p] = check_entry(entry(parts=parts, declared_parts=3), RULES, now=INSIDE)
    assert (p.code, p.field) == ("part_after_window", "parts-2-published_on")
    assert p.render() == (
        "Part 3 was published on 16/09/2024, after the window closes on 15/09/2024."
    )


def test_missing_date():
    [p] = check_entry(entry(parts=(part(d=None),)), RULES, now=INSIDE)
    assert (p.code, p.field, p.render()) == (
        "part_date_missing", "parts-0-published_on", "Part 1 has no publication date."
    )


# --- part counts ------------------------------------------------------------------------

def test_declared_parts_mismatch_and_no_parts():
    assert codes(check_entry(entry(parts=(), declared_parts=1), RULES, now=INSIDE)) == [
        "no_parts", "parts_count_mismatch",
    ]
    [p] = check_entry(entry(declared_parts=2), RULES, now=INSIDE)
    assert p.render() == "The entry declares 2 parts but lists 1."


def test_every_part_names_its_outlet_and_no_author_needs_a_workplace():
    nobody = Person("Lê Văn Dân", 1960, workplace="")
    assert check_entry(entry(authors=(nobody,)), RULES, now=INSIDE) == []
    blank = Part(2, "Kỳ 2", date(2024, 3, 2), "  ", None)
    [p] = check_entry(entry(declared_parts=2, parts=(part(), blank)), RULES, now=INSIDE)
    assert (p.code, p.field, p.render()) == (
        "part_outlet_missing", "parts-1-outlet",
        "Part 2 does not say which press outlet published it.")


def test_max_parts_reached_is_ok_and_exceeded_is_not():
    five = tuple(part(i) for i in range(1, 6))
    assert check_entry(entry(parts=five, declared_parts=5), RULES, now=INSIDE) == []
    six = tuple(part(i) for i in range(1, 7))
    [p] = check_entry(entry(parts=six, declared_parts=6), RULES, now=INSIDE)
    assert p.render() == "A series may have at most 5 parts; this entry has 6."


# --- authors ----------------------------------------------------------------------------

def test_no_authors_and_too_many():
    assert codes(check_entry(entry(authors=()), RULES, now=INSIDE)) == ["no_authors"]
    people = tuple(Person(f"Tác giả {i}", 1980 + i) for i in range(5))
    assert check_entry(entry(authors=people), RULES, now=INSIDE) == []
    six = (*people, Person("Tác giả 9", 1999))
    [p] = check_entry(entry(authors=six), RULES, now=INSIDE)
    assert p.render() == "An entry may name at most 5 authors; this entry names 6."


def test_blank_author_name_and_duplicate_author():
    probs = check_entry(
        entry(authors=(AN, Person(" ", None), Person("NGUYEN VAN AN", 1980))), RULES, now=INSIDE
    )
    assert [(p.code, p.field) for p in probs] == [
        ("author_name_missing", "authors-1-full_name"),
        ("author_duplicate", "authors-2-full_name"),
    ]
    assert probs[0].render() == "Author 2 has no name."
    assert probs[1].render() == "NGUYEN VAN AN is listed more than once as an author."


def test_per_author_cap_reached_is_ok():
    other = [(Person("nguyen van an", 1980),)]  # one other entry + this = 2 = cap
    assert check_entry(entry(), RULES, now=INSIDE, other_entries=other) == []


def test_per_author_cap_exceeded_names_the_author_with_diacritics_and_case_ignored():
    others = [
        (BINH, Person("NGUYỄN VĂN AN", 1980)),
        (Person("Nguyen  Van An", 1980),),
        (Person("Nguyễn Văn An", 1981),),  # another person: different birth year
        (Person("Nguyễn Văn An", None),),  # unknown year never matches by name
    ]
    [p] = check_entry(entry(authors=(AN, BINH)), RULES, now=INSIDE, other_entries=others)
    assert (p.code, p.field) == ("author_over_cap", "authors-0-full_name")
    assert p.params == {"name": "Nguyễn Văn An", "count": 3, "cap": 2}
    assert p.render() == (
        "Nguyễn Văn An would appear on 3 entries; each author may appear on at most 2."
    )


def test_cap_counts_user_id_matches():
    others = [(Person("An Nguyen", None, user_id=7),), (Person("A. N.", None, user_id=7),)]
    assert codes(check_entry(entry(), RULES, now=INSIDE, other_entries=others)) == [
        "author_over_cap"
    ]


def test_staff_cannot_enter():
    staff = [Person("Nguyen Van An", 1980), Person("Lê Văn Cường", 1970)]
    [p] = check_entry(entry(authors=(AN, BINH)), RULES, now=INSIDE, staff=staff)
    assert (p.code, p.field, p.render()) == (
        "author_is_staff",
        "authors-0-full_name",
        "Nguyễn Văn An is a judge or organizer of this edition and may not enter.",
    )


def test_same_person():
    assert same_person(AN, Person("nguyen van an", 1980)) is True
    assert same_person(AN, Person("Nguyễn Văn An", 1981)) is False
    assert same_person(Person("X", None), Person("X", None)) is False
    assert same_person(Person("X", None, 3), Person("Y", 1, 3)) is True
    assert same_person(Person("X", None, None), Person("X", None, None)) is False
    assert same_person(Person("", 1990), Person("", 1990)) is False


# --- files ------------------------------------------------------------------------------

def test_required_slot_boundaries():
    slot = SlotRequirement("audio", "Audio (MP3)", True, 1, 2)
    assert check_entry(entry(slots=(slot,), verified_files={"audio": 1}), RULES,
                       now=INSIDE) == []
    assert check_entry(entry(slots=(slot,), verified_files={"audio": 2}), RULES,
                       now=INSIDE) == []
    [few] = check_entry(entry(slots=(slot,), verified_files={}), RULES, now=INSIDE)
    assert (few.code, few.field, few.render()) == (
        "files_too_few", "files-audio",
        "Audio (MP3): 0 file(s) uploaded, at least 1 needed.",
    )
    [many] = check_entry(entry(slots=(slot,), verified_files={"audio": 3}), RULES, now=INSIDE)
    assert (many.code, many.render()) == (
        "files_too_many", "Audio (MP3): 3 file(s) uploaded, at most 2 allowed."
    )


def test_optional_slot_may_be_empty_but_if_used_obeys_min_and_max():
    slot = SlotRequirement("script", "Script", False, 2, 3)
    assert check_entry(entry(slots=(PDF, slot)), RULES, now=INSIDE) == []
    assert codes(check_entry(entry(slots=(slot,), verified_files={"script": 1}), RULES,
                             now=INSIDE)) == ["files_too_few"]
    assert codes(check_entry(entry(slots=(slot,), verified_files={"script": 4}), RULES,
                             now=INSIDE)) == ["files_too_many"]


def test_agency_confirmation_replaces_the_confirmation_slot_and_only_it():
    letter = SlotRequirement("confirmation", "Agency's confirmation", True, 1, 1)
    assert codes(check_entry(entry(slots=(PDF, letter)), RULES, now=INSIDE)) == [
        "files_too_few"]
    assert check_entry(entry(slots=(PDF, letter), agency_confirmed=True), RULES,
                       now=INSIDE) == []
    # The confirmation replaces the letter, not the work itself.
    assert codes(check_entry(entry(slots=(PDF, letter), verified_files={},
                                   agency_confirmed=True), RULES, now=INSIDE)) == [
        "files_too_few"]


# --- URLs -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://baokontum.com.vn/bai-viet-1", True),
        ("http://vtv.vn", True),
        ("https://baokontum.com.vn:8080/x?y=1", True),
        ("ftp://baokontum.com.vn/x", False),
        ("baokontum.com.vn/x", False),
        ("https://localhost/x", False),
        ("https://bao kontum.vn/x", False),
        ("https://baokontum.vn/a b", False),
        ("https://.vn/x", False),
        ("https://example.com:99999/", False),
        ("https://example.com:abc/", False),
        ("https://", False),
        ("", False),
        (None, False),
    ],
)
def test_check_url(url, ok):
    assert check_url(url) is ok


def test_url_rules_for_online_genre():
    parts = (part(1, url="https://baokontum.com.vn/a"), part(2, url=None),
             part(3, url="www.baokontum.vn/c"), part(4, url="  "))
    probs = check_entry(entry(requires_url=True, parts=parts, declared_parts=4), RULES,
                        now=INSIDE)
    assert [(p.code, p.field) for p in probs] == [
        ("url_missing", "parts-1-url"),
        ("url_invalid", "parts-2-url"),
        ("url_missing", "parts-3-url"),
    ]
    assert probs[1].render() == (
        "The address of part 3, “www.baokontum.vn/c”, is not a valid web address "
        "(it must start with http:// or https://)."
    )


def test_url_not_checked_for_print():
    assert check_entry(entry(parts=(part(url="nonsense"),)), RULES, now=INSIDE) == []


# --- declarations and everything at once -----------------------------------------------------

def test_declarations():
    probs = check_entry(entry(won_national_press_award=True, accepted_rules=False), RULES,
                        now=INSIDE)
    assert [(p.code, p.field) for p in probs] == [
        ("national_press_award", "won_national_press_award"),
        ("rules_not_accepted", "accepted_rules"),
    ]


def test_every_failure_is_reported_in_order():
    bad = entry(
        requires_url=True,
        declared_parts=7,
        parts=tuple(part(i, d=date(2022, 1, i), url="https://a.vn") for i in range(1, 7)),
        authors=(),
        verified_files={},
        won_national_press_award=True,
        accepted_rules=False,
    )
    assert codes(check_entry(bad, RULES, now=CLOSES)) == [
        "submission_closed", "parts_count_mismatch", "too_many_parts",
        *["part_before_window"] * 6, "no_authors", "files_too_few",
        "national_press_award", "rules_not_accepted",
    ]


# --- properties -------------------------------------------------------------------------

DATE_PROBLEMS = {"part_before_window", "part_after_window", "part_date_missing"}


@given(st.dates(min_value=date(2023, 11, 1), max_value=date(2024, 9, 15)))
def test_date_inside_window_never_gives_a_date_problem(d):
    probs = check_entry(entry(parts=(part(d=d),)), RULES, now=INSIDE)
    assert probs == []


@given(st.dates())
def test_date_problem_iff_outside_window(d):
    probs = check_entry(entry(parts=(part(d=d),)), RULES, now=INSIDE)
    inside = date(2023, 11, 1) <= d <= date(2024, 9, 15)
    assert ({p.code for p in probs} & DATE_PROBLEMS == set()) is inside


@given(
    st.lists(st.one_of(st.none(), st.dates()), min_size=1, max_size=6),
    st.one_of(st.none(), st.dates(max_value=date(2023, 10, 31))),
)
def test_adding_a_bad_part_never_reduces_problems(dates, bad_date):
    parts = tuple(part(i + 1, d=d) for i, d in enumerate(dates))
    before = check_entry(entry(parts=parts, declared_parts=len(parts)), RULES, now=INSIDE)
    more = (*parts, part(len(parts) + 1, d=bad_date))
    after = check_entry(entry(parts=more, declared_parts=len(more)), RULES, now=INSIDE)
    assert len(after) > len(before)
    assert {p.code for p in before} <= {p.code for p in after}


@given(st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=4))
def test_cap_problem_iff_count_exceeds_cap(n_other, cap):
    rules = dataclasses.replace(RULES, per_author_cap=cap)
    others = [(Person("nguyễn văn an", 1980),)] * n_other
    probs = check_entry(entry(), rules, now=INSIDE, other_entries=others)
    assert codes(probs) == (["author_over_cap"] if n_other + 1 > cap else [])
