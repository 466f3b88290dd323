import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.text import normalize_agency, normalize_name, same_agency, search_key, split_agency


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("  NGUYỄN   văn\tĐỨC \n", "nguyen van duc"),
        ("Ðặng Thị Hương", "dang thi huong"),  # U+00D0 typed for Đ
        ("Lê Thị Hoà", "le thi hoa"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


def test_normalize_name_nfc_and_nfd_agree():
    name = "Trần Thị Ánh Nguyệt"
    assert normalize_name(unicodedata.normalize("NFD", name)) == "tran thi anh nguyet"
    assert normalize_name(unicodedata.normalize("NFC", name)) == "tran thi anh nguyet"


def test_search_key():
    assert search_key("Hà Giang") == "ha giang"


@given(st.text())
def test_normalize_name_is_idempotent_and_form_independent(s):
    once = normalize_name(s)
    assert normalize_name(once) == once
    assert normalize_name(unicodedata.normalize("NFD", s)) == normalize_name(
        unicodedata.normalize("NFC", s)
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Báo Nhân Dân", ("bao", "nhan dan")),
        ("Báo điện tử Đảng Cộng sản Việt Nam", ("bao", "dang cong san viet nam")),
        ("Đài PT-TH Hà Giang", ("dai", "ha giang")),
        ("Đài PTTH Hà Giang", ("dai", "ha giang")),
        ("Đài Phát thanh - Truyền hình Hà Giang", ("dai", "ha giang")),
        ("Đài Phát thanh và Truyền hình Hà Giang", ("dai", "ha giang")),
        ("Đài Tiếng nói Việt Nam", ("dai", "tieng noi viet nam")),
        ("Tạp chí Cộng sản", ("tap chi", "cong san")),
        ("Cổng thông tin điện tử tỉnh Kon Tum", ("cong thong tin dien tu", "tinh kon tum")),
        ("Trang thông tin điện tử Sở X", ("trang thong tin dien tu", "so x")),
        ("bao nhan dan", ("bao", "nhan dan")),
        ("DAI PT-TH HA GIANG", ("dai", "ha giang")),
        ("Đại Đoàn Kết", ("", "dai doan ket")),
        ("Bảo Lâm", ("", "bao lam")),
        ("Báo", ("", "bao")),
        ("TP.HCM", ("", "tp hcm")),
        ("", ("", "")),
        ("--", ("", "")),
    ],
)
def test_split_agency(raw, expected):
    assert split_agency(raw) == expected


def test_normalize_agency_returns_core():
    assert normalize_agency("Báo Nhân Dân") == "nhan dan"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Báo Nhân Dân", "Nhân dân", True),
        ("Báo Nhân Dân", "Báo điện tử Nhân Dân", True),
        ("Đài PT-TH Hà Giang", "Đài Phát thanh - Truyền hình Hà Giang", True),
        ("Báo Kon Tum", "Đài PT-TH Kon Tum", False),
        ("Báo Kon Tum", "Tạp chí Kon Tum", False),
        ("Đại Đoàn Kết", "Báo Đại Đoàn Kết", True),
        ("Bảo Lâm", "Báo Bảo Lâm", True),
        ("Báo Hà Giang", "Báo Hà Nội", False),
        ("TP. HCM", "TP.HCM", True),
        ("", "", False),
        ("", "Báo Nhân Dân", False),
        ("Báo", "Báo", True),
    ],
)
def test_same_agency(a, b, expected):
    assert same_agency(a, b) is expected
    assert same_agency(b, a) is expected
