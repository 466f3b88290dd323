"""Every paginated page takes any `?page=` value: absurd ones are clamped, never a 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import portal
from portal.pagination import MAX_PAGE
from tests.security.seed import client_as, seed

PAGES = {
    "registry": lambda w: f"/organize/{w.slug}/entries",
    "screening": lambda w: f"/organize/{w.slug}/screening",
    "audit": lambda w: f"/organize/{w.slug}/audit",
    "assignments": lambda w: f"/organize/{w.slug}/rounds/{w.round_id}/assignments",
    "progress": lambda w: f"/organize/{w.slug}/rounds/{w.round_id}/progress",
}
# Shown on the first page of each list: the entry's reference, or (audit) the organizer
# who published the results.
FIRST_ROW = {"audit": "<td>btc@example.vn</td>"}
AS_FIRST_PAGE = ["-1", "0", "-99999999999999999999", "abc", "1e3", "2.5", "١", "１", "",
                 "0x10", "1 OR 1=1"]  # a NUL is refused (400) before any view:
# tests/security/test_fuzz.py::test_control_characters_in_the_url_are_refused
AS_LAST_PAGE = ["99999999999999999999", "9223372036854775808", str(MAX_PAGE + 1),
                "1" * 400]


def test_page_numbers_are_read_in_one_place():
    """Views take the page from portal.pagination, never from request.args themselves."""
    root = Path(portal.__file__).parent
    readers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if re.search(r"args\.get\(\s*[\"']page[\"']", p.read_text("utf-8"))]
    assert readers == []


def _body(response) -> str:
    """The page without the language switch's `next` (which echoes the query string) and
    the CSRF tokens (which carry a timestamp)."""
    assert response.status_code == 200
    text = re.sub(r'name="next" value="[^"]*"', "", response.get_data(as_text=True))
    return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', "", text)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_absurd_page_numbers_are_clamped(app, name):
    world = seed(app)
    client, _token = client_as(app, world, "org")
    url = PAGES[name](world)
    first = _body(client.get(url + "?page=1"))
    assert FIRST_ROW.get(name, "BLV2026-BI-001") in first
    last = _body(client.get(url, query_string={"page": str(MAX_PAGE)}))
    assert last != first  # past the end: the rows are gone
    for value in AS_FIRST_PAGE:
        assert _body(client.get(url, query_string={"page": value})) == first, value
    for value in AS_LAST_PAGE:
        assert _body(client.get(url, query_string={"page": value})) == last, value
