from judging.conflicts import Conflict, EntryPeople, Judge, conflict_pairs, find_conflicts
from judging.eligibility import Person

HA = Judge(1, "Lê Thu Hà", 1975, "Báo Kon Tum", user_id=100)
MINH = Judge(2, "Phạm Minh", 1968, "Đài PT-TH Kon Tum")
LAN = Judge(3, "Vũ Lan", None, "")

E10 = EntryPeople(10, (Person("Lê Thu Hà", 1975, user_id=100, workplace="Báo Kon Tum"),),
                  ("Báo Kon Tum",))
E11 = EntryPeople(11, (Person("LE THU HA", 1975, workplace="Tạp chí Cộng sản"),),
                  ("Tạp chí Cộng sản",))
E12 = EntryPeople(12, (Person("Đỗ Văn Nam", 1990, workplace="Đài Phát thanh - Truyền hình "
                                                            "Kon Tum"),
                       Person("Hồ Văn Tư", 1991, workplace="Đài PTTH Kon Tum")),
                  ("Báo Kon Tum", "Kon Tum"))
E13 = EntryPeople(13, (Person("Ngô Bảo", 1985, workplace=""),), ("",))


def test_find_conflicts_reasons():
    found = find_conflicts([HA, MINH, LAN], [E10, E11, E12, E13],
                           {(3, 13): "Tác giả là con tôi", (3, 99): "unknown entry",
                            (9, 13): "unknown judge"})
    assert {k: [c.code for c in v] for k, v in found.items()} == {
        (1, 10): ["judge_is_author", "same_workplace", "published_by_workplace"],
        (1, 11): ["same_name_and_birth_year"],
        (1, 12): ["published_by_workplace", "published_by_workplace"],
        (2, 12): ["same_workplace", "same_workplace", "published_by_workplace"],
        (3, 13): ["declared"],
    }
    assert found[(3, 13)] == [Conflict(
        3, 13, "declared",
        "Judge %(judge)s declared a conflict with entry %(entry)s: %(reason)s",
        {"judge": "Vũ Lan", "entry": 13, "reason": "Tác giả là con tôi"},
    )]
    assert found[(1, 11)][0].message % found[(1, 11)][0].params == (
        "Judge Lê Thu Hà has the same name and year of birth as LE THU HA, an author of "
        "entry 11."
    )
    assert found[(2, 12)][0].message % found[(2, 12)][0].params == (
        "Judge Phạm Minh works at Đài Phát thanh - Truyền hình Kon Tum, like Đỗ Văn Nam, an "
        "author of entry 12."
    )
    assert found[(1, 12)][1].params["agency"] == "Kon Tum"


def test_conflict_pairs_and_empty_inputs():
    assert conflict_pairs([HA, MINH, LAN], [E10, E11, E12, E13]) == {
        (1, 10), (1, 11), (1, 12), (2, 12),
    }
    assert find_conflicts([], [E10]) == {}
    assert find_conflicts([LAN], [E13]) == {}


def test_repeated_outlet_gives_one_conflict():
    entry = EntryPeople(20, (Person("Ai Đó", None),),
                        ("Báo Kon Tum", "Báo Kon Tum", "Báo  KON TUM"))
    assert [c.code for c in find_conflicts([HA], [entry])[(1, 20)]] == [
        "published_by_workplace"
    ]


def test_sending_agency_conflicts_with_a_judge_working_there():
    sent = EntryPeople(20, (Person("Đỗ Văn Nam", 1990, workplace=""),), ("Báo Gia Lai",),
                       sending_agency="Đài Phát thanh và Truyền hình Kon Tum")
    found = find_conflicts([HA, MINH], [sent])
    assert {k: [c.code for c in v] for k, v in found.items()} == {
        (2, 20): ["sent_by_workplace"]}
    c = found[(2, 20)][0]
    assert c.message % c.params == ("Judge Phạm Minh works at Đài Phát thanh và Truyền "
                                    "hình Kon Tum, which sent entry 20.")
    # An outlet that also sent the entry is reported once, as the outlet.
    both = EntryPeople(21, (), ("Đài PT-TH Kon Tum",), sending_agency="Đài PTTH Kon Tum")
    assert [c.code for c in find_conflicts([MINH], [both])[(2, 21)]] == [
        "published_by_workplace"]
    # No sending agency: nothing new.
    assert find_conflicts([MINH], [EntryPeople(22, (), ())]) == {}
