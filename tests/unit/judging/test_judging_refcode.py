import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.refcode import Reference, format_reference, parse_reference


def test_format_reference():
    assert format_reference("BLV2024", "TH", 7) == "BLV2024-TH-007"
    assert format_reference("blv2024", "th ", 1000) == "BLV2024-TH-1000"


@pytest.mark.parametrize(("prefix", "genre", "seq"), [("BLV", "T-H", 1), ("", "TH", 1),
                                                      ("BLV", "ĐT", 1), ("BLV", "TH", 0)])
def test_format_reference_rejects(prefix, genre, seq):
    with pytest.raises(ValueError):
        format_reference(prefix, genre, seq)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BLV2024-TH-007", Reference("BLV2024", "TH", 7)),
        (" blv2024-th-1234 ", Reference("BLV2024", "TH", 1234)),
        ("BLV2024-TH-000", None),
        ("BLV2024-TH", None),
        ("BLV2024-TH-7\n", Reference("BLV2024", "TH", 7)),
        ("BLV2024-TH-٣", None),
        ("BLV2024--007", None),
    ],
)
def test_parse_reference(text, expected):
    assert parse_reference(text) == expected


@given(st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True),
       st.from_regex(r"[A-Za-z0-9]{1,4}", fullmatch=True),
       st.integers(min_value=1, max_value=10**6))
def test_round_trip(prefix, genre, seq):
    assert parse_reference(format_reference(prefix, genre, seq)) == Reference(
        prefix.upper(), genre.upper(), seq
    )
