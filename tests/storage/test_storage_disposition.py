"""content_disposition: RFC 6266/5987 headers for any filename an entrant may use."""

from __future__ import annotations

import pytest

from portal.storage import content_disposition
from portal.storage.base import may_show_inline


@pytest.mark.parametrize(
    ("filename", "inline", "expected"),
    [
        (
            "Bài báo số 1.pdf",
            True,
            'inline; filename="Bai bao so 1.pdf"; '
            "filename*=UTF-8''B%C3%A0i%20b%C3%A1o%20s%E1%BB%91%201.pdf",
        ),
        (
            "Đường về.mp3",
            False,
            'attachment; filename="Duong ve.mp3"; '
            "filename*=UTF-8''%C4%90%C6%B0%E1%BB%9Dng%20v%E1%BB%81.mp3",
        ),
        (
            "../../etc/passwd.pdf",
            False,
            "attachment; filename=\"passwd.pdf\"; filename*=UTF-8''passwd.pdf",
        ),
        ("..\\..\\win.ini", False, "attachment; filename=\"win.ini\"; filename*=UTF-8''win.ini"),
        (
            'say "hi"\\.pdf',
            False,  # the backslash is a path separator: ".pdf" is left
            "attachment; filename=\"pdf\"; filename*=UTF-8''pdf",
        ),
        ('a"b.pdf', True, "inline; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf"),
        (
            "bad\r\nSet-Cookie: x.pdf",
            False,
            'attachment; filename="badSet-Cookie: x.pdf"; '
            "filename*=UTF-8''badSet-Cookie%3A%20x.pdf",
        ),
        ("", False, "attachment; filename=\"download\"; filename*=UTF-8''download"),
        (
            "北京.pdf",
            False,
            "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%8C%97%E4%BA%AC.pdf",
        ),
    ],
)
def test_content_disposition_is_safe_and_keeps_the_unicode_name(filename, inline, expected):
    assert content_disposition(filename, inline) == expected


@pytest.mark.parametrize(
    ("content_type", "inline"),
    [
        ("application/pdf", True),
        ("image/jpeg", True),
        ("image/webp", True),
        ("audio/mpeg", True),
        ("video/mp4; codecs=avc1", True),
        ("image/svg+xml", False),
        ("text/html", False),
        ("application/xhtml+xml", False),
        (None, False),
        ("", False),
    ],
)
def test_only_safe_types_may_show_inline(content_type, inline):
    assert may_show_inline(content_type) is inline
