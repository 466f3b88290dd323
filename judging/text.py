"""Vietnamese-aware normalisation of person names, press agency names and search text."""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]|_")

# Prefix families: (family, written forms).  Forms are compared word by word against the
# casefolded name, and each word may be typed with or without its diacritics.  Keeping the
# diacritics while matching stops "Bảo Lâm" (a district) looking like "Báo ..." (newspaper)
# and "Đại Đoàn Kết" (a newspaper title) looking like "Đài ..." (broadcaster).
_PREFIX_FORMS: tuple[tuple[str, str], ...] = (
    ("bao", "báo điện tử"),
    ("bao", "báo"),
    ("dai", "đài phát thanh và truyền hình"),
    ("dai", "đài phát thanh truyền hình"),
    ("dai", "đài pt th"),
    ("dai", "đài ptth"),
    ("dai", "đài"),
    ("tap chi", "tạp chí"),
    ("cong thong tin dien tu", "cổng thông tin điện tử"),
    ("trang thong tin dien tu", "trang thông tin điện tử"),
)


def _strip_marks(s: str) -> str:
    decomposed = unicodedata.normalize("NFD", s.translate(_D_MAP))
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def _collapse(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


def normalize_name(s: str) -> str:
    """Casefold, drop Vietnamese diacritics (đ -> d), collapse whitespace; NFC/NFD give the same.

    >>> normalize_name("  Nguyễn  Văn ĐỨC ")
    'nguyen van duc'
    """
    return _collapse(_strip_marks(unicodedata.normalize("NFC", s).casefold()))


def search_key(s: str) -> str:
    """Return diacritic-free casefolded text, for substring search ("hà" finds "Hà Giang")."""
    return normalize_name(s)


def _words(s: str) -> list[str]:
    folded = unicodedata.normalize("NFC", s).casefold().translate({ord("ð"): "đ"})
    return _collapse(_NON_WORD.sub(" ", folded)).split()


def _prefix_words(form: str) -> tuple[tuple[str, str], ...]:
    """Each word of a prefix as (with diacritics, without)."""
    return tuple((w, _strip_marks(w)) for w in unicodedata.normalize("NFC", form).split())


_PREFIXES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = tuple(
    sorted(
        ((family, _prefix_words(form)) for family, form in _PREFIX_FORMS),
        key=lambda item: -len(item[1]),
    )
)


def split_agency(s: str) -> tuple[str, str]:
    """Return ``(prefix family, core name)`` of an agency name, both normalised.

    The family is "" when no known prefix leads the name.  Punctuation and hyphens count as
    spaces, so "Đài PT-TH Hà Giang" -> ("dai", "ha giang") and "Báo Nhân Dân" -> ("bao",
    "nhan dan").  A name that is only a prefix keeps it as its core ("Báo" -> ("", "bao")).
    """
    words = _words(s)
    for family, forms in _PREFIXES:
        n = len(forms)
        if len(words) > n and all(words[i] in forms[i] for i in range(n)):
            return family, normalize_name(" ".join(words[n:]))
    return "", normalize_name(" ".join(words))


def normalize_agency(s: str) -> str:
    """Return the agency's core name: normalised, punctuation-free, leading prefix removed."""
    return split_agency(s)[1]


def same_agency(a: str, b: str) -> bool:
    """True when the cores match and the prefix families agree (or one side has none).

    "Báo Nhân Dân" matches "Nhân dân"; "Báo Kon Tum" does not match "Đài PT-TH Kon Tum";
    an empty or punctuation-only name never matches anything.
    """
    return agency_keys_match(split_agency(a), split_agency(b))


def agency_keys_match(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """``same_agency`` on two precomputed ``split_agency`` results."""
    (fa, ca), (fb, cb) = a, b
    return bool(ca) and ca == cb and (not fa or not fb or fa == fb)


def _name_words(s: str) -> str:
    return " ".join(normalize_name(_NON_WORD.sub(" ", s.replace("_", " "))).split())


def names_in(text: str, names) -> list[str]:
    """The names (as given) that ``text`` contains, compared without case, diacritics or
    punctuation, on word boundaries; a name of two or more words also matches written
    without spaces ("NguyenThiRiengTu.pdf"). For captions and filenames that would give an
    author away in a blind round.

    >>> names_in("Ảnh của nguyen-thi-rieng-tu.jpg", ["Nguyễn Thị Riêng Tư", "An"])
    ['Nguyễn Thị Riêng Tư']
    """
    words = _name_words(text)
    padded, compact = f" {words} ", words.replace(" ", "")
    found = []
    for name in names:
        key = _name_words(name or "")
        if not key or name in found:
            continue
        if f" {key} " in padded or (" " in key and key.replace(" ", "") in compact):
            found.append(name)
    return found
